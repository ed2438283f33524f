package server

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/authplane/authplane/internal/config"
	"github.com/authplane/authplane/internal/oauth"
	"github.com/authplane/authplane/internal/safehttp"
	"github.com/authplane/authplane/internal/testidp"
)

const (
	testIssuer     = "https://authplane.test"
	testAdminToken = "test-admin-token-0123456789abcdef0123456789"
	githubURI      = "https://mcp.example.com/github"
	jiraURI        = "https://mcp.example.com/jira"
	testKEK        = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
)

// env is a running AuthPlane on SQLite in a temp dir with a test IdP.
type env struct {
	t       *testing.T
	srv     *Server
	cfg     *config.Config
	pub     string // public base URL
	adm     string // admin base URL
	idp     *testidp.IdP
	secrets map[string]string // client id → secret
	stop    func()
}

// envOpts tweaks an env.
type envOpts struct {
	store string // "" = sqlite in a temp dir
	dir   string // data dir to reuse
	cfg   func(*config.Config)
	idp   *testidp.IdP
}

func newEnv(t *testing.T, o envOpts) *env {
	t.Helper()
	if o.dir == "" {
		o.dir = t.TempDir()
	}
	flags := map[string]any{
		"dev": "true", "data_dir": o.dir, "issuer": testIssuer, "admin_token": testAdminToken,
		"public_addr": "127.0.0.1:0", "admin_addr": "127.0.0.1:0", "insecure_allow_loopback": "true",
		"log.level": "error",
	}
	if o.store != "" {
		// Instances sharing a store share its key-encryption key.
		flags["store"], flags["kek"] = o.store, testKEK
	}
	cfg, err := config.Load(config.LoadOptions{Environ: []string{}, Flags: flags})
	if err != nil {
		t.Fatal(err)
	}
	cfg.Purge.Interval = time.Hour
	if o.cfg != nil {
		o.cfg(cfg)
	}
	if o.idp == nil {
		o.idp = testidp.New()
		t.Cleanup(o.idp.Close)
	}
	e := &env{t: t, cfg: cfg, idp: o.idp, secrets: map[string]string{}}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	fetcher := safehttp.New(safehttp.Options{InsecureAllowLoopback: true, RootCAs: o.idp.CertPool()})
	e.srv, err = New(context.Background(), cfg, log, Options{Fetcher: fetcher})
	if err != nil {
		t.Fatal(err)
	}
	l, err := e.srv.Listen()
	if err != nil {
		t.Fatal(err)
	}
	e.pub, e.adm = "http://"+l.Public.Addr().String(), "http://"+l.Admin.Addr().String()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = e.srv.Serve(ctx, l) }()
	var once sync.Once
	e.stop = func() { once.Do(func() { cancel(); <-done }) }
	t.Cleanup(e.stop)
	return e
}

// admin sends an admin API request and decodes the JSON answer into out.
func (e *env) admin(method, path string, in, out any) int {
	e.t.Helper()
	var body io.Reader
	if in != nil {
		b, _ := json.Marshal(in)
		body = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, e.adm+path, body)
	req.Header.Set("Authorization", "Bearer "+testAdminToken)
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if out != nil && len(raw) > 0 {
		if err := json.Unmarshal(raw, out); err != nil {
			e.t.Fatalf("%s %s: %v: %s", method, path, err, raw)
		}
	}
	return resp.StatusCode
}

// mustAdmin is admin that fails the test on a non-2xx answer.
func (e *env) mustAdmin(method, path string, in, out any) {
	e.t.Helper()
	var raw json.RawMessage
	if st := e.admin(method, path, in, &raw); st/100 != 2 {
		e.t.Fatalf("%s %s → %d %s", method, path, st, raw)
	}
	if out != nil {
		_ = json.Unmarshal(raw, out)
	}
}

// standardSetup registers the GitHub and Jira resources, the test IdP,
// clients agent-basic, agent-post and rs-github, and a policy allowing
// agent clients everything on GitHub.
func (e *env) standardSetup() {
	e.mustAdmin("POST", "/admin/v1/resources", map[string]any{"id": "github", "uri": githubURI, "scopes": []string{"repo:read", "repo:write"}}, nil)
	e.mustAdmin("POST", "/admin/v1/resources", map[string]any{"id": "jira", "uri": jiraURI, "scopes": []string{"issues:read"}}, nil)
	e.mustAdmin("POST", "/admin/v1/idps", map[string]any{"id": "acme", "issuer": e.idp.Issuer, "groups_claim": "groups"}, nil)
	for id, method := range map[string]string{"agent-basic": "client_secret_basic", "agent-post": "client_secret_post"} {
		e.createClient(id, method, []string{oauth.GrantJWTBearer})
	}
	e.createClient("rs-github", "client_secret_basic", []string{})
	e.mustAdmin("POST", "/admin/v1/policies", map[string]any{"id": "agents-github", "effect": "allow", "clients": []string{"agent-basic", "agent-post"}, "resources": []string{"github"}}, nil)
}

func (e *env) createClient(id, method string, grants []string) {
	var out struct {
		ClientSecret string `json:"client_secret"`
	}
	e.mustAdmin("POST", "/admin/v1/clients", map[string]any{"id": id, "name": id, "grant_types": grants, "token_endpoint_auth_method": method}, &out)
	e.secrets[id] = out.ClientSecret
}

// grant is a standard valid ID-JAG for agent-basic on GitHub.
func (e *env) grant() testidp.Grant {
	return testidp.Grant{Audience: testIssuer, ClientID: "agent-basic", Subject: "alice", Resource: githubURI, Scope: "repo:read repo:write"}
}

// tokenResponse is a token endpoint answer.
type tokenResponse struct {
	Status int
	Header http.Header
	Body   map[string]any
}

func (r tokenResponse) code() string { s, _ := r.Body["error"].(string); return s }

// post sends a form to a public endpoint as client (basic auth for
// agent-basic / rs-github, post otherwise; "" sends no credentials).
func (e *env) post(path, client string, form url.Values) tokenResponse {
	e.t.Helper()
	if client == "agent-post" {
		form.Set("client_id", client)
		form.Set("client_secret", e.secrets[client])
	}
	req, _ := http.NewRequest("POST", e.pub+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if client != "" && client != "agent-post" {
		req.SetBasicAuth(url.QueryEscape(client), url.QueryEscape(e.secrets[client]))
	}
	return e.do(req)
}

func (e *env) do(req *http.Request) tokenResponse {
	e.t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	out := tokenResponse{Status: resp.StatusCode, Header: resp.Header}
	raw, _ := io.ReadAll(resp.Body)
	_ = json.Unmarshal(raw, &out.Body)
	return out
}

// exchange performs the jwt-bearer grant as client with assertion.
func (e *env) exchange(client, assertion string, extra url.Values) tokenResponse {
	e.t.Helper()
	form := url.Values{"grant_type": {oauth.GrantJWTBearer}, "assertion": {assertion}}
	for k, v := range extra {
		form[k] = v
	}
	return e.post("/oauth/token", client, form)
}

func sqliteDir(t *testing.T) string { return filepath.Join(t.TempDir(), "data") }
