package server

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"
)

// newHTTPServer applies the configured time-outs and header cap.
func (s *Server) newHTTPServer(addr string, h http.Handler) *http.Server {
	h = withRequestID(withSecurityHeaders(withAccessLog(s.log, addr, withBodyLimit(1<<20, h))))
	return &http.Server{
		Addr:              addr,
		Handler:           h,
		ReadHeaderTimeout: s.cfg.HTTP.ReadHeaderTimeout,
		ReadTimeout:       s.cfg.HTTP.ReadTimeout,
		WriteTimeout:      s.cfg.HTTP.WriteTimeout,
		IdleTimeout:       s.cfg.HTTP.IdleTimeout,
		MaxHeaderBytes:    s.cfg.HTTP.MaxHeaderBytes,
	}
}

// Listeners are the bound listeners of a running server.
type Listeners struct {
	Public, Admin net.Listener
}

// Listen binds both listeners (":0" ports are resolved), so callers know
// the addresses before Serve.
func (s *Server) Listen() (Listeners, error) {
	pub, err := net.Listen("tcp", s.cfg.PublicAddr)
	if err != nil {
		return Listeners{}, fmt.Errorf("server: public listener: %w", err)
	}
	adm, err := net.Listen("tcp", s.cfg.AdminAddr)
	if err != nil {
		pub.Close()
		return Listeners{}, fmt.Errorf("server: admin listener: %w", err)
	}
	return Listeners{Public: pub, Admin: adm}, nil
}

// Serve runs both listeners and the background loops until ctx ends, then
// shuts down gracefully: in-flight requests finish (up to the shutdown
// time-out), the audit queue drains and the store closes.
func (s *Server) Serve(ctx context.Context, l Listeners) error {
	bg, stopBG := context.WithCancel(context.WithoutCancel(ctx))
	var wg sync.WaitGroup
	wg.Add(3)
	go func() { defer wg.Done(); s.catalog.Run(bg) }()
	go func() { defer wg.Done(); s.purgeLoop(bg) }()
	go func() { defer wg.Done(); s.sealer.Run(bg, s.cfg.Audit.SealInterval) }()

	g, gctx := errgroup.WithContext(ctx)
	serve := func(srv *http.Server, ln net.Listener) func() error {
		return func() error {
			if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
				return err
			}
			return nil
		}
	}
	public := l.Public
	if s.cfg.TLS.CertFile != "" {
		cert, err := tls.LoadX509KeyPair(s.cfg.TLS.CertFile, s.cfg.TLS.KeyFile)
		if err != nil {
			stopBG()
			wg.Wait()
			s.closeStore()
			return fmt.Errorf("server: tls: %w", err)
		}
		public = tls.NewListener(public, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12})
	}
	g.Go(serve(s.public, public))
	g.Go(serve(s.adminSrv, l.Admin))
	g.Go(func() error {
		<-gctx.Done()
		return s.shutdown()
	})
	err := g.Wait()
	stopBG()
	wg.Wait()
	s.closeStore()
	return err
}

// Run listens and serves until ctx ends.
func (s *Server) Run(ctx context.Context) error {
	l, err := s.Listen()
	if err != nil {
		s.closeStore()
		return err
	}
	s.log.Info("authplane listening", "public", l.Public.Addr().String(), "admin", l.Admin.Addr().String(), "issuer", s.cfg.Issuer, "dev", s.cfg.Dev)
	return s.Serve(ctx, l)
}

func (s *Server) shutdown() error {
	ctx, cancel := context.WithTimeout(context.Background(), s.cfg.HTTP.ShutdownTimeout)
	defer cancel()
	errPub := s.public.Shutdown(ctx)
	errAdm := s.adminSrv.Shutdown(ctx)
	errAudit := s.audit.Close(ctx)
	return errors.Join(errPub, errAdm, errAudit)
}

func (s *Server) closeStore() {
	if err := s.store.Close(); err != nil {
		s.log.Warn("store close failed", "err", err)
	}
}

// GeneratedAdminToken is the admin token generated at this first dev start,
// to be shown once; "" otherwise.
func (s *Server) GeneratedAdminToken() string { return s.generatedAdminToken }

// purgeLoop removes expired jtis, revocations and retired keys.
func (s *Server) purgeLoop(ctx context.Context) {
	t := time.NewTicker(s.cfg.Purge.Interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		now := s.now()
		if n, err := s.store.PurgeExpiredJTIs(ctx, now); err != nil && ctx.Err() == nil {
			s.log.Warn("purge of expired jtis failed", "err", err)
		} else if n > 0 {
			s.log.Debug("purged expired jtis", "count", n)
		}
		if _, err := s.store.PurgeExpiredRevocations(ctx, now); err != nil && ctx.Err() == nil {
			s.log.Warn("purge of expired revocations failed", "err", err)
		}
	}
}
