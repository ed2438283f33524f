package bench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/authplane/authplane/internal/adminclient"
)

// target is the server under test: started for the run or already running.
type target struct {
	public, admin, token, issuer string
	// pid is the server's process id; 0 when unknown (target mode
	// without Options.PID).
	pid int
	// store names the backend: "sqlite", "postgres" or "target".
	store   string
	startup time.Duration
	proc    *serverProc
	schema  *pgSchema
}

// openTarget starts a server (with a fresh PostgreSQL schema when the store
// is a DSN) or reads a running server's issuer.
func openTarget(ctx context.Context, o *Options) (*target, error) {
	if o.Target != "" {
		t := &target{public: strings.TrimRight(o.Target, "/"), admin: strings.TrimRight(o.AdminURL, "/"),
			token: o.AdminToken, pid: o.PID, store: "target"}
		var err error
		t.issuer, err = readIssuer(ctx, t.public)
		return t, err
	}
	exe := o.Executable
	if exe == "" {
		var err error
		if exe, err = os.Executable(); err != nil {
			return nil, fmt.Errorf("bench: find the authplane executable: %w", err)
		}
	}
	t := &target{store: "sqlite"}
	store := o.Store
	if store != "sqlite" {
		var err error
		if t.schema, err = createSchema(ctx, store); err != nil {
			return nil, err
		}
		store, t.store = t.schema.dsn, "postgres"
	}
	p, err := launch(ctx, exe, store, o.ServerLogLevel)
	if err != nil {
		return nil, errors.Join(err, t.dropSchema())
	}
	t.proc, t.pid, t.startup = p, p.pid(), p.startup
	t.public, t.admin, t.token, t.issuer = p.public, p.admin, p.token, p.issuer
	return t, nil
}

// readIssuer reads the issuer from the server's metadata (RFC 8414).
func readIssuer(ctx context.Context, public string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, public+"/.well-known/oauth-authorization-server", nil)
	if err != nil {
		return "", fmt.Errorf("bench: %w", err)
	}
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		return "", fmt.Errorf("bench: read the target's metadata: %w", err)
	}
	defer resp.Body.Close()
	var md struct {
		Issuer string `json:"issuer"`
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil || resp.StatusCode != http.StatusOK || json.Unmarshal(body, &md) != nil || md.Issuer == "" {
		return "", fmt.Errorf("bench: the target's metadata has no issuer (status %d)", resp.StatusCode)
	}
	return md.Issuer, nil
}

// adminClient is an admin API client for the target.
func (t *target) adminClient() *adminclient.Client {
	return &adminclient.Client{BaseURL: t.admin, Token: t.token, HTTP: adminclient.NewHTTPClient(time.Minute)}
}

// close stops a started server and drops its schema.
func (t *target) close() error {
	var err error
	if t.proc != nil {
		err = t.proc.stop()
	}
	return errors.Join(err, t.dropSchema())
}

func (t *target) dropSchema() error {
	if t.schema == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return t.schema.drop(ctx)
}
