package idp

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/authplane/authplane/internal/assertion"
	"github.com/authplane/authplane/internal/safehttp"
	"github.com/authplane/authplane/internal/storage"
)

// outage is one way an IdP's JWKS endpoint can fail.
type outage struct {
	name  string
	apply func(p *testIdP)
}

func outages() []outage {
	return []outage{
		{"server error", func(p *testIdP) { p.status = http.StatusInternalServerError }},
		{"stalled", func(p *testIdP) { p.stall = true }},
		{"not JSON", func(p *testIdP) { p.jwks = []byte("<html>maintenance</html>") }},
		{"empty key set", func(p *testIdP) { p.jwks = []byte(`{"keys":[]}`) }},
		{"only a private key", func(p *testIdP) {
			p.jwks = []byte(`{"keys":[{"kty":"EC","crv":"P-256","kid":"k9","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0","d":"jpsQnnGQmL-YBIffH1136cLjDK9x8X1VWe5xq4-KoJI"}]}`)
		}},
		{"too large", func(p *testIdP) {
			p.jwks = append([]byte(`{"keys":[],"pad":"`), append(bytes.Repeat([]byte("a"), MaxDocumentBytes), '"', '}')...)
		}},
	}
}

// TestRAS29_OutageServesLastKnownGoodUntilMaxStale: while the IdP fails,
// the last-known-good keys verify until MaxStale after their fetch; then
// resolution fails with ErrKeysUnavailable; a failed fetch never replaces
// them, and every outcome is persisted.
func TestRAS29_OutageServesLastKnownGoodUntilMaxStale(t *testing.T) {
	for _, outage := range outages() {
		t.Run(outage.name, func(t *testing.T) {
			priv, jwk := ecKey(t, "k1")
			p := newTestIdP(t, jwk)
			h := newHarness(t, p, p.record("acme", p.issuer()+"/jwks"))
			h.reg = h.newRegistry(p.fetcher(200 * time.Millisecond))
			h.reg.Update([]storage.IdP{p.record("acme", p.issuer()+"/jwks")})
			ctx := context.Background()
			if _, err := h.reg.ResolveKey(ctx, "acme", "k1", "ES256"); err != nil {
				t.Fatal(err)
			}
			good := h.store.get(t, "acme")
			p.set(outage.apply)

			h.clock.Advance(time.Hour) // expired (TTL ≈ 10 min), within MaxStale (2 h)
			k, err := h.reg.ResolveKey(ctx, "acme", "k1", "ES256")
			if err != nil || !samePublic(k, priv) {
				t.Fatalf("stale key during outage: %v, %v", k, err)
			}
			st := h.store.get(t, "acme")
			if !bytes.Equal(st.JWKS, good.JWKS) || !st.FetchedAt.Equal(good.FetchedAt) ||
				st.LastError == "" || !st.LastAttempt.Equal(h.clock.Now()) {
				t.Fatalf("state after failed fetch = %+v", st)
			}
			attempts := p.jwksFetches.Load()
			h.clock.Advance(10 * time.Second) // inside the retry back-off
			if _, err := h.reg.ResolveKey(ctx, "acme", "k1", "ES256"); err != nil {
				t.Fatal(err)
			}
			if p.jwksFetches.Load() != attempts {
				t.Fatal("stale keys refetched inside the back-off")
			}

			h.clock.Advance(time.Hour) // 2 h 10 s after the fetch: beyond MaxStale
			if _, err := h.reg.ResolveKey(ctx, "acme", "k1", "ES256"); !errors.Is(err, assertion.ErrKeysUnavailable) {
				t.Fatalf("beyond MaxStale: %v, want ErrKeysUnavailable", err)
			}
			outcomes := h.fetchOutcomes()
			if len(outcomes) < 3 || outcomes[0] != nil || outcomes[len(outcomes)-1] == nil {
				t.Fatalf("OnFetch outcomes = %v", outcomes)
			}
		})
	}
}

// TestRAS29_NoKeysAndFetchFailsIsUnavailableNothingCached: with nothing
// cached, a failing IdP yields ErrKeysUnavailable (the grant answers 503);
// the failure is not cached, so the next use after recovery succeeds at
// once.
func TestRAS29_NoKeysAndFetchFailsIsUnavailableNothingCached(t *testing.T) {
	priv, jwk := ecKey(t, "k1")
	p := newTestIdP(t, jwk)
	p.set(func(p *testIdP) { p.status = http.StatusServiceUnavailable })
	h := newHarness(t, p, p.record("acme", p.issuer()+"/jwks"))
	ctx := context.Background()
	for range 2 {
		_, err := h.reg.ResolveKey(ctx, "acme", "k1", "ES256")
		if !errors.Is(err, assertion.ErrKeysUnavailable) || !errors.Is(err, safehttp.ErrStatus) {
			t.Fatalf("ResolveKey = %v, want ErrKeysUnavailable wrapping ErrStatus", err)
		}
	}
	if n := p.jwksFetches.Load(); n != 2 {
		t.Fatalf("fetches = %d, want 2 (no negative caching)", n)
	}
	st := h.store.get(t, "acme")
	if len(st.JWKS) != 0 || !st.FetchedAt.IsZero() || st.LastError == "" {
		t.Fatalf("state after failures = %+v", st)
	}
	p.set(func(p *testIdP) { p.status = 0 })
	if k, err := h.reg.ResolveKey(ctx, "acme", "k1", "ES256"); err != nil || !samePublic(k, priv) {
		t.Fatalf("after recovery: %v, %v", k, err)
	}
}

// TestRAS29_RestartDuringOutageStillVerifies: a new registry on the same
// store (a restarted instance) verifies with the persisted keys while the
// IdP is down, until MaxStale.
func TestRAS29_RestartDuringOutageStillVerifies(t *testing.T) {
	priv, jwk := ecKey(t, "k1")
	p := newTestIdP(t, jwk)
	rec := p.record("acme", "")
	h := newHarness(t, p, rec)
	ctx := context.Background()
	if _, err := h.reg.ResolveKey(ctx, "acme", "k1", "ES256"); err != nil {
		t.Fatal(err)
	}
	p.set(func(p *testIdP) { p.status = http.StatusBadGateway; p.asMetadata = false; p.oidcMetadata = false })
	cases := []struct {
		name    string
		advance time.Duration
		ok      bool
	}{
		{"fresh keys, no fetch needed", time.Minute, true},
		{"expired keys, IdP down", time.Hour, true},
		{"beyond MaxStale", 2 * time.Hour, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h.clock.Advance(tc.advance)
			restarted := h.newRegistry(p.fetcher(time.Second))
			restarted.Update([]storage.IdP{rec})
			before := p.jwksFetches.Load() + p.metaFetches.Load()
			k, err := restarted.ResolveKey(ctx, "acme", "k1", "ES256")
			if tc.ok && (err != nil || !samePublic(k, priv)) {
				t.Fatalf("ResolveKey = %v, %v; want the persisted key", k, err)
			}
			if !tc.ok && !errors.Is(err, assertion.ErrKeysUnavailable) {
				t.Fatalf("ResolveKey = %v, want ErrKeysUnavailable", err)
			}
			fetched := p.jwksFetches.Load()+p.metaFetches.Load() > before
			if fetched != (tc.advance > 10*time.Minute) {
				t.Fatalf("restarted registry fetched = %v", fetched)
			}
		})
	}
}

// TestRAS29_PersistedKeysOfAnotherSourceIgnored: keys persisted for an
// earlier jwks_uri are not adopted after the IdP's configuration changes.
func TestRAS29_PersistedKeysOfAnotherSourceIgnored(t *testing.T) {
	_, jwk := ecKey(t, "k1")
	p := newTestIdP(t, jwk)
	h := newHarness(t, p, p.record("acme", p.issuer()+"/jwks"))
	ctx := context.Background()
	if _, err := h.reg.ResolveKey(ctx, "acme", "k1", "ES256"); err != nil {
		t.Fatal(err)
	}
	p.set(func(p *testIdP) { p.status = http.StatusInternalServerError })
	moved := h.newRegistry(p.fetcher(time.Second))
	moved.Update([]storage.IdP{p.record("acme", p.issuer()+"/other-jwks")})
	if _, err := moved.ResolveKey(ctx, "acme", "k1", "ES256"); !errors.Is(err, assertion.ErrKeysUnavailable) {
		t.Fatalf("ResolveKey = %v, want ErrKeysUnavailable (old keys belong to another source)", err)
	}
}
