package grant

import (
	"net/url"
	"slices"
	"strings"

	"github.com/authplane/authplane/internal/oauth"
)

// ParseScope splits a scope parameter (RFC 6749 §3.3) into its sorted,
// de-duplicated scope-tokens; "" gives nil (nothing requested). A token with
// a character outside %x21 / %x23-5B / %x5D-7E is invalid_scope.
func ParseScope(s string) ([]string, error) {
	if s == "" {
		return nil, nil
	}
	var out []string
	for _, tok := range strings.Split(s, " ") {
		if tok == "" {
			continue
		}
		if !IsScopeToken(tok) {
			return nil, oauth.InvalidScope("malformed_scope")
		}
		out = append(out, tok)
	}
	if out == nil {
		return nil, oauth.InvalidScope("malformed_scope")
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// IsScopeToken reports whether s is an RFC 6749 §3.3 scope-token.
func IsScopeToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x21 || c == 0x22 || c == 0x5c || c > 0x7e {
			return false
		}
	}
	return true
}

// validResourceParam: an absolute URI without a fragment (RFC 8707 §2,
// SPEC B.2 row 25).
func validResourceParam(s string) bool {
	u, err := url.Parse(s)
	return err == nil && u.IsAbs() && u.Host != "" && u.Fragment == "" && !strings.Contains(s, "#")
}
