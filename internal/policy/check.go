package policy

import (
	"fmt"

	"github.com/authplane/authplane/internal/storage"
)

// FieldError is one problem of a rule: Field names it the way the admin API
// spells it ("effect", "idps[2]", "require.max_auth_age", "condition").
type FieldError struct {
	Field  string
	Reason string
}

// Error implements error.
func (f FieldError) Error() string {
	return f.Field + ": " + f.Reason
}

// CheckRule validates one rule as the admin API and the declarative seed
// do on write: id present, effect allow or deny, no empty values in matcher
// lists, scopes nil or a non-empty list of RFC 6749 §3.3 scope tokens,
// require only on allow rules with max_auth_age ≥ 0, and a CEL condition of
// at most MaxConditionLength bytes that compiles, has type bool and whose
// estimated worst-case cost is within opts. A CEL problem's Reason carries
// its line and column. It returns nil for a valid rule, and checks disabled
// rules too.
func CheckRule(p storage.Policy, opts Options) []FieldError {
	env, err := newEnv()
	if err != nil {
		return []FieldError{{Field: "condition", Reason: "CEL environment: " + err.Error()}}
	}
	_, fes := compileRule(env, &p, 0, opts.costLimit())
	return fes
}

// checkFields validates everything but the condition.
func checkFields(p *storage.Policy) []FieldError {
	var fes []FieldError
	if p.ID == "" {
		fes = append(fes, FieldError{Field: "id", Reason: "required"})
	}
	if p.Effect != EffectAllow && p.Effect != EffectDeny {
		fes = append(fes, FieldError{Field: "effect", Reason: fmt.Sprintf("%q is not %q or %q", p.Effect, EffectAllow, EffectDeny)})
	}
	fes = checkIDs(fes, "idps", p.IdPs)
	fes = checkIDs(fes, "clients", p.Clients)
	fes = checkIDs(fes, "resources", p.Resources)
	fes = checkIDs(fes, "groups_any", p.GroupsAny)
	fes = checkIDs(fes, "subjects", p.Subjects)
	if p.Scopes != nil && len(p.Scopes) == 0 {
		fes = append(fes, FieldError{Field: "scopes", Reason: "an empty list grants or removes nothing; omit it to mean every scope"})
	}
	for i, s := range p.Scopes {
		if !isScopeToken(s) {
			fes = append(fes, FieldError{Field: fmt.Sprintf("scopes[%d]", i), Reason: fmt.Sprintf("%q is not a scope token (RFC 6749 §3.3)", s)})
		}
	}
	if q := p.Require; q != nil {
		if p.Effect == EffectDeny {
			fes = append(fes, FieldError{Field: "require", Reason: "step-up requirements apply to allow rules only"})
		}
		if q.MaxAuthAge < 0 {
			fes = append(fes, FieldError{Field: "require.max_auth_age", Reason: fmt.Sprintf("%s is negative", q.MaxAuthAge)})
		}
		fes = checkIDs(fes, "require.amr_any", q.AMRAny)
		fes = checkIDs(fes, "require.acr_any", q.ACRAny)
	}
	return fes
}

func checkIDs(fes []FieldError, field string, ids []string) []FieldError {
	for i, id := range ids {
		if id == "" {
			fes = append(fes, FieldError{Field: fmt.Sprintf("%s[%d]", field, i), Reason: "empty value"})
		}
	}
	return fes
}

// isScopeToken reports whether s is a scope-token: 1*( %x21 / %x23-5B /
// %x5D-7E ) (RFC 6749 §3.3).
func isScopeToken(s string) bool {
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
