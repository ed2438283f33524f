package idp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/authplane/authplane/internal/safehttp"
)

// jwksURI returns the configured jwks_uri, or the one discovered from the
// issuer's metadata. Discovery runs once per cache and again only after a
// failed fetch.
func (r *Registry) jwksURI(ctx context.Context, c *keyCache) (string, error) {
	if c.configuredURI != "" {
		return c.configuredURI, nil
	}
	c.mu.RLock()
	uri := c.discoveredURI
	c.mu.RUnlock()
	if uri != "" {
		return uri, nil
	}
	uri, err := r.discover(ctx, c)
	if err != nil {
		return "", err
	}
	c.mu.Lock()
	c.discoveredURI = uri
	c.mu.Unlock()
	return uri, nil
}

// discover reads RFC 8414 authorization-server metadata, then OpenID
// Connect discovery, for c's issuer. It moves on to the next document only
// when one is absent (non-200 status or a non-JSON answer); a document that
// is present but wrong (other issuer, bad jwks_uri) fails discovery.
func (r *Registry) discover(ctx context.Context, c *keyCache) (string, error) {
	urls, err := metadataURLs(c.issuer, r.opts.InsecureAllowLoopback)
	if err != nil {
		return "", err
	}
	var absent []error
	for _, u := range urls {
		resp, err := r.fetcher.GetJSON(ctx, u, c.allowedHosts)
		if errors.Is(err, safehttp.ErrStatus) || errors.Is(err, safehttp.ErrRedirect) || errors.Is(err, safehttp.ErrContentType) {
			absent = append(absent, err)
			continue
		}
		if err != nil {
			return "", fmt.Errorf("%w: %w", ErrDiscovery, err)
		}
		return jwksURIFromMetadata(resp.Body, c.issuer, c.allowedHosts, r.opts.InsecureAllowLoopback)
	}
	return "", fmt.Errorf("%w: no metadata document: %w", ErrDiscovery, errors.Join(absent...))
}

// metadataURLs returns the RFC 8414 §3.1 URL (well-known segment inserted
// before the issuer's path) and the OpenID Connect Discovery §4 URL
// (appended to the issuer); both are "<issuer>/.well-known/…" when the
// issuer has no path.
func metadataURLs(issuer string, allowHTTP bool) ([]string, error) {
	u, err := url.Parse(issuer)
	if err != nil || !webScheme(u.Scheme, allowHTTP) || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return nil, fmt.Errorf("%w: issuer %q is not an https URL without query or fragment", ErrDiscovery, issuer)
	}
	path := strings.TrimSuffix(u.EscapedPath(), "/")
	origin := u.Scheme + "://" + u.Host
	return []string{
		origin + "/.well-known/oauth-authorization-server" + path,
		origin + path + "/.well-known/openid-configuration",
	}, nil
}

// jwksURIFromMetadata checks a metadata document: its "issuer" must equal
// issuer exactly (RFC 8414 §3.3, NET-04) and its "jwks_uri" must be an https
// URL on an allowed host. Member names are matched exactly.
func jwksURIFromMetadata(body []byte, issuer string, allowed []string, allowHTTP bool) (string, error) {
	if len(body) > MaxDocumentBytes {
		return "", fmt.Errorf("%w: %w: metadata of %d bytes", ErrDiscovery, ErrTooLarge, len(body))
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(body, &doc); err != nil || doc == nil {
		return "", fmt.Errorf("%w: metadata is not a JSON object", ErrDiscovery)
	}
	var got, jwks string
	if json.Unmarshal(doc["issuer"], &got) != nil || got != issuer {
		return "", fmt.Errorf("%w: metadata names issuer %q, want %q", ErrIssuerMismatch, got, issuer)
	}
	if json.Unmarshal(doc["jwks_uri"], &jwks) != nil || jwks == "" {
		return "", fmt.Errorf("%w: metadata has no jwks_uri", ErrDiscovery)
	}
	if err := checkJWKSURI(jwks, allowed, allowHTTP); err != nil {
		return "", err
	}
	return jwks, nil
}

// webScheme admits https, and http only with Options.InsecureAllowLoopback
// (tests, the demo) — and even then the SSRF-guarded client allows plain
// http only to a loopback IP literal.
func webScheme(scheme string, allowHTTP bool) bool {
	return scheme == "https" || (allowHTTP && scheme == "http")
}

// checkJWKSURI requires an https URL without user info on an allowed host.
func checkJWKSURI(raw string, allowed []string, allowHTTP bool) error {
	u, err := url.Parse(raw)
	if err != nil || !webScheme(u.Scheme, allowHTTP) || u.Host == "" || u.User != nil {
		return fmt.Errorf("%w: jwks_uri %q is not an https URL", ErrDiscovery, raw)
	}
	if !safehttp.HostAllowed(u, allowed) {
		return fmt.Errorf("%w: jwks_uri host %q is not allowed (%w)", ErrDiscovery, u.Host, safehttp.ErrHostNotAllowed)
	}
	return nil
}
