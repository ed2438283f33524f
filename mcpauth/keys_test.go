package mcpauth

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"net/http"
	"runtime"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// status sends one request with tok through Middleware and returns the
// status.
func (f *fixture) status(t *testing.T, tok string) int {
	t.Helper()
	var s seen
	return serve(f.kit.Middleware()(s.handler()), request(http.MethodGet, "/github", tok, "")).Code
}

func (f *fixture) wantFetches(t *testing.T, n int64) {
	t.Helper()
	if got := f.as.jwksHits.Load(); got != n {
		t.Fatalf("JWKS fetches = %d, want %d", got, n)
	}
}

func TestNET04_KeyRotationAcceptedAfterOneRefetch(t *testing.T) {
	f := newFixture(t)
	if got := f.status(t, f.valid(t, "repo:read")); got != 200 {
		t.Fatalf("old key: status %d", got)
	}
	f.wantFetches(t, 1)
	next := newTestKey(t)
	f.as.setKeys(f.key, next)
	tok := f.mint(t, next, "", f.claims("repo:read"))
	if got := f.status(t, tok); got != 200 {
		t.Fatalf("rotated key: status %d", got)
	}
	f.wantFetches(t, 2)
	if got := f.status(t, f.mint(t, next, "", f.claims("repo:read"))); got != 200 {
		t.Fatalf("rotated key again: status %d", got)
	}
	f.wantFetches(t, 2)
}

func TestNET04_UnknownKidFloodOneRefetchPerInterval(t *testing.T) {
	f := newFixture(t)
	if got := f.status(t, f.valid(t, "repo:read")); got != 200 {
		t.Fatalf("status %d", got)
	}
	f.wantFetches(t, 1)
	for range 50 {
		if got := f.status(t, f.mint(t, newTestKey(t), "", f.claims("repo:read"))); got != 401 {
			t.Fatalf("unknown kid: status %d", got)
		}
	}
	f.wantFetches(t, 2)
	f.clock.Advance(UnknownKidRefetchInterval - time.Second)
	f.status(t, f.mint(t, newTestKey(t), "", f.claims("repo:read")))
	f.wantFetches(t, 2)
	f.clock.Advance(time.Second)
	f.status(t, f.mint(t, newTestKey(t), "", f.claims("repo:read")))
	f.wantFetches(t, 3)
}

// TestNET04_ColdStartSingleFlight: concurrent first requests share one
// fetch. The JWKS answer is held until the first fetch has arrived; any
// request that joins later finds fresh keys, so more than one fetch means
// the fetches were not shared.
func TestNET04_ColdStartSingleFlight(t *testing.T) {
	f := newFixture(t)
	gate := make(chan struct{})
	f.as.set(func(as *authServer) { as.gate = gate })
	const n = 16
	codes := make(chan int, n)
	var wg sync.WaitGroup
	for range n {
		tok := f.valid(t, "repo:read")
		wg.Go(func() {
			var s seen
			codes <- serve(f.kit.Middleware()(s.handler()), request(http.MethodGet, "/github", tok, "")).Code
		})
	}
	for f.as.jwksHits.Load() == 0 {
		runtime.Gosched()
	}
	close(gate)
	wg.Wait()
	close(codes)
	for c := range codes {
		if c != http.StatusOK {
			t.Fatalf("status %d", c)
		}
	}
	f.wantFetches(t, 1)
}

func TestNET04_NoFetchForTokensRefusedBeforeKeyLookup(t *testing.T) {
	f := newFixture(t)
	f.status(t, f.valid(t, "repo:read"))
	for _, tok := range []string{"abc.def", b64(`{"alg":"none","typ":"at+jwt","kid":"x"}`) + "." + b64("{}") + "."} {
		if got := f.status(t, tok); got != 401 {
			t.Fatalf("status %d", got)
		}
	}
	f.wantFetches(t, 1)
}

func TestNET04_KeyTTLFromCacheControl(t *testing.T) {
	cases := []struct {
		name, header string
		want         time.Duration
	}{
		{name: "absent", want: MinKeyTTL},
		{name: "within_bounds", header: "public, max-age=300", want: 5 * time.Minute},
		{name: "below_minimum", header: "max-age=10", want: MinKeyTTL},
		{name: "above_maximum", header: "max-age=86400", want: MaxKeyTTL},
		{name: "absurd", header: "max-age=99999999999999", want: MaxKeyTTL},
		{name: "no_store", header: "no-store, max-age=600", want: MinKeyTTL},
		{name: "not_a_number", header: "max-age=soon", want: MinKeyTTL},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := http.Header{}
			if tc.header != "" {
				h.Set("Cache-Control", tc.header)
			}
			if got := keyTTL(h); got != tc.want {
				t.Fatalf("keyTTL(%q) = %s, want %s", tc.header, got, tc.want)
			}
		})
	}
}

func TestNET04_RemovedKeyRefusedAfterTTL(t *testing.T) {
	f := newFixture(t)
	f.as.set(func(as *authServer) { as.cacheControl = "max-age=120" })
	tok := f.mint(t, f.key, "", f.lasting(2*time.Hour))
	if got := f.status(t, tok); got != 200 {
		t.Fatalf("status %d", got)
	}
	f.as.setKeys(newTestKey(t))
	f.clock.Advance(119 * time.Second)
	if got := f.status(t, tok); got != 200 {
		t.Fatalf("within TTL: status %d", got)
	}
	f.wantFetches(t, 1)
	f.clock.Advance(time.Second)
	if got := f.status(t, tok); got != 401 {
		t.Fatalf("after TTL, key removed: status %d", got)
	}
	f.wantFetches(t, 2)
}

func TestNET04_StaleKeysServeDuringOutage(t *testing.T) {
	f := newFixture(t)
	long := f.lasting(3 * time.Hour)
	if got := f.status(t, f.mint(t, f.key, "", long)); got != 200 {
		t.Fatalf("status %d", got)
	}
	f.as.set(func(as *authServer) { as.jwksStatus = http.StatusBadGateway })
	f.clock.Advance(MinKeyTTL)
	if got := f.status(t, f.mint(t, f.key, "", long)); got != 200 {
		t.Fatalf("expired cache, AS down: status %d", got)
	}
	f.wantFetches(t, 2)
	f.clock.Advance(failureBackoff - time.Second)
	f.status(t, f.mint(t, f.key, "", long))
	f.wantFetches(t, 2)
	f.clock.Advance(staleGrace)
	if got := f.status(t, f.mint(t, f.key, "", long)); got != http.StatusServiceUnavailable {
		t.Fatalf("beyond the stale grace: status %d", got)
	}
}

func TestNET04_ColdOutageBacksOff(t *testing.T) {
	f := newFixture(t)
	f.as.set(func(as *authServer) { as.jwksStatus = http.StatusInternalServerError })
	tok := f.valid(t, "repo:read")
	for range 3 {
		if got := f.status(t, tok); got != http.StatusServiceUnavailable {
			t.Fatalf("status %d", got)
		}
	}
	f.wantFetches(t, 1)
	f.as.set(func(as *authServer) { as.jwksStatus = http.StatusOK })
	f.clock.Advance(failureBackoff)
	if got := f.status(t, tok); got != 200 {
		t.Fatalf("after backoff: status %d", got)
	}
	f.wantFetches(t, 2)
}

func TestNET01_LoopbackJWKSRefusedWithoutInsecureSwitch(t *testing.T) {
	f := newFixture(t, func(c *Config) { c.InsecureAllowLoopback = false })
	if got := f.status(t, f.valid(t, "repo:read")); got != http.StatusServiceUnavailable {
		t.Fatalf("status %d", got)
	}
	f.wantFetches(t, 0)
}

func jwkJSON(t *testing.T, k jose.JSONWebKey) json.RawMessage {
	t.Helper()
	b, err := k.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestJWT08_KeySetEntriesFiltered(t *testing.T) {
	good := newTestKey(t)
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	entries := map[string]json.RawMessage{
		"private_ec":    jwkJSON(t, jose.JSONWebKey{Key: good.key, KeyID: "priv", Algorithm: "ES256"}),
		"p384":          jwkJSON(t, jose.JSONWebKey{Key: &p384.PublicKey, KeyID: "p384"}),
		"rsa":           jwkJSON(t, jose.JSONWebKey{Key: &rsaKey.PublicKey, KeyID: "rsa", Algorithm: "RS256"}),
		"alg_mismatch":  jwkJSON(t, jose.JSONWebKey{Key: &good.key.PublicKey, KeyID: "alg", Algorithm: "ES384"}),
		"use_enc":       jwkJSON(t, jose.JSONWebKey{Key: &good.key.PublicKey, KeyID: "enc", Use: "enc"}),
		"no_kid":        jwkJSON(t, jose.JSONWebKey{Key: &good.key.PublicKey}),
		"unknown_kty":   json.RawMessage(`{"kty":"OKP","crv":"X25519","x":"AAAA","kid":"okp"}`),
		"not_an_object": json.RawMessage(`17`),
	}
	for name, raw := range entries {
		t.Run(name, func(t *testing.T) {
			doc, _ := json.Marshal(map[string]any{"keys": []json.RawMessage{raw, jwkJSON(t, good.jwk())}})
			set, err := parseKeySet(doc)
			if err != nil {
				t.Fatal(err)
			}
			if len(set.Keys) != 1 || set.Keys[0].KeyID != good.kid {
				t.Fatalf("kept %v, want only %s", kids(set), good.kid)
			}
		})
	}
	for _, doc := range []string{`{"keys":[]}`, `{}`, `[]`, `{"keys":[17]}`, `not json`} {
		if _, err := parseKeySet([]byte(doc)); err == nil {
			t.Errorf("parseKeySet(%s) succeeded", doc)
		}
	}
}

func TestNET04_UnusableKeySetKeepsCachedKeys(t *testing.T) {
	f := newFixture(t)
	tok := f.mint(t, f.key, "", f.lasting(2*time.Hour))
	f.status(t, tok)
	f.as.set(func(as *authServer) { as.keys = []jose.JSONWebKey{} })
	f.clock.Advance(MinKeyTTL)
	if got := f.status(t, tok); got != 200 {
		t.Fatalf("status %d", got)
	}
	f.wantFetches(t, 2)
}
