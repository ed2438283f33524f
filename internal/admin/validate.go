package admin

import (
	"fmt"
	"net"
	"net/url"
	"strings"
	"unicode"
)

// Length limits of free-form fields.
const (
	maxIDLen    = 128
	maxNameLen  = 200
	maxTextLen  = 1024
	maxURLLen   = 2048
	maxValueLen = 255
	maxListLen  = 1000
)

// problems collects validation problems.
type problems []FieldError

// add records one problem.
func (p *problems) add(field, reason string) {
	*p = append(*p, FieldError{Field: field, Reason: reason})
}

// addf records one problem with a formatted reason.
func (p *problems) addf(field, format string, args ...any) {
	p.add(field, fmt.Sprintf(format, args...))
}

// err returns the problems as a *ValidationError, or nil if there are none.
func (p problems) err() error {
	if len(p) == 0 {
		return nil
	}
	return &ValidationError{Errors: p}
}

// prefixed returns errs with prefix prepended to every field path.
func prefixed(prefix string, errs []FieldError) []FieldError {
	out := make([]FieldError, len(errs))
	for i, e := range errs {
		out[i] = FieldError{Field: prefix + "." + e.Field, Reason: e.Reason}
	}
	return out
}

// checkID validates an object id: 1-128 characters of [A-Za-z0-9._:~/-].
func (p *problems) checkID(field, id string) {
	switch {
	case id == "":
		p.add(field, "is required")
	case len(id) > maxIDLen:
		p.addf(field, "must be at most %d characters", maxIDLen)
	case strings.IndexFunc(id, func(r rune) bool { return !idChar(r) }) >= 0:
		p.add(field, "may contain only letters, digits and . _ : ~ / -")
	}
}

// idChar reports whether r may appear in an id.
func idChar(r rune) bool {
	return r < unicode.MaxASCII && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' ||
		strings.ContainsRune("._:~/-", r))
}

// checkText validates an optional free-form string: at most max characters,
// no control characters.
func (p *problems) checkText(field, s string, max int) {
	if len(s) > max {
		p.addf(field, "must be at most %d characters", max)
	} else if strings.IndexFunc(s, unicode.IsControl) >= 0 {
		p.add(field, "must not contain control characters")
	}
}

// checkValue validates a required identifier-like string (subjects, group
// names, claim values): 1-255 characters, no control characters.
func (p *problems) checkValue(field, s string) {
	if s == "" {
		p.add(field, "must not be empty")
		return
	}
	p.checkText(field, s, maxValueLen)
}

// checkList validates a list: at most maxListLen entries, no duplicates, and
// each entry through check (which returns a reason or "").
func (p *problems) checkList(field string, list []string, check func(string) string) {
	if len(list) > maxListLen {
		p.addf(field, "must have at most %d entries", maxListLen)
		return
	}
	seen := make(map[string]bool, len(list))
	for i, v := range list {
		f := fmt.Sprintf("%s[%d]", field, i)
		if seen[v] {
			p.addf(f, "duplicates %q", v)
			continue
		}
		seen[v] = true
		if reason := check(v); reason != "" {
			p.add(f, reason)
		}
	}
}

// valueReason is checkValue as a list-entry check.
func valueReason(s string) string {
	var p problems
	p.checkValue("", s)
	if len(p) > 0 {
		return p[0].Reason
	}
	return ""
}

// idReason is checkID as a list-entry check.
func idReason(s string) string {
	var p problems
	p.checkID("", s)
	if len(p) > 0 {
		return p[0].Reason
	}
	return ""
}

// scopeReason checks an RFC 6749 §3.3 scope-token:
// 1*( %x21 / %x23-5B / %x5D-7E ).
func scopeReason(s string) string {
	if s == "" {
		return "must not be empty"
	}
	if len(s) > maxValueLen {
		return fmt.Sprintf("must be at most %d characters", maxValueLen)
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x21 || c == 0x22 || c == 0x5C || c > 0x7E {
			return "must be an RFC 6749 scope token (printable ASCII without space, \" or \\)"
		}
	}
	return ""
}

// urlReason checks an absolute URL that AuthPlane compares or fetches:
// https (http only for a loopback host when httpLoopback), a host, no
// userinfo, query or fragment. It returns "" when raw is acceptable.
func urlReason(raw string, httpLoopback bool) string {
	if len(raw) > maxURLLen {
		return fmt.Sprintf("must be at most %d characters", maxURLLen)
	}
	if strings.IndexFunc(raw, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0 {
		return "must not contain spaces or control characters"
	}
	u, err := url.Parse(raw)
	if err != nil || !u.IsAbs() || u.Opaque != "" {
		return "must be an absolute URL"
	}
	switch {
	case u.Hostname() == "":
		return "must have a host"
	case u.User != nil:
		return "must not contain userinfo"
	case u.RawQuery != "" || u.ForceQuery || strings.Contains(raw, "#"):
		return "must not contain a query or fragment"
	case strings.HasPrefix(raw, "https://"):
		return ""
	case strings.HasPrefix(raw, "http://") && httpLoopback && isLoopback(u.Hostname()):
		return ""
	case httpLoopback:
		return "must be an https URL (http only for a loopback host)"
	default:
		return "must be an absolute https URL"
	}
}

// isLoopback reports whether host is localhost or a loopback IP literal.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// hostReason checks an allowed_hosts entry: a host name or IP literal with
// an optional port, nothing else.
func hostReason(h string) string {
	u, err := url.Parse("https://" + h)
	if h == "" || err != nil || u.Host != h || u.Hostname() == "" || u.User != nil || u.Path != "" ||
		u.RawQuery != "" || u.Fragment != "" {
		return "must be a host name or IP address, optionally with a port"
	}
	return ""
}

// domainReason checks an email domain: a lowercase DNS name.
func domainReason(d string) string {
	if d == "" || len(d) > 253 {
		return "must be a domain name of 1-253 characters"
	}
	for _, label := range strings.Split(d, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return "must be a lowercase domain name such as example.com"
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
				return "must be a lowercase domain name such as example.com"
			}
		}
	}
	return ""
}

// oneOf returns a check accepting only the given values.
func oneOf(values ...string) func(string) string {
	return func(s string) string {
		for _, v := range values {
			if s == v {
				return ""
			}
		}
		return "must be one of " + strings.Join(values, ", ")
	}
}
