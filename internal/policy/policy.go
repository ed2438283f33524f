package policy

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"cel.dev/cel-go/cel"

	"github.com/authplane/authplane/internal/storage"
)

// Reasons a Decision denies with. They are stable: the grant handler maps
// them to OAuth errors and they label the audit record and the denial metric.
const (
	// ReasonNoMatchingRule: no allow rule matched (default deny).
	ReasonNoMatchingRule = "no_matching_rule"
	// ReasonDeniedByRule: allow rules granted scopes, deny rules removed all
	// of them.
	ReasonDeniedByRule = "denied_by_rule"
	// ReasonEmptyGrant: allow rules matched but none of them grants any of
	// the requested scopes (or the base set was empty).
	ReasonEmptyGrant = "empty_grant"
	// ReasonStepUpRequired: nothing was granted, but satisfying the require
	// block of a matching allow rule would grant something (IDJAG §8.2).
	ReasonStepUpRequired = "step_up_required"
	// ReasonInvalidScope: a requested scope is outside the assertion's scope
	// claim (RAS-26, SPEC B.9 item 2).
	ReasonInvalidScope = "invalid_scope"
)

// Rule effects.
const (
	EffectAllow = "allow"
	EffectDeny  = "deny"
)

// DefaultMaxConditionCost is the CEL cost bound used when
// Options.MaxConditionCost is zero. It admits a comprehension over one
// claim list of any size an assertion can carry, and rejects nested ones.
const DefaultMaxConditionCost = 1_000_000

// Options tune compilation.
type Options struct {
	// MaxConditionCost bounds a condition's CEL cost: a condition whose
	// estimated worst-case cost exceeds it is rejected at compile time, and
	// an evaluation that exceeds it at run time aborts with an error (which
	// fails closed). Zero means DefaultMaxConditionCost.
	MaxConditionCost uint64
}

func (o Options) costLimit() uint64 {
	if o.MaxConditionCost == 0 {
		return DefaultMaxConditionCost
	}
	return o.MaxConditionCost
}

// Input is everything a decision depends on: the verified ID-JAG, the
// token request and the evaluation time. Decide never modifies it.
type Input struct {
	// IdPID is the id of the trusted IdP that issued the assertion.
	IdPID string
	// ClientID is the authenticated local client id.
	ClientID string
	// ResourceID is the id of the registered resource (the value rules list
	// in Resources), not its URI.
	ResourceID string
	// Subject is the mapped local subject; rules' Subjects compare with it.
	Subject string
	// ExternalSubject is the IdP's own sub claim, for Explain and audit.
	ExternalSubject string
	// Groups are the values of the IdP's groups claim.
	Groups []string
	// AMR, ACR and AuthTime are the assertion's authentication context; a
	// nil AuthTime means the claim is absent.
	AMR      []string
	ACR      string
	AuthTime *time.Time
	// Requested are the scopes of the token request; nil means none were
	// requested, so the assertion's scopes are the base set.
	Requested []string
	// AssertionScopes is the assertion's scope claim; nil means the claim is
	// absent, which grants no scope (treated as the empty set).
	AssertionScopes []string
	// Claims are the verified ID-JAG claims (CEL variable claims).
	Claims map[string]any
	// Request holds request parameters for CEL (variable request), e.g.
	// {"resource": ..., "scope": ...}.
	Request map[string]any
	// Now is the evaluation time for require.max_auth_age.
	Now time.Time
}

// StepUp names the authentication that would satisfy the require block of
// the first allow rule whose satisfaction would grant a requested scope; it
// feeds the insufficient_user_authentication response (IDJAG §8.2,
// RFC 9470 acr_values / max_age).
type StepUp struct {
	RuleID string `json:"rule_id"`
	// AMRAny: authenticate with at least one of these methods (nil: any).
	AMRAny []string `json:"amr_any,omitempty"`
	// ACRAny: authenticate at one of these levels (nil: any).
	ACRAny []string `json:"acr_any,omitempty"`
	// MaxAuthAge: authenticate at most this long ago (zero: unbounded).
	MaxAuthAge time.Duration `json:"-"`
}

// MarshalJSON writes MaxAuthAge in seconds as max_age (RFC 9470).
func (s StepUp) MarshalJSON() ([]byte, error) {
	type plain StepUp
	return json.Marshal(struct {
		plain
		MaxAge int64 `json:"max_age,omitempty"`
	}{plain(s), int64(s.MaxAuthAge / time.Second)})
}

// Decision is the outcome of one evaluation.
type Decision struct {
	Allowed bool
	// Granted is the sorted, de-duplicated set of granted scopes; nil when
	// denied.
	Granted []string
	// Reason is "" when allowed, else one of the Reason* constants.
	Reason string
	// MatchedAllow and MatchedDeny are the ids of the allow and deny rules
	// that matched, in policy order.
	MatchedAllow []string
	MatchedDeny  []string
	// StepUp is set when Reason is ReasonStepUpRequired.
	StepUp *StepUp
}

// Engine is a compiled, immutable policy. It is safe for concurrent use.
type Engine struct {
	rules []*rule
	index index
}

// RuleError reports every problem of one rule that failed to compile.
type RuleError struct {
	RuleID string
	Errors []FieldError
}

// Error implements error.
func (e *RuleError) Error() string {
	parts := make([]string, len(e.Errors))
	for i, f := range e.Errors {
		parts[i] = f.Error()
	}
	return fmt.Sprintf("policy rule %q: %s", e.RuleID, strings.Join(parts, "; "))
}

// Compile validates and compiles rules, in policy order, into an Engine.
// Disabled rules are neither validated nor evaluated (Explain lists them).
// It returns every rule's problems at once, joined *RuleError values, and
// no Engine if there is any: a caller keeps its previous Engine.
func Compile(rules []storage.Policy, opts Options) (*Engine, error) {
	env, err := newEnv()
	if err != nil {
		return nil, fmt.Errorf("policy: CEL environment: %w", err)
	}
	e := &Engine{rules: make([]*rule, 0, len(rules))}
	var errs []error
	seen := make(map[string]bool, len(rules))
	for i := range rules {
		p := &rules[i]
		if seen[p.ID] {
			errs = append(errs, &RuleError{RuleID: p.ID, Errors: []FieldError{{Field: "id", Reason: "duplicate rule id"}}})
			continue
		}
		seen[p.ID] = true
		if !p.Enabled {
			e.rules = append(e.rules, &rule{id: p.ID, index: i, deny: p.Effect == EffectDeny, disabled: true})
			continue
		}
		r, fes := compileRule(env, p, i, opts.costLimit())
		if len(fes) > 0 {
			errs = append(errs, &RuleError{RuleID: p.ID, Errors: fes})
			continue
		}
		e.rules = append(e.rules, r)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	e.index = buildIndex(e.rules)
	return e, nil
}

// Decide evaluates the policy for in (DESIGN.md §5; the package doc states
// the semantics). It is pure and touches only the rules indexed under the
// input's IdP and resource.
func (e *Engine) Decide(in Input) Decision {
	return e.decide(&in, nil)
}

// newEnv declares the CEL variables conditions may use.
func newEnv() (*cel.Env, error) {
	return cel.NewEnv(
		cel.Variable("claims", cel.MapType(cel.StringType, cel.DynType)),
		cel.Variable("request", cel.MapType(cel.StringType, cel.DynType)),
		cel.Variable("subject", cel.StringType),
		cel.Variable("groups", cel.ListType(cel.StringType)),
		cel.Variable("client_id", cel.StringType),
		cel.Variable("idp_id", cel.StringType),
		cel.Variable("resource", cel.StringType),
	)
}
