package policy

import "slices"

// tally collects the rules that matched one input.
type tally struct {
	allow, deny, stepUp []*rule
}

// add returns t with r filed under o. It works on a copy so that the
// slices' stack arrays in decide do not escape.
func (t tally) add(r *rule, o outcome) tally {
	switch {
	case o == matched && r.deny:
		t.deny = append(t.deny, r)
	case o == matched:
		t.allow = append(t.allow, r)
	case o == needsStepUp:
		t.stepUp = append(t.stepUp, r)
	}
	return t
}

// decide is the one evaluation behind Decide and Explain. With traces nil it
// evaluates only the rules indexed under the input's IdP and resource; with
// traces set it evaluates every rule and appends one trace per rule. Rules
// outside the index candidates fail the idps or resources matcher, so both
// reach the same decision.
func (e *Engine) decide(in *Input, traces *[]RuleTrace) Decision {
	// Typical decisions match few rules: start on stack arrays.
	var bufA, bufD, bufS [8]*rule
	t := tally{allow: bufA[:0], deny: bufD[:0], stepUp: bufS[:0]}
	if traces == nil {
		c := e.index.candidates(in.IdPID, in.ResourceID)
		for r := c.next(); r != nil; r = c.next() {
			t = t.add(r, evalRule(r, in, nil))
		}
	} else {
		for _, r := range e.rules {
			tr := RuleTrace{ID: r.id, Effect: effectName(r.deny), Disabled: r.disabled}
			if !r.disabled {
				o := evalRule(r, in, &tr)
				tr.Matched, tr.StepUp = o == matched, o == needsStepUp
				t = t.add(r, o)
			}
			*traces = append(*traces, tr)
		}
	}
	return t.decision(in)
}

// decision applies DESIGN.md §5 to the tally.
func (t *tally) decision(in *Input) Decision {
	d := Decision{MatchedAllow: ruleIDs(t.allow), MatchedDeny: ruleIDs(t.deny)}
	for _, s := range in.Requested {
		if !slices.Contains(in.AssertionScopes, s) {
			d.Reason = ReasonInvalidScope
			return d
		}
	}
	// Requested ⊆ assertion here, so base ∩ assertion = base.
	base := in.Requested
	if base == nil {
		base = in.AssertionScopes
	}
	var granted []string
	for _, s := range base {
		if grants(t.allow, s) && !grants(t.deny, s) {
			granted = append(granted, s)
		}
	}
	if len(granted) > 0 {
		slices.Sort(granted)
		d.Allowed, d.Granted = true, slices.Compact(granted)
		return d
	}
	if r := t.stepUpFor(base); r != nil {
		su := r.require.stepUp
		d.Reason, d.StepUp = ReasonStepUpRequired, &su
		return d
	}
	switch {
	case t.removedByDeny(base):
		d.Reason = ReasonDeniedByRule
	case len(t.allow) == 0:
		d.Reason = ReasonNoMatchingRule
	default:
		d.Reason = ReasonEmptyGrant
	}
	return d
}

// removedByDeny reports whether a matching allow rule, or a rule that only
// lacks step-up, lists a scope of base. Called once nothing is granted and
// no step-up would help, that means deny rules removed it.
func (t *tally) removedByDeny(base []string) bool {
	for _, s := range base {
		if grants(t.allow, s) || grants(t.stepUp, s) {
			return true
		}
	}
	return false
}

// stepUpFor returns the first rule, in policy order, that matched all but
// its require block and whose satisfaction would grant a scope of base that
// no matching deny rule removes; nil if none would.
func (t *tally) stepUpFor(base []string) *rule {
	for _, r := range t.stepUp {
		for _, s := range base {
			if r.scopes.has(s) && !grants(t.deny, s) {
				return r
			}
		}
	}
	return nil
}

// grants reports whether any of rules lists scope s (nil scopes: all).
func grants(rules []*rule, s string) bool {
	for _, r := range rules {
		if r.scopes.has(s) {
			return true
		}
	}
	return false
}

func ruleIDs(rules []*rule) []string {
	if len(rules) == 0 {
		return nil
	}
	ids := make([]string, len(rules))
	for i, r := range rules {
		ids[i] = r.id
	}
	return ids
}

func effectName(deny bool) string {
	if deny {
		return EffectDeny
	}
	return EffectAllow
}
