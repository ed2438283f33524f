package idp

import (
	"context"
	"errors"
	"testing"

	"github.com/authplane/authplane/internal/assertion"
	"github.com/authplane/authplane/internal/storage"
)

// TestRAS13_LookupIssuerExactMatch: only an enabled IdP's exact issuer
// string is trusted, and the lookup never touches the network.
func TestRAS13_LookupIssuerExactMatch(t *testing.T) {
	_, jwk := ecKey(t, "k1")
	p := newTestIdP(t, jwk)
	h := newHarness(t, p, p.record("acme", ""))
	disabled := storage.IdP{ID: "off", Issuer: "https://disabled.example.com", Enabled: false}
	h.reg.Update([]storage.IdP{p.record("acme", ""), disabled})
	cases := []struct {
		name string
		iss  string
		want bool
	}{
		{"exact", p.issuer(), true},
		{"trailing slash", p.issuer() + "/", false},
		{"upper-case scheme", "HTTPS" + p.issuer()[len("https"):], false},
		{"prefix", p.issuer()[:len(p.issuer())-1], false},
		{"disabled IdP", disabled.Issuer, false},
		{"unknown", "https://unknown.example.com", false},
		{"empty", "", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := h.reg.LookupIssuer(tc.iss)
			if ok != tc.want {
				t.Fatalf("LookupIssuer(%q) ok = %v, want %v", tc.iss, ok, tc.want)
			}
			if ok && (got.ID != "acme" || got.Issuer != p.issuer()) {
				t.Fatalf("LookupIssuer(%q) = %+v", tc.iss, got)
			}
		})
	}
	if n := p.metaFetches.Load() + p.jwksFetches.Load(); n != 0 {
		t.Fatalf("issuer lookups made %d requests", n)
	}
}

// TestRAS28_TrustedIssuerCarriesConfiguration: the validator gets the IdP's
// per-issuer settings unchanged.
func TestRAS28_TrustedIssuerCarriesConfiguration(t *testing.T) {
	reg := NewRegistry(newMemStore(), nil, Options{})
	rec := storage.IdP{ID: "acme", Issuer: "https://idp.example.com", Enabled: true,
		AllowedAlgs: []string{"RS256"}, MaxAssertionLifetime: 120e9, ClockSkew: 30e9,
		ClientIDMap: map[string]string{"idp-client": "local-client"}, GroupsClaim: "groups"}
	reg.Update([]storage.IdP{rec})
	got, ok := reg.LookupIssuer(rec.Issuer)
	if !ok {
		t.Fatal("issuer not found")
	}
	if got.ID != rec.ID || got.MaxLifetime != rec.MaxAssertionLifetime || got.ClockSkew != rec.ClockSkew ||
		got.GroupsClaim != "groups" || got.ClientIDMap["idp-client"] != "local-client" ||
		len(got.AllowedAlgs) != 1 || got.AllowedAlgs[0] != "RS256" {
		t.Fatalf("TrustedIssuer = %+v", got)
	}
	rec.ClientIDMap["idp-client"] = "changed"
	if got, _ := reg.LookupIssuer(rec.Issuer); got.ClientIDMap["idp-client"] != "local-client" {
		t.Fatal("registry shares the caller's map")
	}
}

// TestRegistry_UpdateDisablingIdPTakesEffectImmediately: after Update with
// the IdP disabled, its issuer and keys are gone at once; re-enabling it
// with the same key source reuses nothing stale from a changed config.
func TestRegistry_UpdateDisablingIdPTakesEffectImmediately(t *testing.T) {
	priv, jwk := ecKey(t, "k1")
	p := newTestIdP(t, jwk)
	rec := p.record("acme", p.issuer()+"/jwks")
	h := newHarness(t, p, rec)
	ctx := context.Background()
	if k, err := h.reg.ResolveKey(ctx, "acme", "k1", "ES256"); err != nil || !samePublic(k, priv) {
		t.Fatalf("ResolveKey = %v, %v", k, err)
	}
	off := rec
	off.Enabled = false
	h.reg.Update([]storage.IdP{off})
	if _, ok := h.reg.LookupIssuer(rec.Issuer); ok {
		t.Fatal("disabled IdP still trusted")
	}
	if _, err := h.reg.ResolveKey(ctx, "acme", "k1", "ES256"); !errors.Is(err, assertion.ErrUnknownKey) || !errors.Is(err, ErrUnknownIdP) {
		t.Fatalf("ResolveKey on disabled IdP = %v, want ErrUnknownKey/ErrUnknownIdP", err)
	}
	if _, err := h.reg.Refresh(ctx, "acme"); !errors.Is(err, ErrUnknownIdP) {
		t.Fatalf("Refresh on disabled IdP = %v, want ErrUnknownIdP", err)
	}
}

// TestRegistry_UpdateKeepsCacheOfUnchangedIdP: an Update that leaves the key
// source alone keeps the keys (no refetch); one that changes it starts a
// new cache.
func TestRegistry_UpdateKeepsCacheOfUnchangedIdP(t *testing.T) {
	_, jwk := ecKey(t, "k1")
	p := newTestIdP(t, jwk)
	rec := p.record("acme", p.issuer()+"/jwks")
	h := newHarness(t, p, rec)
	ctx := context.Background()
	resolve := func() {
		t.Helper()
		if _, err := h.reg.ResolveKey(ctx, "acme", "k1", "ES256"); err != nil {
			t.Fatal(err)
		}
	}
	resolve()
	cases := []struct {
		name    string
		change  func(*storage.IdP)
		fetches int64
	}{
		{"unrelated change keeps cache", func(r *storage.IdP) { r.ClockSkew = 0; r.GroupsClaim = "g" }, 0},
		{"new allowed algs re-filters the persisted keys", func(r *storage.IdP) { r.AllowedAlgs = []string{"ES256"} }, 0},
		{"new jwks_uri starts a new cache", func(r *storage.IdP) { r.JWKSURI = p.issuer() + "/jwks?v=2" }, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := p.jwksFetches.Load()
			tc.change(&rec)
			h.reg.Update([]storage.IdP{rec})
			resolve()
			if got := p.jwksFetches.Load() - before; got != tc.fetches {
				t.Fatalf("fetches after Update = %d, want %d", got, tc.fetches)
			}
		})
	}
}
