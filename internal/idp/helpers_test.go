package idp

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/authplane/authplane/internal/clocktest"

	"github.com/go-jose/go-jose/v4"

	"github.com/authplane/authplane/internal/safehttp"
	"github.com/authplane/authplane/internal/storage"
)

// fakeClock is the shared fake clock.
type fakeClock = clocktest.Clock

func newClock() *fakeClock { return clocktest.New(time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)) }

// memStore is an in-memory KeyStateStore.
type memStore struct {
	mu sync.Mutex
	m  map[string]storage.IdPKeyState
}

func newMemStore() *memStore { return &memStore{m: map[string]storage.IdPKeyState{}} }

func (s *memStore) GetIdPKeyState(_ context.Context, id string) (storage.IdPKeyState, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.m[id]
	if !ok {
		return storage.IdPKeyState{}, storage.ErrNotFound
	}
	st.JWKS = slices.Clone(st.JWKS)
	return st, nil
}

func (s *memStore) PutIdPKeyState(_ context.Context, st storage.IdPKeyState) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	st.JWKS = slices.Clone(st.JWKS)
	s.m[st.IdPID] = st
	return nil
}

func (s *memStore) get(t *testing.T, id string) storage.IdPKeyState {
	t.Helper()
	st, err := s.GetIdPKeyState(context.Background(), id)
	if err != nil {
		t.Fatalf("state of %q: %v", id, err)
	}
	return st
}

// testIdP is an httptest TLS IdP serving discovery metadata and a JWKS,
// with knobs for every defect the registry must survive.
type testIdP struct {
	srv *httptest.Server

	mu           sync.Mutex
	jwks         []byte        // served key set
	status       int           // non-zero: JWKS answers with this status
	stall        bool          // JWKS never answers (until the test ends)
	delay        time.Duration // JWKS answers after this long
	cacheControl string
	metaIssuer   *string // issuer in metadata; nil = the real issuer
	asIssuer     *string // issuer in RFC 8414 metadata only; overrides metaIssuer
	metaJWKSURI  *string // jwks_uri in metadata; nil = this server's /jwks
	asMetadata   bool    // serve RFC 8414 metadata (else 404)
	oidcMetadata bool    // serve OIDC discovery (else 404)

	jwksFetches atomic.Int64
	metaFetches atomic.Int64
}

func newTestIdP(t *testing.T, keys ...jose.JSONWebKey) *testIdP {
	t.Helper()
	p := &testIdP{asMetadata: true, oidcMetadata: true, cacheControl: "max-age=600"}
	p.setKeys(t, keys...)
	release := make(chan struct{})
	p.srv = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.serve(w, r, release)
	}))
	t.Cleanup(p.srv.Close)
	t.Cleanup(func() { close(release) }) // runs first: unblocks stalled handlers
	return p
}

func (p *testIdP) issuer() string { return p.srv.URL }

func (p *testIdP) serve(w http.ResponseWriter, r *http.Request, release chan struct{}) {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch r.URL.Path {
	case "/.well-known/oauth-authorization-server", "/.well-known/openid-configuration":
		p.metaFetches.Add(1)
		if r.URL.Path == "/.well-known/oauth-authorization-server" && !p.asMetadata ||
			r.URL.Path == "/.well-known/openid-configuration" && !p.oidcMetadata {
			http.NotFound(w, r)
			return
		}
		iss, jwksURI := p.srv.URL, p.srv.URL+"/jwks"
		if p.metaIssuer != nil {
			iss = *p.metaIssuer
		}
		if p.asIssuer != nil && r.URL.Path == "/.well-known/oauth-authorization-server" {
			iss = *p.asIssuer
		}
		if p.metaJWKSURI != nil {
			jwksURI = *p.metaJWKSURI
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]string{"issuer": iss, "jwks_uri": jwksURI})
	case "/jwks":
		p.jwksFetches.Add(1)
		p.serveJWKS(w, r, release)
	default:
		http.NotFound(w, r)
	}
}

// serveJWKS runs with p.mu held; a stall releases it while blocked.
func (p *testIdP) serveJWKS(w http.ResponseWriter, r *http.Request, release chan struct{}) {
	if d := p.delay; d > 0 {
		p.mu.Unlock()
		time.Sleep(d)
		p.mu.Lock()
	}
	if p.stall {
		p.mu.Unlock()
		select {
		case <-release:
		case <-r.Context().Done():
		}
		p.mu.Lock()
		return
	}
	if p.status != 0 {
		w.WriteHeader(p.status)
		return
	}
	w.Header().Set("Content-Type", "application/jwk-set+json")
	if p.cacheControl != "" {
		w.Header().Set("Cache-Control", p.cacheControl)
	}
	_, _ = w.Write(p.jwks)
}

func (p *testIdP) setKeys(t *testing.T, keys ...jose.JSONWebKey) {
	t.Helper()
	doc, err := json.Marshal(jose.JSONWebKeySet{Keys: keys})
	if err != nil {
		t.Fatal(err)
	}
	p.setJWKS(doc)
}

func (p *testIdP) setJWKS(doc []byte) {
	p.mu.Lock()
	p.jwks = doc
	p.mu.Unlock()
}

func (p *testIdP) set(f func(p *testIdP)) {
	p.mu.Lock()
	f(p)
	p.mu.Unlock()
}

// fetcher returns a real SSRF-guarded client trusting the IdP (loopback dev
// mode, since httptest binds 127.0.0.1).
func (p *testIdP) fetcher(timeout time.Duration) *safehttp.Client {
	pool := x509.NewCertPool()
	pool.AddCert(p.srv.Certificate())
	return safehttp.New(safehttp.Options{InsecureAllowLoopback: true, RootCAs: pool, Timeout: timeout})
}

// record returns an enabled IdP record for p; jwksURI "" means discovery.
func (p *testIdP) record(id, jwksURI string) storage.IdP {
	return storage.IdP{ID: id, Issuer: p.issuer(), JWKSURI: jwksURI, Enabled: true,
		MaxAssertionLifetime: 5 * time.Minute, ClockSkew: time.Minute}
}

// harness wires a registry to a test IdP, a store and a clock.
type harness struct {
	idp     *testIdP
	store   *memStore
	clock   *fakeClock
	reg     *Registry
	fetches []error
	mu      sync.Mutex
}

func newHarness(t *testing.T, p *testIdP, rec storage.IdP) *harness {
	t.Helper()
	h := &harness{idp: p, store: newMemStore(), clock: newClock()}
	h.reg = h.newRegistry(p.fetcher(2 * time.Second))
	h.reg.Update([]storage.IdP{rec})
	return h
}

func (h *harness) newRegistry(f Fetcher) *Registry {
	return NewRegistry(h.store, f, Options{
		Now:             h.clock.Now,
		MaxStale:        2 * time.Hour,
		RefetchInterval: 30 * time.Second,
		OnFetch: func(_ string, err error) {
			h.mu.Lock()
			h.fetches = append(h.fetches, err)
			h.mu.Unlock()
		},
	})
}

func (h *harness) fetchOutcomes() []error {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.fetches)
}

// ecKey returns a fresh P-256 key and its public JWK.
func ecKey(t *testing.T, kid string) (*ecdsa.PrivateKey, jose.JSONWebKey) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k, jose.JSONWebKey{Key: k.Public(), KeyID: kid, Algorithm: "ES256", Use: "sig"}
}

// samePublic reports whether got holds the public key of want.
func samePublic(got *jose.JSONWebKey, want crypto.Signer) bool {
	type equaler interface{ Equal(crypto.PublicKey) bool }
	e, ok := want.Public().(equaler)
	return ok && got != nil && e.Equal(got.Key)
}
