package demo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/authplane/authplane/examples/mcp-server/githubmcp"
	"github.com/authplane/authplane/internal/adminclient"
	"github.com/authplane/authplane/internal/config"
	"github.com/authplane/authplane/internal/idprole"
	"github.com/authplane/authplane/internal/secret"
	"github.com/authplane/authplane/internal/server"
	"github.com/authplane/authplane/mcpauth"
)

// Options configure Run.
type Options struct {
	// Once returns after the flow instead of serving until ctx ends.
	Once bool
	// Out receives the narrative; nil discards it.
	Out io.Writer
	// Log receives the servers' warnings and errors; nil discards them.
	Log io.Writer
	// DataDir holds the IdP role's and AuthPlane's stores; "" means a new
	// temporary directory, removed when Run returns.
	DataDir string
	// Result, when not nil, receives what the flow observed.
	Result *Result

	// passwordIterations, when positive, lowers the IdP role's PBKDF2
	// iteration count: a test seam (the race detector slows the KDF tenfold).
	passwordIterations int
}

// Run starts the three parties, registers them with each other, runs the
// flow and, unless opts.Once, prints how to try more and serves until ctx
// ends. It returns an error if anything does not go as the demo expects.
func Run(ctx context.Context, opts Options) error {
	d, err := Start(ctx, opts)
	if err != nil {
		return err
	}
	defer d.Close()
	res, err := d.Flow(ctx)
	if opts.Result != nil {
		*opts.Result = res
	}
	if err != nil {
		return err
	}
	if opts.Once {
		d.out.section("Done: every step behaved as expected")
		return nil
	}
	d.printInstructions()
	<-ctx.Done()
	d.out.printf("\nStopping.\n")
	return nil
}

// Demo is the three running parties and what the flow needs to know about
// them. Build it with Start; Close stops everything.
type Demo struct {
	out *printer
	log *slog.Logger
	dir string
	rm  bool // dir is temporary

	idp   *idprole.Server
	admin *adminclient.Client
	urls  urls
	creds creds

	stop context.CancelFunc
	wg   sync.WaitGroup
	mcp  *http.Server
}

// urls are the parties' addresses.
type urls struct {
	idp, as, adminAPI, resource string
}

// creds are the secrets the setup created (shown to the CLI user only).
type creds struct {
	adminToken                  string
	agentAtIdP, agentAtAS       string
	agentCLIAtIdP, agentCLIAtAS string
}

// Start runs the IdP role, AuthPlane and the MCP server on loopback ports
// and registers them with each other.
func Start(ctx context.Context, opts Options) (_ *Demo, err error) {
	d := &Demo{out: newPrinter(opts.Out), log: newLogger(opts.Log), dir: opts.DataDir}
	if d.dir == "" {
		if d.dir, err = os.MkdirTemp("", "authplane-demo-"); err != nil {
			return nil, fmt.Errorf("demo: %w", err)
		}
		d.rm = true
	}
	d.creds.adminToken = secret.Generate()
	runCtx, stop := context.WithCancel(context.WithoutCancel(ctx))
	d.stop = stop
	defer func() {
		if err != nil {
			d.Close()
		}
	}()
	if err = d.startIdP(ctx, runCtx, opts); err != nil {
		return nil, err
	}
	if err = d.startAuthPlane(ctx, runCtx); err != nil {
		return nil, err
	}
	if err = d.startMCPServer(); err != nil {
		return nil, err
	}
	d.out.banner(d.urls)
	if err = d.setup(ctx); err != nil {
		return nil, fmt.Errorf("demo: setup: %w", err)
	}
	return d, nil
}

func newLogger(w io.Writer) *slog.Logger {
	if w == nil {
		return slog.New(slog.DiscardHandler)
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

// loopback listens on a free loopback port.
func loopback() (net.Listener, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("demo: listen on loopback: %w", err)
	}
	return ln, nil
}

// startIdP opens the IdP role and serves it until runCtx ends.
func (d *Demo) startIdP(ctx, runCtx context.Context, opts Options) error {
	ln, err := loopback()
	if err != nil {
		return err
	}
	d.urls.idp = "http://" + ln.Addr().String()
	d.idp, err = idprole.Open(ctx, idprole.Config{
		Issuer: d.urls.idp, DataDir: filepath.Join(d.dir, "idp"), Dev: true, Logger: d.log,
		InsecurePasswordIterations: opts.passwordIterations,
	})
	if err != nil {
		ln.Close()
		return err
	}
	d.wg.Go(func() {
		if err := d.idp.Serve(runCtx, ln); err != nil {
			d.log.Error("idp role stopped", "err", err)
		}
	})
	return nil
}

// startAuthPlane configures AuthPlane like `authplane serve` in dev mode,
// on a free port (the issuer must name it before the server exists), and
// serves it until runCtx ends. The process environment is not read: the
// demo is the same on every machine.
func (d *Demo) startAuthPlane(ctx, runCtx context.Context) error {
	ln, err := loopback()
	if err != nil {
		return err
	}
	addr := ln.Addr().String()
	ln.Close()
	d.urls.as = "http://" + addr
	cfg, err := config.Load(config.LoadOptions{Environ: []string{}, Flags: map[string]any{
		"dev": "true", "data_dir": filepath.Join(d.dir, "authplane"), "issuer": d.urls.as,
		"public_addr": addr, "admin_addr": "127.0.0.1:0", "admin_token": d.creds.adminToken,
		"insecure_allow_loopback": "true", "log.level": "warn",
	}})
	if err != nil {
		return err
	}
	srv, err := server.New(ctx, cfg, d.log, server.Options{})
	if err != nil {
		return err
	}
	l, err := srv.Listen()
	if err != nil {
		return err
	}
	d.urls.adminAPI = "http://" + l.Admin.Addr().String()
	d.admin = &adminclient.Client{BaseURL: d.urls.adminAPI, Token: d.creds.adminToken,
		HTTP: adminclient.NewHTTPClient(15 * time.Second)}
	d.wg.Go(func() {
		if err := srv.Serve(runCtx, l); err != nil {
			d.log.Error("authplane stopped", "err", err)
		}
	})
	return nil
}

// startMCPServer serves the example MCP server, verifying AuthPlane's
// tokens against its JWKS over loopback http.
func (d *Demo) startMCPServer() error {
	ln, err := loopback()
	if err != nil {
		return err
	}
	d.urls.resource = "http://" + ln.Addr().String() + "/mcp"
	kit, err := mcpauth.New(mcpauth.Config{
		Resource: d.urls.resource, Issuer: d.urls.as, ScopesSupported: githubmcp.Scopes(),
		ResourceName: "GitHub (demo)", InsecureAllowLoopback: true, Logger: d.log,
	})
	if err != nil {
		ln.Close()
		return err
	}
	d.mcp = &http.Server{Handler: githubmcp.NewHandler(kit), ReadHeaderTimeout: 5 * time.Second}
	d.wg.Go(func() {
		if err := d.mcp.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			d.log.Error("mcp server stopped", "err", err)
		}
	})
	return nil
}

// Close stops the three parties and removes a temporary data directory.
func (d *Demo) Close() {
	d.stop()
	if d.mcp != nil {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_ = d.mcp.Shutdown(sctx)
		cancel()
	}
	d.wg.Wait()
	if d.idp != nil {
		_ = d.idp.Close()
	}
	if d.rm {
		_ = os.RemoveAll(d.dir)
	}
}
