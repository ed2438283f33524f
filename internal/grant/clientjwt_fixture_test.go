package grant

import (
	"context"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/authplane/authplane/internal/catalog"
	"github.com/authplane/authplane/internal/oauth"
	"github.com/authplane/authplane/internal/safehttp"
	"github.com/authplane/authplane/internal/secret"
	"github.com/authplane/authplane/internal/storage"
)

// jwksServer is a client's jwks_uri: a TLS server on 127.0.0.1 whose key
// set a test may replace, counting every fetch.
type jwksServer struct {
	srv     *httptest.Server
	mu      sync.Mutex
	doc     []byte
	status  int
	fetches atomic.Int64
}

func newJWKSServer(t testing.TB, keys ...jose.JSONWebKey) *jwksServer {
	s := &jwksServer{status: http.StatusOK}
	s.setKeys(t, keys...)
	s.srv = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.fetches.Add(1)
		s.mu.Lock()
		doc, status := s.doc, s.status
		s.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = w.Write(doc)
	}))
	t.Cleanup(s.srv.Close)
	return s
}

func (s *jwksServer) setKeys(t testing.TB, keys ...jose.JSONWebKey) {
	doc := mustJSON(t, jose.JSONWebKeySet{Keys: keys})
	s.mu.Lock()
	defer s.mu.Unlock()
	s.doc = []byte(doc)
}

func (s *jwksServer) setStatus(status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.status = status
}

func (s *jwksServer) uri() string { return s.srv.URL + "/jwks" }

// fetcher is the SSRF-guarded client, admitting loopback and trusting only
// the test server's certificate.
func (s *jwksServer) fetcher() Fetcher {
	pool := x509.NewCertPool()
	pool.AddCert(s.srv.Certificate())
	return safehttp.New(safehttp.Options{InsecureAllowLoopback: true, RootCAs: pool})
}

func publicJWK(t testing.TB, key any, kid string) jose.JSONWebKey {
	t.Helper()
	switch k := key.(type) {
	case *ecdsa.PrivateKey:
		return jose.JSONWebKey{Key: &k.PublicKey, KeyID: kid, Algorithm: string(jose.ES256), Use: "sig"}
	case *rsa.PrivateKey:
		return jose.JSONWebKey{Key: &k.PublicKey, KeyID: kid, Algorithm: string(jose.RS256), Use: "sig"}
	}
	t.Fatalf("publicJWK: %T", key)
	return jose.JSONWebKey{}
}

// pkFixture is a ClientAuth with private_key_jwt clients: pk-inline (inline
// JWK Set: ES256 kid ec-1, RS256 kid rsa-1), pk-uri (jwks_uri on jwksServer:
// ES256 kid uri-1), pk-disabled and a client_secret_basic client.
type pkFixture struct {
	ecKey  *ecdsa.PrivateKey
	rsaKey *rsa.PrivateKey
	uriKey *ecdsa.PrivateKey
	jwks   *jwksServer
	clk    *fakeClock
	snaps  *snapshots
	store  ReplayGuard
	auth   *ClientAuth
}

// newPKFixture builds the fixture; withRSA generates the (slow) RSA key.
func newPKFixture(t testing.TB, withRSA bool) *pkFixture {
	t.Helper()
	f := &pkFixture{ecKey: newECKey(t), uriKey: newECKey(t), clk: newClock()}
	inline := []jose.JSONWebKey{publicJWK(t, f.ecKey, "ec-1")}
	if withRSA {
		f.rsaKey = newRSAKey(t)
		inline = append(inline, publicJWK(t, f.rsaKey, "rsa-1"))
	}
	f.jwks = newJWKSServer(t, publicJWK(t, f.uriKey, "uri-1"))
	inlineDoc := []byte(mustJSON(t, jose.JSONWebKeySet{Keys: inline}))
	clients := []storage.Client{
		{ID: "pk-inline", AuthMethod: storage.AuthPrivateKeyJWT, JWKS: inlineDoc, Enabled: true, UpdatedAt: testEpoch},
		{ID: "pk-uri", AuthMethod: storage.AuthPrivateKeyJWT, JWKSURI: f.jwks.uri(), Enabled: true, UpdatedAt: testEpoch},
		{ID: "pk-disabled", AuthMethod: storage.AuthPrivateKeyJWT, JWKS: inlineDoc, Enabled: false, UpdatedAt: testEpoch},
		{ID: "secret-client", AuthMethod: storage.AuthClientSecretBasic, SecretHash: newHasher(t).Hash("x"), JWKS: inlineDoc, Enabled: true},
	}
	f.snaps = newSnapshots(catalog.NewSnapshot(1, clients, nil, nil, nil, nil, nil))
	f.store = openStore(t)
	f.auth = &ClientAuth{
		Issuer: testIssuer, Catalog: f.snaps, Secrets: newHasher(t),
		Keys:   &ClientKeys{Fetcher: f.jwks.fetcher(), Now: f.clk.Now},
		Replay: f.store, Now: f.clk.Now,
	}
	return f
}

// setClient replaces (or adds) a client in the fixture's snapshot.
func (f *pkFixture) setClient(c storage.Client) {
	cur := f.snaps.Current()
	var clients []storage.Client
	for id, old := range cur.Clients {
		if id != c.ID {
			clients = append(clients, old)
		}
	}
	f.snaps.p.Store(catalog.NewSnapshot(cur.Generation+1, append(clients, c), nil, nil, nil, nil, nil))
}

// claims are valid client-assertion claims for client at the fixture's now.
func (f *pkFixture) claims(client string) map[string]any {
	now := f.clk.Now()
	return map[string]any{
		"iss": client, "sub": client, "aud": testIssuer, "jti": secret.ID(),
		"iat": now.Unix(), "exp": now.Add(time.Minute).Unix(),
	}
}

// assertion signs claims for client with key under kid (ES256 unless the
// key is RSA).
func (f *pkFixture) assertion(t testing.TB, key any, kid string, claims map[string]any) string {
	t.Helper()
	alg := "ES256"
	if _, ok := key.(*rsa.PrivateKey); ok {
		alg = "RS256"
	}
	return signJWT(t, key, mustJSON(t, map[string]any{"alg": alg, "kid": kid}), mustJSON(t, claims))
}

// valid returns a fresh valid assertion of pk-uri signed with key and kid.
func (f *pkFixture) validURI(t testing.TB, key *ecdsa.PrivateKey, kid string) string {
	return f.assertion(t, key, kid, f.claims("pk-uri"))
}

// authenticate presents assertion (with extra form parameters) as a
// private_key_jwt client authentication.
func (f *pkFixture) authenticate(t testing.TB, assertion string, extra url.Values) (Authenticated, string, error) {
	t.Helper()
	v := url.Values{"grant_type": {"x"}, "client_assertion_type": {oauth.ClientAssertionJWTBearer}, "client_assertion": {assertion}}
	for k, vs := range extra {
		v[k] = vs
	}
	return f.auth.Authenticate(context.Background(), postForm("/oauth/token", v, "", ""), formOf(t, v))
}

// mustAuthenticate expects success as client.
func (f *pkFixture) mustAuthenticate(t testing.TB, assertion, client string) {
	t.Helper()
	got, _, err := f.authenticate(t, assertion, nil)
	if err != nil {
		t.Fatalf("Authenticate: %v", err)
	}
	if got.Client.ID != client || got.Method != storage.AuthPrivateKeyJWT {
		t.Fatalf("authenticated %q by %q, want %q by private_key_jwt", got.Client.ID, got.Method, client)
	}
}

// mustFail expects 401 invalid_client with reason, without a challenge.
func (f *pkFixture) mustFail(t testing.TB, assertion string, extra url.Values, reason string) {
	t.Helper()
	_, _, err := f.authenticate(t, assertion, extra)
	oe := wantOAuthError(t, err, oauth.CodeInvalidClient, http.StatusUnauthorized, reason)
	if oe.Challenge != "" {
		t.Errorf("challenge %q on a client assertion failure", oe.Challenge)
	}
}
