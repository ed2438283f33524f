package policy

import (
	"slices"
	"time"

	"cel.dev/cel-go/cel"

	"github.com/authplane/authplane/internal/storage"
)

// rule is one compiled storage.Policy.
type rule struct {
	id string
	// index is the rule's position in policy order.
	index    int
	deny     bool
	disabled bool

	idps, clients, resources, subjects, groups matcher
	require                                    *requirement
	// scopes: what an allow rule grants or a deny rule removes; a matcher
	// that matches anything stands for "every scope".
	scopes matcher
	// cond is nil when the rule has no condition.
	cond cel.Program
}

// requirement is a compiled storage.Requirement.
type requirement struct {
	amr, acr matcher
	maxAge   time.Duration
	// stepUp is what Decision.StepUp reports for this rule.
	stepUp StepUp
}

// compileRule validates p and compiles it; env declares the CEL variables.
func compileRule(env *cel.Env, p *storage.Policy, index int, costLimit uint64) (*rule, []FieldError) {
	fes := checkFields(p)
	prg, cfes := compileCondition(env, p.Condition, costLimit)
	fes = append(fes, cfes...)
	if len(fes) > 0 {
		return nil, fes
	}
	r := &rule{
		id:        p.ID,
		index:     index,
		deny:      p.Effect == EffectDeny,
		idps:      newMatcher(p.IdPs),
		clients:   newMatcher(p.Clients),
		resources: newMatcher(p.Resources),
		subjects:  newMatcher(p.Subjects),
		groups:    newMatcher(p.GroupsAny),
		scopes:    newMatcher(p.Scopes),
		cond:      prg,
	}
	if q := p.Require; q != nil {
		r.require = &requirement{
			amr:    newMatcher(q.AMRAny),
			acr:    newMatcher(q.ACRAny),
			maxAge: q.MaxAuthAge,
			stepUp: StepUp{
				RuleID:     p.ID,
				AMRAny:     slices.Clone(q.AMRAny),
				ACRAny:     slices.Clone(q.ACRAny),
				MaxAuthAge: q.MaxAuthAge,
			},
		}
	}
	return r, nil
}

// setThreshold is the list length from which a matcher looks values up in a
// map rather than scanning.
const setThreshold = 8

// matcher is a compiled matcher list: nil matches anything, empty matches
// nothing (the storage convention, DESIGN.md §5).
type matcher struct {
	anyValue bool
	vals     []string
	set      map[string]struct{}
}

func newMatcher(vals []string) matcher {
	if vals == nil {
		return matcher{anyValue: true}
	}
	m := matcher{vals: slices.Clone(vals)}
	if len(vals) > setThreshold {
		m.set = make(map[string]struct{}, len(vals))
		for _, v := range vals {
			m.set[v] = struct{}{}
		}
	}
	return m
}

// has reports whether v matches.
func (m *matcher) has(v string) bool {
	if m.anyValue {
		return true
	}
	if m.set != nil {
		_, ok := m.set[v]
		return ok
	}
	for _, x := range m.vals {
		if x == v {
			return true
		}
	}
	return false
}

// hasAny reports whether any of vs matches.
func (m *matcher) hasAny(vs []string) bool {
	if m.anyValue {
		return true
	}
	for _, v := range vs {
		if m.has(v) {
			return true
		}
	}
	return false
}
