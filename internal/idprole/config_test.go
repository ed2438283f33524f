package idprole

import (
	"strings"
	"testing"
	"time"
)

func TestConfigNormalize(t *testing.T) {
	tests := []struct {
		name    string
		cfg     Config
		wantErr string
	}{
		{"dev default issuer", Config{Dev: true}, ""},
		{"https issuer", Config{Issuer: "https://idp.example.com"}, ""},
		{"issuer with path", Config{Issuer: "https://example.com/idp"}, ""},
		{"http outside dev", Config{Issuer: "http://idp.example.com"}, "must be https"},
		{"no issuer outside dev", Config{}, "required"},
		{"trailing slash", Config{Issuer: "https://idp.example.com/"}, "trailing slash"},
		{"query", Config{Issuer: "https://idp.example.com?x=1"}, "query"},
		{"ID-JAG over five minutes", Config{Dev: true, IDJAGTTL: 6 * time.Minute}, "id-jag ttl"},
		{"code over 60 s", Config{Dev: true, CodeTTL: 2 * time.Minute}, "code ttl"},
		{"every problem at once", Config{Issuer: "ftp://x", IDJAGTTL: time.Hour, CodeTTL: time.Hour}, "code ttl"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := tc.cfg.normalize()
			if tc.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				if c.Addr != DefaultAddr || c.IDJAGTTL != MaxIDJAGTTL || c.CodeTTL != MaxCodeTTL || c.Issuer == "" {
					t.Fatalf("defaults not applied: %+v", c)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("error %v, want one mentioning %q", err, tc.wantErr)
			}
		})
	}
	if c, _ := (Config{Dev: true}).normalize(); c.Issuer != "http://127.0.0.1:9100" {
		t.Fatalf("dev issuer %q", c.Issuer)
	}
}

// TestIssuerWithPath: endpoints and well-known documents follow an issuer
// with a path (RFC 8414 §3.1).
func TestIssuerWithPath(t *testing.T) {
	ep := newEndpoints("https://example.com/idp")
	if ep.base != "/idp" || ep.token != "https://example.com/idp/token" || !ep.secure {
		t.Fatalf("endpoints %+v", ep)
	}
}
