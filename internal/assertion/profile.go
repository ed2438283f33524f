package assertion

import (
	"fmt"
	"slices"
	"strings"
)

// readProfile copies the optional ID-JAG claims (IDP-23) into a, rejecting wrongly typed ones.
// Their values are checked by the caller (resource, scope, tenant, cnf) or by policy.
func readProfile(claims map[string]any, a *Assertion) error {
	var err error
	a.Resources, err = stringOrArray(claims, "resource", false)
	if err != nil {
		return err
	}
	if a.Scopes, err = scopeClaim(claims); err != nil {
		return err
	}
	for _, f := range [...]struct {
		name string
		dst  *string
	}{{"tenant", &a.Tenant}, {"acr", &a.ACR}, {"email", &a.Email}} {
		if *f.dst, err = optionalString(claims, f.name); err != nil {
			return err
		}
	}
	if a.AMR, err = stringArray(claims, "amr"); err != nil {
		return err
	}
	if v, ok := claims["email_verified"]; ok {
		b, isBool := v.(bool)
		if !isBool {
			return fmt.Errorf("%w: email_verified is not a boolean", ErrBadClaims)
		}
		a.EmailVerified = &b
	}
	if v, ok := claims["cnf"]; ok {
		if a.Cnf, ok = v.(map[string]any); !ok {
			return fmt.Errorf("%w: cnf is not an object", ErrBadClaims)
		}
	}
	if a.IdP.GroupsClaim != "" {
		a.Groups, err = stringOrArray(claims, a.IdP.GroupsClaim, true)
	}
	return err
}

// optionalString returns a string claim, "" when absent.
func optionalString(claims map[string]any, name string) (string, error) {
	v, ok := claims[name]
	if !ok {
		return "", nil
	}
	s, ok := v.(string)
	if !ok {
		return "", fmt.Errorf("%w: %s is not a string", ErrBadClaims, name)
	}
	return s, nil
}

// stringOrArray reads a claim that is a string or an array of strings, nil when absent. Unless
// allowEmpty, the array must be non-empty and no value may be the empty string.
func stringOrArray(claims map[string]any, name string, allowEmpty bool) ([]string, error) {
	v, ok := claims[name]
	if !ok {
		return nil, nil
	}
	var out []string
	switch t := v.(type) {
	case string:
		out = []string{t}
	case []any:
		out = make([]string, 0, len(t))
		for _, e := range t {
			s, ok := e.(string)
			if !ok {
				return nil, fmt.Errorf("%w: %s contains a non-string", ErrBadClaims, name)
			}
			out = append(out, s)
		}
	default:
		return nil, fmt.Errorf("%w: %s is neither a string nor an array of strings", ErrBadClaims, name)
	}
	if !allowEmpty && (len(out) == 0 || slices.Contains(out, "")) {
		return nil, fmt.Errorf("%w: %s is empty or has an empty value", ErrBadClaims, name)
	}
	return out, nil
}

// stringArray reads a claim that must be an array of strings, nil when absent.
func stringArray(claims map[string]any, name string) ([]string, error) {
	if v, ok := claims[name]; ok {
		if _, isArray := v.([]any); !isArray {
			return nil, fmt.Errorf("%w: %s is not an array", ErrBadClaims, name)
		}
	}
	return stringOrArray(claims, name, true)
}

// scopeClaim splits the scope claim into scope tokens, nil when absent. The claim must follow the
// RFC 6749 §3.3 grammar: tokens of %x21 / %x23-5B / %x5D-7E separated by single spaces.
func scopeClaim(claims map[string]any) ([]string, error) {
	s, err := optionalString(claims, "scope")
	if err != nil {
		return nil, err
	}
	if _, ok := claims["scope"]; !ok {
		return nil, nil
	}
	scopes := strings.Split(s, " ")
	for _, sc := range scopes {
		if !validScopeToken(sc) {
			return nil, fmt.Errorf("%w: scope does not follow RFC 6749 §3.3", ErrBadClaims)
		}
	}
	return scopes, nil
}

func validScopeToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x21 || c == 0x22 || c == 0x5C || c > 0x7E {
			return false
		}
	}
	return true
}
