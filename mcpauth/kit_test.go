package mcpauth

import (
	"strings"
	"testing"
	"time"
)

type configCase struct {
	name   string
	mutate func(*Config)
	errHas string // "" = valid
}

func configCases() []configCase {
	return []configCase{
		{name: "minimal", mutate: func(*Config) {}},
		{name: "no_resource", mutate: func(c *Config) { c.Resource = "" }, errHas: "Resource is required"},
		{name: "no_issuer", mutate: func(c *Config) { c.Issuer = "" }, errHas: "Issuer is required"},
		{name: "http_resource", mutate: func(c *Config) { c.Resource = "http://mcp.example.com/github" }, errHas: "https"},
		{name: "http_loopback_without_switch", mutate: func(c *Config) { c.Issuer = "http://127.0.0.1:9000" }, errHas: "https"},
		{name: "http_loopback_with_switch", mutate: func(c *Config) {
			c.Issuer, c.Resource, c.InsecureAllowLoopback = "http://127.0.0.1:9000", "http://127.0.0.1:8080/mcp", true
		}},
		{name: "http_hostname_with_switch", mutate: func(c *Config) {
			c.Issuer, c.InsecureAllowLoopback = "http://localhost:9000", true
		}, errHas: "https"},
		{name: "resource_with_query", mutate: func(c *Config) { c.Resource += "?x=1" }, errHas: "query"},
		{name: "resource_with_fragment", mutate: func(c *Config) { c.Resource += "#f" }, errHas: "fragment"},
		{name: "resource_relative", mutate: func(c *Config) { c.Resource = "/github" }, errHas: "absolute"},
		{name: "issuer_with_userinfo", mutate: func(c *Config) { c.Issuer = "https://u:p@as.example.com" }, errHas: "user info"},
		{name: "bad_jwks_uri", mutate: func(c *Config) { c.JWKSURI = "ftp://as.example.com/jwks" }, errHas: "JWKSURI"},
		{name: "negative_leeway", mutate: func(c *Config) { c.Leeway = -time.Second }, errHas: "Leeway"},
		{name: "huge_leeway", mutate: func(c *Config) { c.Leeway = time.Hour }, errHas: "Leeway"},
		{name: "scope_with_quote", mutate: func(c *Config) { c.ScopesSupported = []string{`a"b`} }, errHas: "invalid scope"},
		{name: "scope_with_space", mutate: func(c *Config) { c.ScopesSupported = []string{"a b"} }, errHas: "invalid scope"},
		{name: "introspection_without_secret", mutate: func(c *Config) {
			c.Introspection = &IntrospectionConfig{URL: "https://as.example.com/oauth/introspect", ClientID: "x"}
		}, errHas: "ClientSecret"},
		{name: "introspection_cache_too_long", mutate: func(c *Config) {
			c.Introspection = &IntrospectionConfig{URL: "https://as.example.com/oauth/introspect", ClientID: "x",
				ClientSecret: "y", CacheTTL: time.Minute}
		}, errHas: "CacheTTL"},
	}
}

func TestNew_ConfigValidation(t *testing.T) {
	for _, tc := range configCases() {
		t.Run(tc.name, func(t *testing.T) {
			cfg := Config{Resource: testResource, Issuer: "https://as.example.com"}
			tc.mutate(&cfg)
			_, err := New(cfg)
			switch {
			case tc.errHas == "" && err != nil:
				t.Fatalf("New: %v", err)
			case tc.errHas != "" && (err == nil || !strings.Contains(err.Error(), tc.errHas)):
				t.Fatalf("New error = %v, want one mentioning %q", err, tc.errHas)
			}
		})
	}
}

func TestNew_ReportsEveryProblem(t *testing.T) {
	_, err := New(Config{Leeway: -1})
	for _, want := range []string{"Resource", "Issuer", "JWKSURI", "Leeway"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v does not mention %s", err, want)
		}
	}
}

func TestNew_DefaultJWKSURI(t *testing.T) {
	k, err := New(Config{Resource: testResource, Issuer: "https://as.example.com/tenant-a"})
	if err != nil {
		t.Fatal(err)
	}
	if k.keys.uri != "https://as.example.com/tenant-a/.well-known/jwks.json" || k.keys.hosts[0] != "as.example.com" {
		t.Fatalf("JWKS %q hosts %v", k.keys.uri, k.keys.hosts)
	}
	if k.Resource() != testResource {
		t.Fatalf("Resource() = %q", k.Resource())
	}
}
