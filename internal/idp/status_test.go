package idp

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/authplane/authplane/internal/safehttp"
	"github.com/authplane/authplane/internal/storage"
)

// TestRegistry_RefreshAndStatus: Refresh fetches now, bypassing the TTL, and
// Status reports the persisted state.
func TestRegistry_RefreshAndStatus(t *testing.T) {
	_, k1 := ecKey(t, "k1")
	p := newTestIdP(t, k1)
	h := newHarness(t, p, p.record("acme", ""))
	ctx := context.Background()

	st, err := h.reg.Status(ctx, "acme")
	if err != nil || st.IdPID != "acme" || !st.FetchedAt.IsZero() || st.KeyIDs != nil {
		t.Fatalf("Status before any fetch = %+v, %v", st, err)
	}
	if _, err := h.reg.ResolveKey(ctx, "acme", "k1", "ES256"); err != nil {
		t.Fatal(err)
	}
	_, k2 := ecKey(t, "k2")
	p.setKeys(t, k1, k2)
	h.clock.Advance(time.Minute)
	state, err := h.reg.Refresh(ctx, "acme")
	if err != nil {
		t.Fatalf("Refresh: %v", err)
	}
	now := h.clock.Now()
	if !state.FetchedAt.Equal(now) || !state.RefreshRequested.Equal(now) || state.LastError != "" {
		t.Fatalf("Refresh state = %+v", state)
	}
	if j, m := p.jwksFetches.Load(), p.metaFetches.Load(); j != 2 || m != 2 {
		t.Fatalf("fetches = %d JWKS, %d metadata; want 2 and 2 (refresh rediscovers)", j, m)
	}
	st, err = h.reg.Status(ctx, "acme")
	if err != nil || !slices.Equal(st.KeyIDs, []string{"k1", "k2"}) || st.JWKSURI != p.issuer()+"/jwks" ||
		!st.FetchedAt.Equal(now) || !st.ExpiresAt.After(now) || !st.LastAttempt.Equal(now) {
		t.Fatalf("Status after refresh = %+v, %v", st, err)
	}

	p.set(func(p *testIdP) { p.status = http.StatusInternalServerError })
	h.clock.Advance(time.Minute)
	state, err = h.reg.Refresh(ctx, "acme")
	if !errors.Is(err, safehttp.ErrStatus) {
		t.Fatalf("failing Refresh: %v, want ErrStatus", err)
	}
	if !state.FetchedAt.Equal(now) || state.LastError == "" || !state.LastAttempt.Equal(h.clock.Now()) {
		t.Fatalf("failing Refresh state = %+v", state)
	}
	if _, err := h.reg.ResolveKey(ctx, "acme", "k2", "ES256"); err != nil {
		t.Fatalf("last-known-good keys lost after failed refresh: %v", err)
	}
	if _, err := h.reg.Refresh(ctx, "nope"); !errors.Is(err, ErrUnknownIdP) {
		t.Fatalf("Refresh(unknown) = %v, want ErrUnknownIdP", err)
	}
}

// TestRegistry_OtherInstanceAdoptsRefresh: a second instance on the same
// store adopts keys refreshed elsewhere on its next Update, without
// fetching; a refresh that failed elsewhere makes it refetch once.
func TestRegistry_OtherInstanceAdoptsRefresh(t *testing.T) {
	_, k1 := ecKey(t, "k1")
	p := newTestIdP(t, k1)
	rec := p.record("acme", p.issuer()+"/jwks")
	h := newHarness(t, p, rec)
	other := h.newRegistry(p.fetcher(time.Second))
	other.Update([]storage.IdP{rec})
	ctx := context.Background()
	for _, r := range []*Registry{h.reg, other} {
		if _, err := r.ResolveKey(ctx, "acme", "k1", "ES256"); err != nil {
			t.Fatal(err)
		}
	}
	if n := p.jwksFetches.Load(); n != 1 {
		t.Fatalf("second instance fetched instead of adopting the stored keys (%d fetches)", n)
	}

	_, k2 := ecKey(t, "k2")
	p.setKeys(t, k2)
	h.clock.Advance(time.Minute)
	if _, err := h.reg.Refresh(ctx, "acme"); err != nil {
		t.Fatal(err)
	}
	other.Update([]storage.IdP{rec}) // the generation reload
	before := p.jwksFetches.Load()
	if _, err := other.ResolveKey(ctx, "acme", "k2", "ES256"); err != nil {
		t.Fatalf("other instance after refresh: %v", err)
	}
	if n := p.jwksFetches.Load() - before; n != 0 {
		t.Fatalf("other instance fetched %d times instead of adopting", n)
	}

	p.set(func(p *testIdP) { p.status = http.StatusBadGateway })
	h.clock.Advance(time.Minute)
	if _, err := h.reg.Refresh(ctx, "acme"); err == nil {
		t.Fatal("Refresh against a failing IdP succeeded")
	}
	p.set(func(p *testIdP) { p.status = 0 })
	other.Update([]storage.IdP{rec})
	before = p.jwksFetches.Load()
	for range 3 {
		if _, err := other.ResolveKey(ctx, "acme", "k2", "ES256"); err != nil {
			t.Fatal(err)
		}
	}
	if n := p.jwksFetches.Load() - before; n != 1 {
		t.Fatalf("other instance honoured the pending refresh with %d fetches, want 1", n)
	}
}
