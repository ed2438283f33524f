package mcpauth

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/authplane/authplane/internal/clocktest"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/modelcontextprotocol/go-sdk/auth"
	"github.com/modelcontextprotocol/go-sdk/oauthex"

	"github.com/authplane/authplane/internal/token"
)

const (
	testResource = "https://mcp.example.com/github"
	rsClientID   = "res-github"
	rsSecret     = "s3cret value" // a space, to exercise the form-encoding of Basic credentials
)

// fakeClock is the shared fake clock.
type fakeClock = clocktest.Clock

func newClock() *fakeClock {
	return clocktest.New(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
}

// testKey is a static ES256 key, a token.KeySource.
type testKey struct {
	kid string
	key *ecdsa.PrivateKey
}

func newTestKey(t testing.TB) testKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	jwk := jose.JSONWebKey{Key: &k.PublicKey}
	tp, err := jwk.Thumbprint(crypto.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	return testKey{kid: base64.RawURLEncoding.EncodeToString(tp), key: k}
}

func (k testKey) Signer() (string, crypto.Signer) { return k.kid, k.key }

func (k testKey) jwk() jose.JSONWebKey {
	return jose.JSONWebKey{Key: &k.key.PublicKey, KeyID: k.kid, Algorithm: "ES256", Use: "sig"}
}

// authServer plays AuthPlane over TLS on 127.0.0.1: its JWKS and its
// introspection endpoint, with knobs and hit counters.
type authServer struct {
	*httptest.Server
	jwksHits  atomic.Int64
	introHits atomic.Int64

	mu           sync.Mutex
	keys         []jose.JSONWebKey
	cacheControl string
	jwksStatus   int
	introStatus  int
	revoked      map[string]bool // jti → inactive
	// gate, when set, holds every JWKS response until it is closed.
	gate chan struct{}
}

func newAuthServer(t testing.TB, keys ...testKey) *authServer {
	t.Helper()
	as := &authServer{cacheControl: "public, max-age=60", jwksStatus: http.StatusOK,
		introStatus: http.StatusOK, revoked: map[string]bool{}}
	as.setKeys(keys...)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/jwks.json", as.serveJWKS)
	mux.HandleFunc("POST /oauth/introspect", as.serveIntrospect)
	as.Server = httptest.NewTLSServer(mux)
	t.Cleanup(as.Close)
	return as
}

func (as *authServer) setKeys(keys ...testKey) {
	as.mu.Lock()
	defer as.mu.Unlock()
	as.keys = nil
	for _, k := range keys {
		as.keys = append(as.keys, k.jwk())
	}
}

func (as *authServer) set(f func(as *authServer)) {
	as.mu.Lock()
	defer as.mu.Unlock()
	f(as)
}

func (as *authServer) serveJWKS(w http.ResponseWriter, _ *http.Request) {
	as.jwksHits.Add(1)
	as.mu.Lock()
	gate := as.gate
	as.mu.Unlock()
	if gate != nil {
		<-gate
	}
	as.mu.Lock()
	defer as.mu.Unlock()
	if as.jwksStatus != http.StatusOK {
		http.Error(w, "down", as.jwksStatus)
		return
	}
	w.Header().Set("Content-Type", "application/jwk-set+json")
	if as.cacheControl != "" {
		w.Header().Set("Cache-Control", as.cacheControl)
	}
	_ = json.NewEncoder(w).Encode(jose.JSONWebKeySet{Keys: as.keys})
}

// serveIntrospect answers like AuthPlane's /oauth/introspect for the
// resource server's client: client_secret_basic, active unless revoked.
func (as *authServer) serveIntrospect(w http.ResponseWriter, r *http.Request) {
	as.introHits.Add(1)
	as.mu.Lock()
	defer as.mu.Unlock()
	id, secret, ok := r.BasicAuth()
	id, _ = url.QueryUnescape(id)
	secret, _ = url.QueryUnescape(secret)
	if !ok || id != rsClientID || secret != rsSecret {
		http.Error(w, `{"error":"invalid_client"}`, http.StatusUnauthorized)
		return
	}
	if as.introStatus != http.StatusOK {
		http.Error(w, "down", as.introStatus)
		return
	}
	jti := unverifiedClaim(r.PostFormValue("token"), "jti")
	w.Header().Set("Content-Type", "application/json")
	if jti == "" || as.revoked[jti] {
		_, _ = w.Write([]byte(`{"active":false}`))
		return
	}
	_ = json.NewEncoder(w).Encode(map[string]any{"active": true, "jti": jti, "aud": testResource})
}

// unverifiedClaim reads a string claim without verification (test server).
func unverifiedClaim(raw, name string) string {
	segs := strings.Split(raw, ".")
	if len(segs) != 3 {
		return ""
	}
	b, err := base64.RawURLEncoding.DecodeString(segs[1])
	if err != nil {
		return ""
	}
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	s, _ := m[name].(string)
	return s
}

// fixture is one kit against one fake AuthPlane.
type fixture struct {
	clock *fakeClock
	key   testKey
	as    *authServer
	kit   *Kit
}

func newFixture(t testing.TB, mutate ...func(*Config)) *fixture {
	t.Helper()
	f := &fixture{clock: newClock(), key: newTestKey(t)}
	f.as = newAuthServer(t, f.key)
	pool := x509Pool(f.as.Server)
	cfg := Config{
		Resource:              testResource,
		Issuer:                f.as.URL,
		ScopesSupported:       []string{"repo:read", "repo:write", "issues:write"},
		ResourceName:          "GitHub tools",
		InsecureAllowLoopback: true,
		RootCAs:               pool,
		Now:                   f.clock.Now,
	}
	for _, m := range mutate {
		m(&cfg)
	}
	kit, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	f.kit = kit
	return f
}

func withIntrospection(c *Config) {
	c.Introspection = &IntrospectionConfig{URL: c.Issuer + "/oauth/introspect", ClientID: rsClientID, ClientSecret: rsSecret}
}

// claims is a valid set for testResource at the fixture's clock.
func (f *fixture) claims(scope string) token.Claims {
	return token.Claims{
		Subject:   "idp1|alice",
		Audience:  testResource,
		ClientID:  "agent-1",
		Scope:     scope,
		Expiry:    f.clock.Now().Add(5 * time.Minute).Unix(),
		IdPIssuer: "https://idp.example.com",
	}
}

// lasting is claims("repo:read") expiring d from now.
func (f *fixture) lasting(d time.Duration) token.Claims {
	c := f.claims("repo:read")
	c.Expiry = f.clock.Now().Add(d).Unix()
	return c
}

// mint signs c with key as the fixture's AuthPlane (or another issuer).
func (f *fixture) mint(t testing.TB, key testKey, issuer string, c token.Claims) string {
	t.Helper()
	if issuer == "" {
		issuer = f.as.URL
	}
	m := &token.Minter{Issuer: issuer, Keys: key, Now: f.clock.Now}
	raw, err := m.Mint(c)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// valid mints a valid token with scope.
func (f *fixture) valid(t testing.TB, scope string) string {
	t.Helper()
	return f.mint(t, f.key, "", f.claims(scope))
}

// payload is the JSON of a valid token payload plus extra members.
func (f *fixture) payload(t testing.TB, extra map[string]any) string {
	t.Helper()
	now := f.clock.Now().Unix()
	m := map[string]any{"iss": f.as.URL, "sub": "alice", "aud": testResource, "client_id": "agent-1",
		"jti": "jti-raw", "iat": now, "nbf": now, "exp": now + 300, "scope": "repo:read"}
	for k, v := range extra {
		m[k] = v
	}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// signRaw builds a compact JWS over exactly headerJSON and payloadJSON,
// ES256-signed by k, to craft tokens the Minter never produces.
func signRaw(t testing.TB, k *ecdsa.PrivateKey, headerJSON, payloadJSON string) string {
	t.Helper()
	input := b64(headerJSON) + "." + b64(payloadJSON)
	digest := sha256.Sum256([]byte(input))
	r, s, err := ecdsa.Sign(rand.Reader, k, digest[:])
	if err != nil {
		t.Fatal(err)
	}
	sig := make([]byte, 64)
	r.FillBytes(sig[:32])
	s.FillBytes(sig[32:])
	return input + "." + base64.RawURLEncoding.EncodeToString(sig)
}

func b64(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

// seen records what a protected handler received.
type seen struct {
	calls int
	info  *auth.TokenInfo
	body  string
}

func (s *seen) handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.calls++
		s.info = auth.TokenInfoFromContext(r.Context())
		if r.Body != nil {
			b, _ := io.ReadAll(r.Body)
			s.body = string(b)
		}
		w.WriteHeader(http.StatusOK)
	})
}

func x509Pool(s *httptest.Server) *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(s.Certificate())
	return p
}

// request builds a request to the MCP endpoint with an optional bearer
// token.
func request(method, target, bearer, body string) *http.Request {
	r := httptest.NewRequest(method, target, strings.NewReader(body))
	if bearer != "" {
		r.Header.Set("Authorization", "Bearer "+bearer)
	}
	return r
}

func serve(h http.Handler, r *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

// bearerChallenge parses the response's WWW-Authenticate with the SDK's
// client-side parser and returns the Bearer parameters (nil if absent).
func bearerChallenge(t testing.TB, w *httptest.ResponseRecorder) map[string]string {
	t.Helper()
	vals := w.Result().Header.Values("WWW-Authenticate")
	if len(vals) == 0 {
		return nil
	}
	chs, err := oauthex.ParseWWWAuthenticate(vals)
	if err != nil {
		t.Fatalf("WWW-Authenticate %q: %v", vals, err)
	}
	for _, c := range chs {
		if c.Scheme == "bearer" {
			return c.Params
		}
	}
	t.Fatalf("no Bearer challenge in %q", vals)
	return nil
}
