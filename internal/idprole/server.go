package idprole

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/authplane/authplane/internal/keys"
	"github.com/authplane/authplane/internal/policy"
	"github.com/authplane/authplane/internal/secret"
)

// Server is the IdP role: its store, signing keys and HTTP endpoints. It is
// safe for concurrent use.
type Server struct {
	cfg     Config
	log     *slog.Logger
	now     func() time.Time
	st      *store
	keys    *keys.Manager
	secrets *secret.Hasher
	// csrfKey authenticates sign-in forms; nonceKey DPoP nonces.
	csrfKey, nonceKey []byte
	ep                endpoints
	pages             pages

	logins    loginLimiter
	dummyOnce sync.Once
	dummy     string

	polMu  sync.Mutex
	polGen int64
	engine *policy.Engine
}

// endpoints are the absolute URLs and mux paths derived from the issuer.
type endpoints struct {
	base                          string // issuer path, "" at the root
	secure                        bool   // https issuer: Secure cookies
	authorize, token, jwks, uinfo string // absolute URLs
}

func newEndpoints(issuer string) endpoints {
	u, _ := url.Parse(issuer) // validated by normalize
	return endpoints{
		base: u.Path, secure: u.Scheme == "https", authorize: issuer + "/authorize", token: issuer + "/token",
		jwks: issuer + "/jwks", uinfo: issuer + "/userinfo",
	}
}

// Open opens (creating if needed) the IdP role's data directory, database
// and signing keys. The caller must Close the Server.
func Open(ctx context.Context, cfg Config) (*Server, error) {
	cfg, err := cfg.normalize()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("idprole: data dir: %w", err)
	}
	kek, err := keys.LoadOrCreateKEKFile(filepath.Join(cfg.DataDir, "kek"))
	if err != nil {
		return nil, err
	}
	st, err := openStore(ctx, filepath.Join(cfg.DataDir, "idp.db"))
	if err != nil {
		return nil, err
	}
	s := &Server{
		cfg: cfg, log: cfg.Logger, now: cfg.Now, st: st, ep: newEndpoints(cfg.Issuer),
		csrfKey: derive(kek, "sign-in form csrf"), nonceKey: derive(kek, "dpop nonce"),
	}
	if s.pages, err = parsePages(); err != nil {
		return nil, errors.Join(err, st.close())
	}
	if s.secrets, err = secret.NewHasher(derive(kek, "app secret pepper")); err != nil {
		return nil, errors.Join(err, st.close())
	}
	s.keys, err = keys.NewManager(ctx, keyStore{st}, kek, keys.Options{
		Now: cfg.Now, MaxTokenLifetime: cfg.IDTokenTTL, Logger: cfg.Logger,
	})
	if err != nil {
		return nil, errors.Join(err, st.close())
	}
	return s, nil
}

// derive returns a purpose-bound key from the KEK, so one secret file in
// the data directory keys every MAC of the IdP role.
func derive(kek []byte, purpose string) []byte {
	m := hmac.New(sha256.New, kek)
	m.Write([]byte("authplane idp role: " + purpose))
	return m.Sum(nil)
}

// Issuer returns the issuer identifier the Server runs as.
func (s *Server) Issuer() string { return s.cfg.Issuer }

// Close releases the database.
func (s *Server) Close() error { return s.st.close() }

// Handler returns the IdP role's HTTP handler: discovery, JWKS, the
// authorization endpoint with its sign-in page, the token endpoint and
// userinfo.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	b := s.ep.base
	mux.HandleFunc("GET "+b+"/.well-known/openid-configuration", s.handleMetadata)
	mux.HandleFunc("GET /.well-known/oauth-authorization-server"+b, s.handleMetadata)
	if b != "" {
		mux.HandleFunc("GET /.well-known/openid-configuration"+b, s.handleMetadata)
	}
	mux.HandleFunc("GET "+b+"/jwks", s.handleJWKS)
	mux.HandleFunc("GET "+b+"/authorize", s.handleAuthorizeGet)
	mux.HandleFunc("POST "+b+"/authorize", s.handleAuthorizePost)
	mux.HandleFunc("POST "+b+"/token", s.handleToken)
	mux.HandleFunc("GET "+b+"/userinfo", s.handleUserinfo)
	mux.HandleFunc("POST "+b+"/userinfo", s.handleUserinfo)
	mux.HandleFunc("GET "+b+"/healthz", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) })
	return mux
}

// Run listens on the configured address and serves until ctx ends, then
// shuts down gracefully.
func (s *Server) Run(ctx context.Context) error {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", s.cfg.Addr)
	if err != nil {
		return fmt.Errorf("idprole: listen: %w", err)
	}
	return s.Serve(ctx, ln)
}

// Serve serves on ln until ctx ends, then shuts down gracefully.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	hs := &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      15 * time.Second,
		IdleTimeout:       60 * time.Second,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	s.log.Info("idp role listening", "addr", ln.Addr().String(), "issuer", s.cfg.Issuer)
	select {
	case err := <-errc:
		return fmt.Errorf("idprole: serve: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		return fmt.Errorf("idprole: shutdown: %w", err)
	}
	return nil
}
