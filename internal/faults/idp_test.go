//go:build faults

package faults

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/authplane/authplane/internal/oauth"
	"github.com/authplane/authplane/internal/secret"
	"github.com/authplane/authplane/internal/testidp"
)

// enterpriseIdP plays the enterprise IdP for a separate server process: it
// serves RFC 8414 discovery and its JWKS over plain http on 127.0.0.1 (the
// testidp package's TLS certificate cannot be trusted by another process),
// and mints ID-JAGs with testidp's keys and signer. Knobs: go down, rotate,
// count fetches.
type enterpriseIdP struct {
	// issuer is http://127.0.0.1:port.
	issuer string
	srv    *http.Server

	mu     sync.Mutex
	keys   []testidp.Key // keys[0] signs; all are published
	down   bool
	maxAge int

	jwksHits atomic.Int64
	discHits atomic.Int64
}

// startIdP serves a new IdP with one ES256 key until the test ends.
func startIdP(t *testing.T) *enterpriseIdP {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &enterpriseIdP{issuer: "http://" + ln.Addr().String(), keys: []testidp.Key{testidp.NewKey(jose.ES256)}, maxAge: 3600}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/oauth-authorization-server", p.discovery)
	mux.HandleFunc("GET /.well-known/openid-configuration", p.discovery)
	mux.HandleFunc("GET /jwks", p.jwks)
	p.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = p.srv.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = p.srv.Shutdown(ctx)
	})
	return p
}

// signer is an IdP that serves nothing: a key to mint assertions for
// issuers registered elsewhere.
func signer() *enterpriseIdP {
	return &enterpriseIdP{keys: []testidp.Key{testidp.NewKey(jose.ES256)}}
}

// jwksURI is where the key set is served.
func (p *enterpriseIdP) jwksURI() string { return p.issuer + "/jwks" }

// setDown makes discovery and JWKS answer 503 (an outage) or recover.
func (p *enterpriseIdP) setDown(down bool) {
	p.mu.Lock()
	p.down = down
	p.mu.Unlock()
}

// rotate publishes a new key of alg and signs with it from now on; the
// previous keys stay published (a rotation as IdPs do it).
func (p *enterpriseIdP) rotate(alg jose.SignatureAlgorithm) testidp.Key {
	k := testidp.NewKey(alg)
	p.mu.Lock()
	p.keys = append([]testidp.Key{k}, p.keys...)
	p.mu.Unlock()
	return k
}

// signingKey is the current signing key.
func (p *enterpriseIdP) signingKey() testidp.Key {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.keys[0]
}

// fetches is the number of JWKS plus discovery requests so far.
func (p *enterpriseIdP) fetches() int64 { return p.jwksHits.Load() + p.discHits.Load() }

func (p *enterpriseIdP) discovery(w http.ResponseWriter, _ *http.Request) {
	p.discHits.Add(1)
	if p.isDown(w) {
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"issuer": p.issuer, "jwks_uri": p.jwksURI(), "token_endpoint": p.issuer + "/token"})
}

func (p *enterpriseIdP) jwks(w http.ResponseWriter, _ *http.Request) {
	p.jwksHits.Add(1)
	if p.isDown(w) {
		return
	}
	p.mu.Lock()
	set := jose.JSONWebKeySet{}
	for _, k := range p.keys {
		set.Keys = append(set.Keys, k.PublicJWK())
	}
	maxAge := p.maxAge
	p.mu.Unlock()
	w.Header().Set("Content-Type", "application/jwk-set+json")
	w.Header().Set("Cache-Control", "max-age="+strconv.Itoa(maxAge))
	_ = json.NewEncoder(w).Encode(set)
}

func (p *enterpriseIdP) isDown(w http.ResponseWriter) bool {
	p.mu.Lock()
	down := p.down
	p.mu.Unlock()
	if down {
		http.Error(w, "down", http.StatusServiceUnavailable)
	}
	return down
}

// clientAssertionRequest is a token request authenticated by a
// private_key_jwt client assertion for clientID, signed by a fresh key (the
// server must fetch the client's jwks_uri to check it).
func clientAssertionRequest(tokenURL, clientID string) *http.Request {
	k := testidp.NewKey(jose.ES256)
	now := time.Now()
	ca := testidp.Sign(k, map[string]any{"alg": "ES256", "kid": k.Kid, "typ": "JWT"}, map[string]any{
		"iss": clientID, "sub": clientID, "aud": issuer, "jti": secret.ID(), "iat": now.Unix(), "exp": now.Add(time.Minute).Unix(),
	})
	form := url.Values{
		"grant_type": {oauth.GrantJWTBearer}, "assertion": {signer().mint(jag{})},
		"client_assertion_type": {oauth.ClientAssertionJWTBearer}, "client_assertion": {ca},
	}
	return formRequest(tokenURL, "", strings.NewReader(form.Encode()))
}

// jag describes an ID-JAG to mint; zero fields take the values of a valid
// assertion for the registered agent.
type jag struct {
	subject string
	jti     string
	// kid overrides the header kid (the signature still uses the key).
	kid string
	// key signs instead of the current signing key.
	key *testidp.Key
	// iss overrides the issuer.
	iss string
}

// mint returns a compact ID-JAG for the agent client on the faults
// resource, valid for five minutes.
func (p *enterpriseIdP) mint(j jag) string {
	k := p.signingKey()
	if j.key != nil {
		k = *j.key
	}
	if j.subject == "" {
		j.subject = "alice"
	}
	if j.jti == "" {
		j.jti = secret.ID()
	}
	hdr := map[string]any{"alg": string(k.Alg), "typ": "oauth-id-jag+jwt", "kid": k.Kid}
	if j.kid != "" {
		hdr["kid"] = j.kid
	}
	if j.iss == "" {
		j.iss = p.issuer
	}
	now := time.Now()
	claims := map[string]any{
		"iss": j.iss, "sub": j.subject, "aud": issuer, "client_id": agentID, "jti": j.jti,
		"iat": now.Unix(), "exp": now.Add(5 * time.Minute).Unix(), "resource": resourceURI, "scope": "tools:read tools:write",
	}
	return testidp.Sign(k, hdr, claims)
}
