package grant

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"fmt"
	"net/http"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// wantFetches checks how many times pk-uri's jwks_uri has been fetched.
func (f *pkFixture) wantFetches(t *testing.T, want int64) {
	t.Helper()
	if got := f.jwks.fetches.Load(); got != want {
		t.Fatalf("jwks_uri fetched %d times, want %d", got, want)
	}
}

func TestCAUTH05_JWKSURIFetchedOnceAndCached(t *testing.T) {
	f := newPKFixture(t, false)
	for range 3 {
		f.mustAuthenticate(t, f.validURI(t, f.uriKey, "uri-1"), "pk-uri")
	}
	f.wantFetches(t, 1)
}

func TestCAUTH05_UnknownKidFailsAfterOneRefetch(t *testing.T) {
	f := newPKFixture(t, false)
	f.mustAuthenticate(t, f.validURI(t, f.uriKey, "uri-1"), "pk-uri")
	f.mustFail(t, f.validURI(t, newECKey(t), "uri-404"), nil, rKey)
	f.wantFetches(t, 2)
}

// A key rotated at the jwks_uri is used after exactly one refetch, and the
// retired key no longer verifies (CAUTH-07).
func TestCAUTH07_JWKSURIRotationPickedUpAfterOneRefetch(t *testing.T) {
	f := newPKFixture(t, false)
	f.mustAuthenticate(t, f.validURI(t, f.uriKey, "uri-1"), "pk-uri")
	f.wantFetches(t, 1)
	next := newECKey(t)
	f.jwks.setKeys(t, publicJWK(t, next, "uri-2"))
	f.mustAuthenticate(t, f.validURI(t, next, "uri-2"), "pk-uri")
	f.wantFetches(t, 2)
	f.mustAuthenticate(t, f.validURI(t, next, "uri-2"), "pk-uri")
	f.mustFail(t, f.validURI(t, f.uriKey, "uri-1"), nil, rKey)
	f.wantFetches(t, 2)
}

// A flood of assertions naming unknown kids costs at most one refetch per
// 30 seconds of the injected clock (STYLE.md: a JWKS cache with a limit on
// refetches for unknown kids).
func TestCAUTH05_UnknownKidFloodRateLimited(t *testing.T) {
	f := newPKFixture(t, false)
	f.mustAuthenticate(t, f.validURI(t, f.uriKey, "uri-1"), "pk-uri")
	stranger := newECKey(t)
	flood := func(n int) {
		for i := range n {
			f.mustFail(t, f.validURI(t, stranger, fmt.Sprintf("flood-%d", i)), nil, rKey)
		}
	}
	flood(100)
	f.wantFetches(t, 2)
	f.clk.Advance(29 * time.Second)
	flood(10)
	f.wantFetches(t, 2)
	f.clk.Advance(time.Second) // 30 s after the first refetch
	flood(100)
	f.wantFetches(t, 3)
	// Known kids keep working throughout, from the cache.
	f.mustAuthenticate(t, f.validURI(t, f.uriKey, "uri-1"), "pk-uri")
	f.wantFetches(t, 3)
}

// The cached key set expires after its TTL and is fetched again.
func TestCAUTH05_JWKSURICacheExpires(t *testing.T) {
	f := newPKFixture(t, false)
	f.mustAuthenticate(t, f.validURI(t, f.uriKey, "uri-1"), "pk-uri")
	f.clk.Advance(clientJWKSTTL - time.Second)
	f.mustAuthenticate(t, f.validURI(t, f.uriKey, "uri-1"), "pk-uri")
	f.wantFetches(t, 1)
	f.clk.Advance(time.Second)
	f.mustAuthenticate(t, f.validURI(t, f.uriKey, "uri-1"), "pk-uri")
	f.wantFetches(t, 2)
}

// An unreachable or failing jwks_uri is 401 invalid_client, never a 5xx.
func TestCAUTH05_JWKSURIFailureIsInvalidClient(t *testing.T) {
	f := newPKFixture(t, false)
	f.jwks.setStatus(http.StatusInternalServerError)
	f.mustFail(t, f.validURI(t, f.uriKey, "uri-1"), nil, rKey)
	f.jwks.setStatus(http.StatusOK)
	f.mustAuthenticate(t, f.validURI(t, f.uriKey, "uri-1"), "pk-uri")
}

// pickKey: an EC key on another curve, an RSA key under 2048 bits, a
// private JWK, an encryption key or a key of another alg never verifies;
// without a kid only a single fitting key is used (JWT-01, JWT-02, JWT-08).
func TestJWT01_PickKeyFitsAlg(t *testing.T) {
	ec := newECKey(t)
	p384, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	small, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	pub := publicJWK(t, ec, "k")
	with := func(mod func(*jose.JSONWebKey)) jose.JSONWebKey { k := pub; mod(&k); return k }
	cases := []struct {
		name     string
		keys     []jose.JSONWebKey
		kid, alg string
		want     bool
	}{
		{"P-256 by kid", []jose.JSONWebKey{pub}, "k", "ES256", true},
		{"only fitting key without kid", []jose.JSONWebKey{pub}, "", "ES256", true},
		{"two fitting keys without kid", []jose.JSONWebKey{pub, with(func(k *jose.JSONWebKey) { k.KeyID = "k2" })}, "", "ES256", false},
		{"kid differs", []jose.JSONWebKey{pub}, "other", "ES256", false},
		{"EC key for RS256", []jose.JSONWebKey{pub}, "k", "RS256", false},
		{"use enc", []jose.JSONWebKey{with(func(k *jose.JSONWebKey) { k.Use = "enc" })}, "k", "ES256", false},
		{"alg member RS256", []jose.JSONWebKey{with(func(k *jose.JSONWebKey) { k.Algorithm = "RS256" })}, "k", "ES256", false},
		{"no alg or use members", []jose.JSONWebKey{with(func(k *jose.JSONWebKey) { k.Algorithm, k.Use = "", "" })}, "k", "ES256", true},
		{"private JWK", []jose.JSONWebKey{{Key: ec, KeyID: "k", Use: "sig"}}, "k", "ES256", false},
		{"P-384 for ES256", []jose.JSONWebKey{{Key: &p384.PublicKey, KeyID: "k"}}, "k", "ES256", false},
		{"RSA 1024 for RS256", []jose.JSONWebKey{{Key: &small.PublicKey, KeyID: "k"}}, "k", "RS256", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if _, ok := pickKey(jose.JSONWebKeySet{Keys: tc.keys}, tc.kid, tc.alg); ok != tc.want {
				t.Fatalf("pickKey = %v, want %v", ok, tc.want)
			}
		})
	}
}

// A JWK Set entry this server does not understand (unknown kty, bad
// members) is ignored, not fatal to the whole set (RFC 7517 §5).
func TestCAUTH05_UnknownJWKEntriesIgnored(t *testing.T) {
	f := newPKFixture(t, false)
	good := mustJSON(t, publicJWK(t, f.uriKey, "uri-1"))
	for name, doc := range map[string]string{
		"unknown kty":       `{"keys":[{"kty":"PQC","kid":"pq-1","pub":"AAAA"},` + good + `]}`,
		"EC key missing y":  `{"keys":[{"kty":"EC","crv":"P-256","kid":"bad","x":"AAAA"},` + good + `]}`,
		"symmetric oct key": `{"keys":[{"kty":"oct","kid":"hmac","k":"c2VjcmV0"},` + good + `]}`,
		"non-object entry":  `{"keys":[42,` + good + `]}`,
	} {
		t.Run(name, func(t *testing.T) {
			f.jwks.mu.Lock()
			f.jwks.doc = []byte(doc)
			f.jwks.mu.Unlock()
			f.clk.Advance(clientJWKSTTL) // drop the cached set
			f.mustAuthenticate(t, f.validURI(t, f.uriKey, "uri-1"), "pk-uri")
		})
	}
}
