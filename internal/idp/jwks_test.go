package idp

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/authplane/authplane/internal/assertion"
	"github.com/authplane/authplane/internal/storage"
)

// TestRAS14_ColdStartSingleFlight: concurrent first uses cause exactly one
// discovery and one JWKS fetch, and the outcome is persisted.
func TestRAS14_ColdStartSingleFlight(t *testing.T) {
	priv, jwk := ecKey(t, "k1")
	p := newTestIdP(t, jwk)
	h := newHarness(t, p, p.record("acme", ""))
	var wg sync.WaitGroup
	errs := make(chan error, 50)
	for range 50 {
		wg.Go(func() {
			k, err := h.reg.ResolveKey(context.Background(), "acme", "k1", "ES256")
			if err == nil && !samePublic(k, priv) {
				err = fmt.Errorf("wrong key %v", k.KeyID)
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if j, m := p.jwksFetches.Load(), p.metaFetches.Load(); j != 1 || m != 1 {
		t.Fatalf("JWKS fetches = %d, metadata fetches = %d; want 1 and 1", j, m)
	}
	st := h.store.get(t, "acme")
	now := h.clock.Now()
	if st.JWKSURI != p.issuer()+"/jwks" || !st.FetchedAt.Equal(now) || !st.LastAttempt.Equal(now) ||
		st.LastError != "" || len(st.JWKS) == 0 || !st.ExpiresAt.After(now) {
		t.Fatalf("persisted state = %+v", st)
	}
	if got := h.fetchOutcomes(); len(got) != 1 || got[0] != nil {
		t.Fatalf("OnFetch outcomes = %v", got)
	}
}

// TestRAS14_KeyRotationOneRefetch: the first assertion signed with a new key
// succeeds after exactly one refetch (DESIGN.md §9).
func TestRAS14_KeyRotationOneRefetch(t *testing.T) {
	_, old := ecKey(t, "2026-04")
	p := newTestIdP(t, old)
	h := newHarness(t, p, p.record("acme", p.issuer()+"/jwks"))
	ctx := context.Background()
	if _, err := h.reg.ResolveKey(ctx, "acme", "2026-04", "ES256"); err != nil {
		t.Fatal(err)
	}
	newPriv, next := ecKey(t, "2026-05")
	p.setKeys(t, next)
	before := p.jwksFetches.Load()
	k, err := h.reg.ResolveKey(ctx, "acme", "2026-05", "ES256")
	if err != nil || !samePublic(k, newPriv) {
		t.Fatalf("ResolveKey(new kid) = %v, %v", k, err)
	}
	if n := p.jwksFetches.Load() - before; n != 1 {
		t.Fatalf("rotation took %d fetches, want 1", n)
	}
	if _, err := h.reg.ResolveKey(ctx, "acme", "2026-04", "ES256"); !errors.Is(err, assertion.ErrUnknownKey) {
		t.Fatalf("rotated-out kid: %v, want ErrUnknownKey", err)
	}
}

// TestRAS14_RotationUnderConcurrencyLosesNoGrant: requests carrying a new
// kid that arrive while its refetch is running wait for it instead of
// failing; still one fetch.
func TestRAS14_RotationUnderConcurrencyLosesNoGrant(t *testing.T) {
	_, old := ecKey(t, "2026-04")
	p := newTestIdP(t, old)
	h := newHarness(t, p, p.record("acme", p.issuer()+"/jwks"))
	ctx := context.Background()
	if _, err := h.reg.ResolveKey(ctx, "acme", "2026-04", "ES256"); err != nil {
		t.Fatal(err)
	}
	_, next := ecKey(t, "2026-05")
	p.setKeys(t, next)
	p.set(func(p *testIdP) { p.delay = 200 * time.Millisecond })
	before := p.jwksFetches.Load()
	var wg sync.WaitGroup
	errs := make(chan error, 32)
	for range 32 {
		wg.Go(func() {
			_, err := h.reg.ResolveKey(ctx, "acme", "2026-05", "ES256")
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("a request with the new kid failed during the refetch: %v", err)
		}
	}
	if n := p.jwksFetches.Load() - before; n != 1 {
		t.Fatalf("%d fetches, want 1", n)
	}
}

// TestRAS14_UnknownKidFloodRateLimited: 1,000 random kids cause at most one
// fetch per RefetchInterval per IdP (DESIGN.md §9).
func TestRAS14_UnknownKidFloodRateLimited(t *testing.T) {
	_, jwk := ecKey(t, "k1")
	p := newTestIdP(t, jwk)
	p.set(func(p *testIdP) { p.cacheControl = "max-age=86400" })
	h := newHarness(t, p, p.record("acme", p.issuer()+"/jwks"))
	ctx := context.Background()
	if _, err := h.reg.ResolveKey(ctx, "acme", "k1", "ES256"); err != nil {
		t.Fatal(err)
	}
	flood := func(round int) {
		t.Helper()
		var wg sync.WaitGroup
		for i := range 1000 {
			wg.Go(func() {
				_, err := h.reg.ResolveKey(ctx, "acme", fmt.Sprintf("random-%d-%d", round, i), "ES256")
				if !errors.Is(err, assertion.ErrUnknownKey) {
					t.Errorf("random kid: %v, want ErrUnknownKey", err)
				}
			})
		}
		wg.Wait()
	}
	for round, step := range []time.Duration{0, 29 * time.Second, time.Second, 30 * time.Second} {
		h.clock.Advance(step)
		before := p.jwksFetches.Load()
		flood(round)
		want := int64(1)
		if round == 1 {
			want = 0 // 29 s after the previous refetch: budget not yet refilled
		}
		if n := p.jwksFetches.Load() - before; n != want {
			t.Fatalf("round %d (+%v): %d fetches, want %d", round, step, n, want)
		}
	}
	if _, err := h.reg.ResolveKey(ctx, "acme", "k1", "ES256"); err != nil {
		t.Fatalf("known kid after flood: %v", err)
	}
}

// TestRAS14_ExpiredKeysRefetchedOnce: keys past their TTL are refetched on
// the next use, once.
func TestRAS14_ExpiredKeysRefetchedOnce(t *testing.T) {
	_, jwk := ecKey(t, "k1")
	p := newTestIdP(t, jwk)
	p.set(func(p *testIdP) { p.cacheControl = "public, max-age=3600" })
	h := newHarness(t, p, p.record("acme", p.issuer()+"/jwks"))
	ctx := context.Background()
	resolve := func() {
		t.Helper()
		if _, err := h.reg.ResolveKey(ctx, "acme", "k1", "ES256"); err != nil {
			t.Fatal(err)
		}
	}
	resolve()
	h.clock.Advance(3600 * 9 / 10 * time.Second) // inside the smallest jittered TTL
	resolve()
	if n := p.jwksFetches.Load(); n != 1 {
		t.Fatalf("fetches before expiry = %d, want 1", n)
	}
	h.clock.Advance(3600 * 2 / 10 * time.Second) // past the largest jittered TTL
	resolve()
	resolve()
	if n := p.jwksFetches.Load(); n != 2 {
		t.Fatalf("fetches after expiry = %d, want 2", n)
	}
}

// TestRAS14_TTLFromCacheControl: max-age is clamped to [MinTTL, MaxTTL] and
// jittered by at most ±10 %.
func TestRAS14_TTLFromCacheControl(t *testing.T) {
	reg := NewRegistry(newMemStore(), nil, Options{MinTTL: 5 * time.Minute, MaxTTL: 24 * time.Hour})
	cases := []struct {
		name string
		cc   []string
		base time.Duration
	}{
		{"absent", nil, 5 * time.Minute},
		{"below minimum", []string{"max-age=60"}, 5 * time.Minute},
		{"in range", []string{"public, max-age=3600"}, time.Hour},
		{"quoted", []string{`max-age="7200"`}, 2 * time.Hour},
		{"above maximum", []string{"max-age=864000"}, 24 * time.Hour},
		{"no-store wins", []string{"max-age=3600, no-store"}, 5 * time.Minute},
		{"no-cache wins", []string{"no-cache", "max-age=3600"}, 5 * time.Minute},
		{"negative", []string{"max-age=-5"}, 5 * time.Minute},
		{"garbage", []string{"max-age=soon"}, 5 * time.Minute},
		{"upper case", []string{"MAX-AGE=3600"}, time.Hour},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			hdr := http.Header{"Cache-Control": tc.cc}
			for range 100 {
				got := reg.ttl(hdr)
				if got < tc.base*9/10 || got > tc.base*11/10 {
					t.Fatalf("ttl = %v, want %v ±10%%", got, tc.base)
				}
			}
		})
	}
}

// TestRAS14_KeySelection: kid and alg select a fitting key; an empty kid
// selects the only fitting key; an alg the IdP does not allow resolves
// nothing and fetches nothing.
func TestRAS14_KeySelection(t *testing.T) {
	ecPriv, ecJWK := ecKey(t, "ec")
	_, noAlg := ecKey(t, "ec-noalg")
	noAlg.Algorithm = ""
	p := newTestIdP(t, ecJWK, noAlg)
	rec := p.record("acme", p.issuer()+"/jwks")
	h := newHarness(t, p, rec)
	single := p.record("single", p.issuer()+"/jwks")
	single.Issuer = "https://single.example.com"
	single.AllowedHosts = []string{p.srv.Listener.Addr().String()}
	h.reg.Update([]storage.IdP{rec, single})
	cases := []struct {
		name    string
		idp     string
		kid     string
		alg     string
		wantKid string
	}{
		{"kid and alg", "acme", "ec", "ES256", "ec"},
		{"key without alg", "acme", "ec-noalg", "ES256", "ec-noalg"},
		{"alg mismatch", "acme", "ec", "RS256", ""},
		{"hmac alg", "acme", "ec", "HS256", ""},
		{"none alg", "acme", "ec", "none", ""},
		{"empty kid with two keys", "acme", "", "ES256", ""},
		{"kid is only a map key", "acme", "../../etc/passwd", "ES256", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			k, err := h.reg.ResolveKey(context.Background(), tc.idp, tc.kid, tc.alg)
			if tc.wantKid == "" {
				if !errors.Is(err, assertion.ErrUnknownKey) {
					t.Fatalf("ResolveKey = %v, %v; want ErrUnknownKey", k, err)
				}
				return
			}
			if err != nil || k.KeyID != tc.wantKid {
				t.Fatalf("ResolveKey = %v, %v; want kid %q", k, err, tc.wantKid)
			}
		})
	}
	p.setKeys(t, ecJWK)
	k, err := h.reg.ResolveKey(context.Background(), "single", "", "ES256")
	if err != nil || !samePublic(k, ecPriv) {
		t.Fatalf("empty kid with a single key: %v, %v", k, err)
	}
	k.KeyID = "mutated"
	if again, _ := h.reg.ResolveKey(context.Background(), "single", "", "ES256"); again.KeyID != "ec" {
		t.Fatal("ResolveKey returned the cached key itself, not a copy")
	}
}

// TestRAS14_AlgNotAllowedFetchesNothing: an IdP narrowed to one algorithm
// never resolves a key for the other, and never fetches for it.
func TestRAS14_AlgNotAllowedFetchesNothing(t *testing.T) {
	_, jwk := ecKey(t, "k1")
	p := newTestIdP(t, jwk)
	rec := p.record("acme", p.issuer()+"/jwks")
	rec.AllowedAlgs = []string{"RS256"}
	h := newHarness(t, p, rec)
	_, err := h.reg.ResolveKey(context.Background(), "acme", "k1", "ES256")
	if !errors.Is(err, assertion.ErrUnknownKey) {
		t.Fatalf("ResolveKey = %v, want ErrUnknownKey", err)
	}
	if n := p.jwksFetches.Load(); n != 0 {
		t.Fatalf("%d fetches for a disallowed alg", n)
	}
}
