package idprole

import (
	"slices"
	"strings"
)

// validScope reports whether s is an RFC 6749 §3.3 scope: scope tokens of
// %x21 / %x23-5B / %x5D-7E separated by single spaces.
func validScope(s string) bool {
	if s == "" {
		return false
	}
	for _, t := range strings.Split(s, " ") {
		if !validScopeToken(t) {
			return false
		}
	}
	return true
}

func validScopeToken(t string) bool {
	if t == "" {
		return false
	}
	for i := 0; i < len(t); i++ {
		if c := t[i]; c < 0x21 || c == '"' || c == '\\' || c > 0x7e {
			return false
		}
	}
	return true
}

// dedupe returns the distinct values of l in first-seen order.
func dedupe(l []string) []string {
	out := make([]string, 0, len(l))
	for _, v := range l {
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}
