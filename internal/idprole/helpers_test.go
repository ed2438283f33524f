package idprole

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/authplane/authplane/internal/clocktest"

	"github.com/authplane/authplane/internal/oauth"
	"github.com/authplane/authplane/internal/storage"
)

// Fixture values.
const (
	asIssuer     = "https://as.example.com"
	asAlias      = "urn:example:authplane"
	mcpResource  = "https://mcp.example.com/mcp"
	as2Issuer    = "https://as2.example.com"
	mcp2         = "https://mcp2.example.com/mcp"
	redirectURI  = "http://127.0.0.1:8765/callback"
	alicePass    = "alice-password-1"
	bobPass      = "bob-password-1"
	agentSecret  = "agent-secret-0123456789"
	otherSecret  = "other-secret-0123456789"
	codeSecret   = "codeonly-secret-0123456"
	testVerifier = "verifier-0123456789-0123456789-0123456789-abcdef"
)

// fakeClock is the shared fake clock.
type fakeClock = clocktest.Clock

func newClock() *fakeClock { return clocktest.New(time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)) }

// env is one IdP role behind an httptest server, seeded with users, apps,
// two audiences and a policy.
type env struct {
	t      *testing.T
	srv    *Server
	ts     *httptest.Server
	clock  *fakeClock
	issuer string
	dir    string
}

func newEnv(t *testing.T, mods ...func(*Config)) *env {
	t.Helper()
	ts := httptest.NewUnstartedServer(nil)
	clock := newClock()
	e := &env{t: t, ts: ts, clock: clock, issuer: "http://" + ts.Listener.Addr().String(), dir: t.TempDir()}
	cfg := Config{Issuer: e.issuer, DataDir: e.dir, Dev: true, Now: clock.Now, InsecurePasswordIterations: 1000}
	for _, m := range mods {
		m(&cfg)
	}
	srv, err := Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	e.srv = srv
	ts.Config.Handler = srv.Handler()
	ts.Start()
	t.Cleanup(ts.Close)
	e.seed()
	return e
}

func (e *env) seed() {
	ctx := context.Background()
	check(e.t, errOf(e.srv.AddUser(ctx, User{Username: "alice", Password: alicePass, Email: "alice@example.com", Groups: []string{"engineering"}})))
	check(e.t, errOf(e.srv.AddUser(ctx, User{Username: "bob", Password: bobPass, Groups: []string{"sales"}})))
	check(e.t, errOf(e.srv.AddApp(ctx, App{ID: "agent", Name: "Agent", Secret: agentSecret, RedirectURIs: []string{redirectURI}})))
	check(e.t, errOf(e.srv.AddApp(ctx, App{ID: "other", Secret: otherSecret, RedirectURIs: []string{redirectURI}})))
	check(e.t, errOf(e.srv.AddApp(ctx, App{ID: "codeonly", Secret: codeSecret, RedirectURIs: []string{redirectURI},
		GrantTypes: []string{grantAuthorizationCode}})))
	check(e.t, errOf(e.srv.AddAudience(ctx, Audience{ID: "authplane", Issuer: asIssuer, Aliases: []string{asAlias},
		Resources: []string{mcpResource}, Scopes: []string{"tools.read", "tools.write"},
		ClientIDMap: map[string]string{"agent": "agent-at-as", "codeonly": "codeonly-at-as"}})))
	check(e.t, errOf(e.srv.AddAudience(ctx, Audience{ID: "as2", Issuer: as2Issuer, Resources: []string{mcp2},
		ClientIDMap: map[string]string{"agent": "agent-at-as2", "other": "other-at-as2"}})))
	e.addPolicy(storage.Policy{ID: "engineering", Effect: "allow", IdPs: []string{"authplane", "as2"},
		GroupsAny: []string{"engineering"}, Enabled: true})
}

func (e *env) addPolicy(p storage.Policy) {
	e.t.Helper()
	if err := e.srv.AddPolicy(context.Background(), p); err != nil {
		e.t.Fatal(err)
	}
}

// must returns v, panicking on err (a fixture that cannot fail).
func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// check fails the test on err.
func check(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// errOf drops a result, keeping the error.
func errOf[T any](_ T, err error) error { return err }

// browser returns a client with a cookie jar that does not follow
// redirects.
func browser(t *testing.T) *http.Client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func challenge(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// authorizeQuery is a valid authorization request for app.
func authorizeQuery(app string) url.Values {
	return url.Values{"client_id": {app}, "redirect_uri": {redirectURI}, "response_type": {"code"},
		"scope": {"openid email"}, "state": {"st-123"}, "nonce": {"n-456"},
		"code_challenge": {challenge(testVerifier)}, "code_challenge_method": {"S256"}}
}

var hiddenField = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`)

// formFields extracts the hidden fields of the sign-in page.
func formFields(t *testing.T, page string) url.Values {
	t.Helper()
	v := url.Values{}
	for _, m := range hiddenField.FindAllStringSubmatch(page, -1) {
		v.Set(html.UnescapeString(m[1]), html.UnescapeString(m[2]))
	}
	if v.Get("csrf_token") == "" {
		t.Fatalf("sign-in page has no csrf_token field:\n%s", page)
	}
	return v
}

func readBody(t *testing.T, resp *http.Response) string {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// signIn drives GET /authorize and POST /authorize through the HTML form
// and returns the 303 response.
func (e *env) signIn(c *http.Client, q url.Values, username, password string) *http.Response {
	e.t.Helper()
	resp, err := c.Get(e.issuer + "/authorize?" + q.Encode())
	if err != nil {
		e.t.Fatal(err)
	}
	page := readBody(e.t, resp)
	if resp.StatusCode != http.StatusOK {
		e.t.Fatalf("GET /authorize: %d\n%s", resp.StatusCode, page)
	}
	f := formFields(e.t, page)
	f.Set("username", username)
	f.Set("password", password)
	resp, err = c.PostForm(e.issuer+"/authorize", f)
	if err != nil {
		e.t.Fatal(err)
	}
	return resp
}

// code signs username in for app and returns the authorization code.
func (e *env) code(app, username, password string) string {
	e.t.Helper()
	resp := e.signIn(browser(e.t), authorizeQuery(app), username, password)
	body := readBody(e.t, resp)
	if resp.StatusCode != http.StatusSeeOther {
		e.t.Fatalf("POST /authorize: %d\n%s", resp.StatusCode, body)
	}
	loc := must(url.Parse(resp.Header.Get("Location")))
	return loc.Query().Get("code")
}

// tokenReq posts form to the token endpoint, with optional headers.
func (e *env) tokenReq(form url.Values, hdr map[string]string) (*http.Response, map[string]any) {
	e.t.Helper()
	req, err := http.NewRequest(http.MethodPost, e.issuer+"/token", strings.NewReader(form.Encode()))
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	var body map[string]any
	if err := json.Unmarshal([]byte(readBody(e.t, resp)), &body); err != nil {
		e.t.Fatalf("token response is not JSON: %v", err)
	}
	return resp, body
}

// redeem exchanges a code for the token response.
func (e *env) redeem(app, secret, code string) (*http.Response, map[string]any) {
	return e.tokenReq(url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {redirectURI},
		"code_verifier": {testVerifier}, "client_id": {app}, "client_secret": {secret}}, nil)
}

// idToken signs username in for app and returns the ID token.
func (e *env) idToken(app, secret, username, password string) string {
	e.t.Helper()
	resp, body := e.redeem(app, secret, e.code(app, username, password))
	if resp.StatusCode != http.StatusOK {
		e.t.Fatalf("code redemption: %d %v", resp.StatusCode, body)
	}
	return body["id_token"].(string)
}

// exchangeForm is a valid ID-JAG request for agent with subject token st.
func exchangeForm(st string) url.Values {
	return url.Values{
		"grant_type": {oauth.GrantTokenExchange}, "requested_token_type": {oauth.TokenTypeIDJAG},
		"subject_token": {st}, "subject_token_type": {oauth.TokenTypeIDToken}, "audience": {asIssuer},
		"resource": {mcpResource}, "scope": {"tools.read"}, "client_id": {"agent"}, "client_secret": {agentSecret},
	}
}

// claimsOf decodes a JWT's payload without verifying it.
func claimsOf(t *testing.T, jwt string) map[string]any {
	t.Helper()
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWS: %d parts", len(parts))
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// headerOf decodes a JWT's JOSE header.
func headerOf(t *testing.T, jwt string) map[string]any {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(strings.Split(jwt, ".")[0])
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// wantError checks an RFC 6749 §5.2 error response.
func wantError(t *testing.T, resp *http.Response, body map[string]any, status int, code string) {
	t.Helper()
	if resp.StatusCode != status || body["error"] != code {
		t.Fatalf("got %d %v, want %d %s", resp.StatusCode, body, status, code)
	}
	if resp.Header.Get("Cache-Control") != "no-store" || resp.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("error headers %v", resp.Header)
	}
}
