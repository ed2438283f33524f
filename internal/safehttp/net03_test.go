package safehttp

import (
	"context"
	"crypto/x509"
	"errors"
	"net/url"
	"testing"
)

// TestNET03_HostAllowlist: the URL's host must match an allowlist entry
// exactly (case-insensitive); an entry without a port admits only the
// scheme's default port.
func TestNET03_HostAllowlist(t *testing.T) {
	cases := []struct {
		name    string
		url     string
		allowed []string
		want    bool
	}{
		{"exact host", "https://idp.example.com/jwks", []string{"idp.example.com"}, true},
		{"case-insensitive", "https://IdP.Example.COM/jwks", []string{"idp.example.com"}, true},
		{"entry upper case", "https://idp.example.com/jwks", []string{"IDP.EXAMPLE.COM"}, true},
		{"explicit default port", "https://idp.example.com:443/jwks", []string{"idp.example.com"}, true},
		{"entry with default port", "https://idp.example.com/jwks", []string{"idp.example.com:443"}, true},
		{"entry with port", "https://idp.example.com:8443/jwks", []string{"idp.example.com:8443"}, true},
		{"other port than entry", "https://idp.example.com:8443/jwks", []string{"idp.example.com"}, false},
		{"entry port but default used", "https://idp.example.com/jwks", []string{"idp.example.com:8443"}, false},
		{"subdomain", "https://evil.idp.example.com/jwks", []string{"idp.example.com"}, false},
		{"parent domain", "https://example.com/jwks", []string{"idp.example.com"}, false},
		{"suffix trick", "https://idp.example.com.evil.test/jwks", []string{"idp.example.com"}, false},
		{"trailing dot", "https://idp.example.com./jwks", []string{"idp.example.com"}, false},
		{"second entry", "https://keys.example.com/jwks", []string{"idp.example.com", "keys.example.com"}, true},
		{"ipv6 entry", "https://[2001:4860::8888]/jwks", []string{"[2001:4860::8888]"}, true},
		{"ipv6 entry with port", "https://[2001:4860::8888]:8443/jwks", []string{"[2001:4860::8888]:8443"}, true},
		{"empty allowlist", "https://idp.example.com/jwks", []string{}, false},
		{"nil allowlist", "https://idp.example.com/jwks", nil, false},
		{"empty entry", "https://idp.example.com/jwks", []string{""}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			u, err := url.Parse(tc.url)
			if err != nil {
				t.Fatal(err)
			}
			if got := hostAllowed(u, tc.allowed); got != tc.want {
				t.Fatalf("hostAllowed(%s, %q) = %v, want %v", tc.url, tc.allowed, got, tc.want)
			}
		})
	}
}

// TestNET03_HostNotAllowedRefusedWithoutConnection: an allowed loopback
// server is not contacted through a URL whose host is off the list.
func TestNET03_HostNotAllowedRefusedWithoutConnection(t *testing.T) {
	srv, counter := newCountingServer(t, jsonHandler(), false)
	c := loopbackClient(srv, Options{})
	_, err := c.GetJSON(context.Background(), srv.URL, []string{"127.0.0.1:1"})
	if !errors.Is(err, ErrHostNotAllowed) {
		t.Fatalf("error = %v, want ErrHostNotAllowed", err)
	}
	if n := counter.accepted.Load(); n != 0 {
		t.Fatalf("server accepted %d connections", n)
	}
}

// TestNET04_TLSCertificateValidated: a server whose certificate does not
// chain to the configured roots is refused.
func TestNET04_TLSCertificateValidated(t *testing.T) {
	srv, _ := newCountingServer(t, jsonHandler(), false)
	cases := []struct {
		name  string
		roots *x509.CertPool
		ok    bool
	}{
		{"trusted root", roots(srv), true},
		{"empty pool", x509.NewCertPool(), false},
		{"system roots", nil, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := New(Options{InsecureAllowLoopback: true, RootCAs: tc.roots})
			_, err := c.GetJSON(context.Background(), srv.URL, []string{hostOf(t, srv)})
			var unknown x509.UnknownAuthorityError
			if tc.ok && err != nil || !tc.ok && !errors.As(err, &unknown) {
				t.Fatalf("error = %v, want ok=%v (or unknown authority)", err, tc.ok)
			}
		})
	}
}

// TestNET02_AmbiguousIPv4Literals: hosts a permissive parser reads as IPv4
// are recognised; ordinary names are not.
func TestNET02_AmbiguousIPv4Literals(t *testing.T) {
	cases := []struct {
		host string
		want bool
	}{
		{"0x7f000001", true},
		{"2130706433", true},
		{"0177.0.0.1", true},
		{"127.1", true},
		{"0x7f.1", true},
		{"example.0x10", true},
		{"idp.example.com", false},
		{"123.example.com", false},
		{"0xcafe.example", false},
		{"idp-1.example.com", false},
		{"example.0xzz", false},
	}
	for _, tc := range cases {
		t.Run(tc.host, func(t *testing.T) {
			if got := endsInNumber(tc.host); got != tc.want {
				t.Fatalf("endsInNumber(%q) = %v, want %v", tc.host, got, tc.want)
			}
		})
	}
}
