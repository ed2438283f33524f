package safehttp

import (
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strings"
)

// parseTarget parses rawURL and applies every check that needs no network:
// URL shape, scheme, host allowlist and IP-literal policy. It returns the
// URL to request.
func (c *Client) parseTarget(rawURL string, allowedHosts []string) (*url.URL, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidURL, err)
	}
	if u.Opaque != "" || u.User != nil || u.Host == "" || u.Hostname() == "" {
		return nil, fmt.Errorf("%w: %q needs an absolute hierarchical URL without user info", ErrInvalidURL, redact(u))
	}
	u.Scheme = strings.ToLower(u.Scheme)
	u.Fragment, u.RawFragment = "", ""
	if u.Scheme != "https" && (u.Scheme != "http" || !c.insecureLoopback) {
		return nil, fmt.Errorf("%w: %q", ErrScheme, u.Scheme)
	}
	if !hostAllowed(u, allowedHosts) {
		return nil, fmt.Errorf("%w: %q", ErrHostNotAllowed, u.Host)
	}
	if err := c.checkLiteral(u.Hostname()); err != nil {
		return nil, err
	}
	if u.Scheme == "http" && !isLoopbackLiteral(u.Hostname()) {
		return nil, fmt.Errorf("%w: http is allowed only to a loopback IP literal in insecure dev mode", ErrScheme)
	}
	return u, nil
}

// HostAllowed reports whether u's host matches an entry of allowedHosts, by
// the rule GetJSON applies: entries are "host" or "host:port" ("[v6]" /
// "[v6]:port" for IPv6), compared case-insensitively and exactly (no
// wildcards, no subdomains, no trailing-dot folding). An entry without a
// port admits only the scheme's default port.
func HostAllowed(u *url.URL, allowedHosts []string) bool {
	return hostAllowed(u, allowedHosts)
}

func hostAllowed(u *url.URL, allowed []string) bool {
	host := strings.ToLower(u.Hostname())
	port := u.Port()
	if port == "" {
		port = defaultPort(u.Scheme)
	}
	for _, entry := range allowed {
		eh, ep := splitEntry(entry)
		if eh == "" || !strings.EqualFold(eh, host) {
			continue
		}
		if ep == "" {
			ep = defaultPort(u.Scheme)
		}
		if ep == port {
			return true
		}
	}
	return false
}

// splitEntry splits an allowlist entry into host (without brackets) and
// optional port.
func splitEntry(entry string) (host, port string) {
	entry = strings.TrimSpace(entry)
	if h, p, err := net.SplitHostPort(entry); err == nil {
		return h, p
	}
	return strings.TrimSuffix(strings.TrimPrefix(entry, "["), "]"), ""
}

func defaultPort(scheme string) string {
	if scheme == "http" {
		return "80"
	}
	return "443"
}

// checkLiteral refuses hosts that are IP literals of a forbidden range and
// hosts that a permissive resolver (inet_aton, WHATWG URL) would read as an
// IPv4 address in hex, octal, integer or shortened form (NET-02). Names are
// left to the dial-time check.
func (c *Client) checkLiteral(host string) error {
	if addr, err := netip.ParseAddr(host); err == nil {
		if addr.Zone() != "" {
			return fmt.Errorf("%w: zoned address %q", ErrForbiddenAddress, host)
		}
		if err := c.guard.SafeAddr(addr); err != nil {
			return fmt.Errorf("%w: %w", ErrForbiddenAddress, err)
		}
		return nil
	}
	if endsInNumber(host) {
		return fmt.Errorf("%w: %q is a non-canonical IPv4 literal", ErrForbiddenAddress, host)
	}
	return nil
}

// endsInNumber implements the WHATWG URL "ends in a number" test: a host
// whose last label is decimal digits or a 0x-prefixed hex number is an IPv4
// address to browsers and to inet_aton, never a DNS name.
func endsInNumber(host string) bool {
	labels := strings.Split(strings.TrimSuffix(host, "."), ".")
	last := strings.ToLower(labels[len(labels)-1])
	if last == "" {
		return false
	}
	if strings.HasPrefix(last, "0x") {
		return strings.Trim(last[2:], "0123456789abcdef") == ""
	}
	return strings.Trim(last, "0123456789") == ""
}

// isLoopbackLiteral reports whether host is 127.0.0.0/8 or ::1 written as
// an IP literal (IPv4-mapped forms do not count).
func isLoopbackLiteral(host string) bool {
	addr, err := netip.ParseAddr(host)
	return err == nil && addr.Zone() == "" && !addr.Is4In6() && addr.IsLoopback()
}

// redact returns u without query and user info, for error messages.
func redact(u *url.URL) string {
	r := *u
	r.User = nil
	r.RawQuery = ""
	r.ForceQuery = false
	return r.String()
}
