package policy

import "fmt"

// outcome is how one rule relates to an input.
type outcome uint8

const (
	noMatch outcome = iota
	matched
	// needsStepUp: an allow rule matched on everything but its require.
	needsStepUp
)

// evalRule evaluates r against in. With tr nil it stops at the first failed
// matcher (Decide); with tr set it evaluates every matcher and records each
// failure (Explain). The outcome is the same either way.
func evalRule(r *rule, in *Input, tr *RuleTrace) outcome {
	ok := evalMatchers(r, in, tr)
	if !ok && tr == nil {
		return noMatch
	}
	if r.cond != nil {
		ok = evalRuleCondition(r, in, tr) && ok
		if !ok && tr == nil {
			return noMatch
		}
	}
	if !ok {
		if r.require != nil {
			// Explain: record require failures too, for the full picture.
			r.require.satisfied(in, tr)
		}
		return noMatch
	}
	if r.require != nil && !r.require.satisfied(in, tr) {
		return needsStepUp
	}
	return matched
}

// evalMatchers checks the exact-value matchers and groups_any.
func evalMatchers(r *rule, in *Input, tr *RuleTrace) bool {
	checks := [...]struct {
		field string
		m     *matcher
		v     string
	}{
		{"idps", &r.idps, in.IdPID},
		{"clients", &r.clients, in.ClientID},
		{"resources", &r.resources, in.ResourceID},
		{"subjects", &r.subjects, in.Subject},
	}
	ok := true
	for i := range checks {
		c := &checks[i]
		if c.m.has(c.v) {
			continue
		}
		if tr == nil {
			return false
		}
		ok = false
		tr.fail(c.field, notInReason(c.v, c.m.vals))
	}
	if !r.groups.hasAny(in.Groups) {
		if tr == nil {
			return false
		}
		ok = false
		tr.fail("groups_any", fmt.Sprintf("none of %v in %v", r.groups.vals, nonNil(in.Groups)))
	}
	return ok
}

// evalRuleCondition evaluates r's condition. An evaluation error fails
// closed: an allow rule does not match, a deny rule does.
func evalRuleCondition(r *rule, in *Input, tr *RuleTrace) bool {
	res, err := evalCondition(r.cond, activation{in: in})
	switch {
	case err != nil:
		if tr != nil {
			tr.ConditionError = err.Error()
			if !r.deny {
				tr.Failures = append(tr.Failures, "condition error: "+err.Error())
			}
		}
		return r.deny
	case !res:
		if tr != nil {
			tr.Failures = append(tr.Failures, "condition: false")
		}
		return false
	}
	return true
}

// satisfied reports whether in's authentication context meets q. A
// max_auth_age needs both an auth_time and an evaluation time.
func (q *requirement) satisfied(in *Input, tr *RuleTrace) bool {
	ok := true
	if !q.amr.hasAny(in.AMR) {
		if tr == nil {
			return false
		}
		ok = false
		tr.fail("require.amr_any", fmt.Sprintf("%v lacks any of %v", nonNil(in.AMR), q.amr.vals))
	}
	if !q.acr.has(in.ACR) {
		if tr == nil {
			return false
		}
		ok = false
		tr.fail("require.acr_any", notInReason(in.ACR, q.acr.vals))
	}
	if q.maxAge > 0 {
		var why string
		switch {
		case in.AuthTime == nil:
			why = "auth_time absent"
		case in.Now.IsZero():
			why = "no evaluation time"
		case in.Now.Sub(*in.AuthTime) > q.maxAge:
			why = fmt.Sprintf("authenticated %s ago, more than %s", in.Now.Sub(*in.AuthTime), q.maxAge)
		}
		if why != "" {
			if tr == nil {
				return false
			}
			ok = false
			tr.fail("require.max_auth_age", why)
		}
	}
	return ok
}

func notInReason(v string, vals []string) string {
	if len(vals) == 0 {
		return "empty list matches nothing"
	}
	return fmt.Sprintf("%q not in %v", v, vals)
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
