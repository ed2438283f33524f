package mcpauth

import (
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/authplane/authplane/internal/token"
)

// Config configures a Kit. Resource and Issuer are required.
type Config struct {
	// Resource is this MCP server's RFC 9728 resource identifier, the value
	// AuthPlane puts in the aud of tokens for it, e.g.
	// "https://mcp.example.com/github". An https URL without query or
	// fragment (RFC 9728 §1.2).
	Resource string
	// Issuer is AuthPlane's issuer URL, listed as the authorization server
	// in the metadata and required as the tokens' iss.
	Issuer string
	// JWKSURI is where AuthPlane publishes its keys; default
	// Issuer + "/.well-known/jwks.json".
	JWKSURI string
	// ScopesSupported is published in the metadata; it should be the
	// minimal baseline set (MCP-30).
	ScopesSupported []string
	// ResourceName is the human-readable name in the metadata.
	ResourceName string
	// Introspection, when set, also asks AuthPlane whether each token is
	// still active, so revoked tokens are refused before they expire.
	Introspection *IntrospectionConfig
	// InsecureAllowLoopback admits http and loopback addresses for the
	// resource, issuer, JWKS and introspection URLs. Tests and the demo
	// only; never in production.
	InsecureAllowLoopback bool
	// RootCAs replaces the system roots for the JWKS and introspection
	// fetches (tests pass the httptest server's pool).
	RootCAs *x509.CertPool
	// Now is the clock for expiry and caches; default time.Now.
	Now func() time.Time
	// Leeway tolerates clock skew on exp and nbf; at most MaxLeeway.
	Leeway time.Duration
	// Logger receives key-fetch and introspection failures; nil discards.
	// Tokens are never logged, only their jti.
	Logger *slog.Logger
}

// IntrospectionConfig is the RFC 7662 endpoint and this resource server's
// credentials at AuthPlane (client_secret_basic). AuthPlane answers a
// resource server only about tokens issued for it: ClientID must be the id
// of the resource registered at AuthPlane (SPEC INT-04 (P)).
type IntrospectionConfig struct {
	// URL is AuthPlane's introspection endpoint, e.g. Issuer +
	// "/oauth/introspect".
	URL          string
	ClientID     string
	ClientSecret string
	// CacheTTL is how long an answer is reused for the same token; default
	// and maximum MaxIntrospectionCacheTTL.
	CacheTTL time.Duration
}

// Bounds of Config.
const (
	// MaxLeeway bounds Config.Leeway.
	MaxLeeway = 5 * time.Minute
	// MaxIntrospectionCacheTTL bounds how long a revocation may go
	// unnoticed by an introspecting resource server.
	MaxIntrospectionCacheTTL = 30 * time.Second
)

// Kit protects one MCP server (one resource identifier). It is safe for
// concurrent use; build it with New.
type Kit struct {
	cfg         Config
	resource    *url.URL
	metadataURL string
	keys        *keyCache
	verifier    *token.Verifier
	introspect  *introspector
	now         func() time.Time
	log         *slog.Logger
}

// New validates cfg and returns a Kit. It does no I/O: keys are fetched on
// the first verification.
func New(cfg Config) (*Kit, error) {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.JWKSURI == "" && cfg.Issuer != "" {
		cfg.JWKSURI = strings.TrimSuffix(cfg.Issuer, "/") + "/.well-known/jwks.json"
	}
	cfg.ScopesSupported = slices.Clone(cfg.ScopesSupported)
	res, err := validate(&cfg)
	if err != nil {
		return nil, err
	}
	k := &Kit{cfg: cfg, resource: res, now: cfg.Now, log: cfg.Logger}
	k.metadataURL = res.Scheme + "://" + res.Host + metadataPath(res)
	k.keys = newKeyCache(cfg)
	k.verifier = &token.Verifier{Issuer: cfg.Issuer, Keys: k.keys.current, Now: cfg.Now, Leeway: cfg.Leeway}
	if cfg.Introspection != nil {
		ic := *cfg.Introspection
		if ic.CacheTTL <= 0 {
			ic.CacheTTL = MaxIntrospectionCacheTTL
		}
		k.introspect = newIntrospector(ic, cfg)
	}
	return k, nil
}

// validate checks every field and returns the parsed resource identifier.
// All problems are reported at once.
func validate(cfg *Config) (*url.URL, error) {
	var errs []error
	res, err := checkURL("Resource", cfg.Resource, cfg.InsecureAllowLoopback)
	errs = append(errs, err)
	if err == nil && res.RawQuery != "" {
		errs = append(errs, errors.New("mcpauth: Resource must not have a query (RFC 9728 §1.2)"))
	}
	_, err = checkURL("Issuer", cfg.Issuer, cfg.InsecureAllowLoopback)
	errs = append(errs, err)
	_, err = checkURL("JWKSURI", cfg.JWKSURI, cfg.InsecureAllowLoopback)
	errs = append(errs, err)
	if cfg.Leeway < 0 || cfg.Leeway > MaxLeeway {
		errs = append(errs, fmt.Errorf("mcpauth: Leeway must be between 0 and %s", MaxLeeway))
	}
	for _, s := range cfg.ScopesSupported {
		if !validScopeToken(s) {
			errs = append(errs, fmt.Errorf("mcpauth: invalid scope %q in ScopesSupported", s))
		}
	}
	if ic := cfg.Introspection; ic != nil {
		_, err = checkURL("Introspection.URL", ic.URL, cfg.InsecureAllowLoopback)
		errs = append(errs, err)
		if ic.ClientID == "" || ic.ClientSecret == "" {
			errs = append(errs, errors.New("mcpauth: Introspection needs ClientID and ClientSecret"))
		}
		if ic.CacheTTL > MaxIntrospectionCacheTTL {
			errs = append(errs, fmt.Errorf("mcpauth: Introspection.CacheTTL must be at most %s", MaxIntrospectionCacheTTL))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return res, nil
}

// checkURL requires an absolute https URL without user info or fragment;
// http only to a loopback IP literal with the insecure switch.
func checkURL(field, raw string, insecureLoopback bool) (*url.URL, error) {
	if raw == "" {
		return nil, fmt.Errorf("mcpauth: %s is required", field)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("mcpauth: %s: %w", field, err)
	}
	switch {
	case u.Opaque != "" || u.Host == "" || u.User != nil:
		return nil, fmt.Errorf("mcpauth: %s %q must be an absolute URL without user info", field, raw)
	case u.Fragment != "" || strings.Contains(raw, "#"):
		return nil, fmt.Errorf("mcpauth: %s %q must not have a fragment", field, raw)
	case u.Scheme == "https":
		return u, nil
	case u.Scheme == "http" && insecureLoopback && isLoopback(u.Hostname()):
		return u, nil
	}
	return nil, fmt.Errorf("mcpauth: %s %q must use https", field, raw)
}

func isLoopback(host string) bool {
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.IsLoopback()
}

// validScopeToken reports whether s is an RFC 6749 §3.3 scope-token: one
// or more of %x21 / %x23-5B / %x5D-7E (no space, quote or backslash).
func validScopeToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x21 || c > 0x7e || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}
