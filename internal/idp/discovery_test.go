package idp

import (
	"context"
	"errors"
	"testing"

	"github.com/authplane/authplane/internal/assertion"
	"github.com/authplane/authplane/internal/safehttp"
)

func ptr(s string) *string { return &s }

// TestNET04_Discovery: the jwks_uri is discovered from RFC 8414 metadata,
// else OIDC discovery; the metadata must name the IdP's issuer exactly and
// an https jwks_uri on an allowed host.
func TestNET04_Discovery(t *testing.T) {
	cases := []struct {
		name    string
		knobs   func(p *testIdP)
		wantErr error // nil: the key resolves
	}{
		{"RFC 8414 metadata", func(*testIdP) {}, nil},
		{"OIDC fallback", func(p *testIdP) { p.asMetadata = false }, nil},
		{"no metadata", func(p *testIdP) { p.asMetadata, p.oidcMetadata = false, false }, ErrDiscovery},
		{"issuer with trailing slash", func(p *testIdP) { p.metaIssuer = ptr(p.srv.URL + "/") }, ErrIssuerMismatch},
		{"other issuer", func(p *testIdP) { p.metaIssuer = ptr("https://evil.example.com") }, ErrIssuerMismatch},
		{"issuer missing", func(p *testIdP) { p.metaIssuer = ptr("") }, ErrIssuerMismatch},
		{"RFC 8414 mismatch not rescued by OIDC", func(p *testIdP) { p.asIssuer = ptr("https://evil.example.com") }, ErrIssuerMismatch},
		{"jwks_uri over http", func(p *testIdP) { p.metaJWKSURI = ptr("http://" + p.srv.Listener.Addr().String() + "/jwks") }, ErrDiscovery},
		{"jwks_uri on another host", func(p *testIdP) { p.metaJWKSURI = ptr("https://keys.example.net/jwks") }, safehttp.ErrHostNotAllowed},
		{"jwks_uri on metadata address", func(p *testIdP) { p.metaJWKSURI = ptr("https://169.254.169.254/jwks") }, safehttp.ErrHostNotAllowed},
		{"jwks_uri missing", func(p *testIdP) { p.metaJWKSURI = ptr("") }, ErrDiscovery},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, jwk := ecKey(t, "k1")
			p := newTestIdP(t, jwk)
			p.set(tc.knobs)
			h := newHarness(t, p, p.record("acme", ""))
			_, err := h.reg.ResolveKey(context.Background(), "acme", "k1", "ES256")
			if tc.wantErr == nil {
				if err != nil {
					t.Fatalf("ResolveKey: %v", err)
				}
				return
			}
			if !errors.Is(err, assertion.ErrKeysUnavailable) || !errors.Is(err, tc.wantErr) {
				t.Fatalf("ResolveKey = %v, want ErrKeysUnavailable wrapping %v", err, tc.wantErr)
			}
			if n := p.jwksFetches.Load(); n != 0 {
				t.Fatalf("JWKS fetched %d times despite failed discovery", n)
			}
			if st := h.store.get(t, "acme"); st.LastError == "" || len(st.JWKS) != 0 {
				t.Fatalf("state after failed discovery = %+v", st)
			}
		})
	}
}

// TestNET04_DiscoveredOnce: the jwks_uri is discovered once, not before
// every key set fetch.
func TestNET04_DiscoveredOnce(t *testing.T) {
	_, jwk := ecKey(t, "k1")
	p := newTestIdP(t, jwk)
	h := newHarness(t, p, p.record("acme", ""))
	ctx := context.Background()
	for i := range 3 {
		h.clock.Advance(DefaultRefetchInterval)
		_, _ = h.reg.ResolveKey(ctx, "acme", "unknown-"+string(rune('a'+i)), "ES256")
	}
	if j, m := p.jwksFetches.Load(), p.metaFetches.Load(); j != 3 || m != 1 {
		t.Fatalf("JWKS fetches = %d, metadata fetches = %d; want 3 and 1", j, m)
	}
}

// TestNET04_MetadataURLs: RFC 8414 inserts the well-known segment before
// the issuer's path; OIDC appends it.
func TestNET04_MetadataURLs(t *testing.T) {
	cases := []struct {
		issuer string
		want   []string
		err    bool
	}{
		{"https://idp.example.com", []string{
			"https://idp.example.com/.well-known/oauth-authorization-server",
			"https://idp.example.com/.well-known/openid-configuration"}, false},
		{"https://idp.example.com/", []string{
			"https://idp.example.com/.well-known/oauth-authorization-server",
			"https://idp.example.com/.well-known/openid-configuration"}, false},
		{"https://idp.example.com/tenants/acme", []string{
			"https://idp.example.com/.well-known/oauth-authorization-server/tenants/acme",
			"https://idp.example.com/tenants/acme/.well-known/openid-configuration"}, false},
		{"http://idp.example.com", nil, true},
		{"https://idp.example.com?x=1", nil, true},
		{"https://idp.example.com#frag", nil, true},
		{"idp.example.com", nil, true},
	}
	for _, tc := range cases {
		t.Run(tc.issuer, func(t *testing.T) {
			got, err := metadataURLs(tc.issuer, false)
			if tc.err {
				if !errors.Is(err, ErrDiscovery) {
					t.Fatalf("metadataURLs = %v, %v; want ErrDiscovery", got, err)
				}
				return
			}
			if err != nil || len(got) != 2 || got[0] != tc.want[0] || got[1] != tc.want[1] {
				t.Fatalf("metadataURLs = %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}

// TestNET01_HTTPIssuerOnlyWhenInsecure: an http issuer or jwks_uri is refused
// unless InsecureAllowLoopback is on (tests, the demo); the fetcher still
// limits plain http to loopback literals then.
func TestNET01_HTTPIssuerOnlyWhenInsecure(t *testing.T) {
	if _, err := metadataURLs("http://127.0.0.1:9100", false); err == nil {
		t.Fatal("http issuer accepted without the insecure switch")
	}
	urls, err := metadataURLs("http://127.0.0.1:9100", true)
	if err != nil || urls[0] != "http://127.0.0.1:9100/.well-known/oauth-authorization-server" {
		t.Fatalf("insecure http issuer: %v %v", urls, err)
	}
	if err := checkJWKSURI("http://127.0.0.1:9100/jwks", []string{"127.0.0.1:9100"}, true); err != nil {
		t.Fatalf("insecure http jwks_uri: %v", err)
	}
	if err := checkJWKSURI("ftp://127.0.0.1:9100/jwks", []string{"127.0.0.1:9100"}, true); err == nil {
		t.Fatal("ftp jwks_uri accepted")
	}
}
