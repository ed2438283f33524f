package policy

// Explanation is a Decision together with the evaluation of every rule, for
// the admin dry run (POST /admin/v1/policies/explain) and `policy explain`.
type Explanation struct {
	Decision Decision
	// Rules has one entry per rule, in policy order, disabled rules included.
	Rules []RuleTrace
}

// RuleTrace is how one rule fared.
type RuleTrace struct {
	ID     string `json:"id"`
	Effect string `json:"effect"`
	// Disabled rules are not evaluated.
	Disabled bool `json:"disabled,omitempty"`
	// Matched: every matcher, the condition and the require block held (a
	// deny rule also matches when its condition fails to evaluate).
	Matched bool `json:"matched"`
	// StepUp: an allow rule that matched on everything but require.
	StepUp bool `json:"step_up,omitempty"`
	// Failures lists every failed matcher and why, e.g.
	// "groups_any: none of [sales] in [engineering admins]",
	// "require.amr_any: [pwd] lacks any of [mfa]", "condition: false".
	Failures []string `json:"failures,omitempty"`
	// ConditionError is the condition's evaluation error, if any: an allow
	// rule then does not match and a deny rule does (fail closed).
	ConditionError string `json:"condition_error,omitempty"`
}

func (tr *RuleTrace) fail(field, why string) {
	tr.Failures = append(tr.Failures, field+": "+why)
}

// Explain evaluates in exactly as Decide does, over every rule rather than
// the indexed candidates, and records why each rule matched or not.
func (e *Engine) Explain(in Input) Explanation {
	x := Explanation{Rules: make([]RuleTrace, 0, len(e.rules))}
	x.Decision = e.decide(&in, &x.Rules)
	return x
}
