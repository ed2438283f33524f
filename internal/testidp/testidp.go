// Package testidp is an enterprise IdP for tests: an httptest TLS server
// that serves RFC 8414 discovery and a JWKS, rotates its keys, can go down,
// counts fetches, and mints ID-JAGs with a knob for every defect the
// jwt-bearer pipeline must reject. It is imported only by tests and by the
// benchmark harness.
package testidp

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/authplane/authplane/internal/secret"
)

// Key is one signing key of the IdP.
type Key struct {
	Kid string
	Alg jose.SignatureAlgorithm
	Pri crypto.Signer
}

// IdP is a running test IdP.
type IdP struct {
	Server *httptest.Server
	// Issuer is the IdP's issuer URL (https://127.0.0.1:port).
	Issuer string

	mu      sync.Mutex
	keys    []Key // keys[0] signs; all are published
	down    bool
	maxAge  int
	jwksHit atomic.Int64
	discHit atomic.Int64
}

// New starts an IdP with one ES256 key. Close it with t.Cleanup(idp.Close).
func New() *IdP {
	p := &IdP{maxAge: 300}
	p.keys = []Key{NewKey(jose.ES256)}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/oauth-authorization-server", p.discovery)
	mux.HandleFunc("GET /.well-known/openid-configuration", p.discovery)
	mux.HandleFunc("GET /jwks", p.jwks)
	p.Server = httptest.NewTLSServer(mux)
	p.Issuer = p.Server.URL
	return p
}

// Close stops the server.
func (p *IdP) Close() { p.Server.Close() }

// CertPool trusts the IdP's TLS certificate.
func (p *IdP) CertPool() *x509.CertPool {
	pool := x509.NewCertPool()
	pool.AddCert(p.Server.Certificate())
	return pool
}

// JWKSURI is where the key set is served.
func (p *IdP) JWKSURI() string { return p.Issuer + "/jwks" }

// NewKey generates a key for alg (ES256 or RS256).
func NewKey(alg jose.SignatureAlgorithm) Key {
	var pri crypto.Signer
	var err error
	if alg == jose.RS256 {
		pri, err = rsa.GenerateKey(rand.Reader, 2048)
	} else {
		pri, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	}
	if err != nil {
		panic(err)
	}
	return Key{Kid: secret.ID(), Alg: alg, Pri: pri}
}

// Rotate makes k the signing key; the previous keys stay published unless
// drop is set.
func (p *IdP) Rotate(k Key, drop bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if drop {
		p.keys = []Key{k}
		return
	}
	p.keys = append([]Key{k}, p.keys...)
}

// SigningKey returns the current signing key.
func (p *IdP) SigningKey() Key {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.keys[0]
}

// SetDown makes discovery and JWKS answer 503 (an outage).
func (p *IdP) SetDown(down bool) {
	p.mu.Lock()
	p.down = down
	p.mu.Unlock()
}

// JWKSFetches counts JWKS requests.
func (p *IdP) JWKSFetches() int64 { return p.jwksHit.Load() }

// DiscoveryFetches counts discovery requests.
func (p *IdP) DiscoveryFetches() int64 { return p.discHit.Load() }

func (p *IdP) discovery(w http.ResponseWriter, _ *http.Request) {
	p.discHit.Add(1)
	if p.isDown(w) {
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"issuer": p.Issuer, "jwks_uri": p.JWKSURI(), "token_endpoint": p.Issuer + "/token"})
}

func (p *IdP) jwks(w http.ResponseWriter, _ *http.Request) {
	p.jwksHit.Add(1)
	if p.isDown(w) {
		return
	}
	p.mu.Lock()
	set := jose.JSONWebKeySet{}
	for _, k := range p.keys {
		set.Keys = append(set.Keys, jose.JSONWebKey{Key: k.Pri.Public(), KeyID: k.Kid, Algorithm: string(k.Alg), Use: "sig"})
	}
	maxAge := p.maxAge
	p.mu.Unlock()
	w.Header().Set("Content-Type", "application/jwk-set+json")
	w.Header().Set("Cache-Control", "max-age="+itoa(maxAge))
	_ = json.NewEncoder(w).Encode(set)
}

func (p *IdP) isDown(w http.ResponseWriter) bool {
	p.mu.Lock()
	down := p.down
	p.mu.Unlock()
	if down {
		http.Error(w, "down", http.StatusServiceUnavailable)
	}
	return down
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}
