package policy

import (
	"fmt"
	"math/rand"
	"reflect"
	"slices"
	"testing"
	"testing/quick"
	"time"

	"github.com/authplane/authplane/internal/storage"
)

// scenario is a random policy, a random input and one more deny and allow
// rule, drawn from small alphabets so that rules often match.
type scenario struct {
	rules      []storage.Policy
	in         Input
	extraDeny  storage.Policy
	extraAllow storage.Policy
}

var (
	alphaIdPs    = []string{"okta", "entra", "ping"}
	alphaClients = []string{"agent", "bot"}
	alphaRes     = []string{"crm", "wiki"}
	alphaSubs    = []string{"s1", "s2"}
	alphaGroups  = []string{"g1", "g2", "g3"}
	alphaScopes  = []string{"read", "write", "delete", "admin"}
	alphaAMR     = []string{"pwd", "mfa"}
	alphaACR     = []string{"bronze", "gold"}
	alphaConds   = []string{"", "", "", "", "", "", `claims.dept == "eng"`, `claims.missing == 1`, `"g1" in groups`, `false`}
)

// pick returns a random subset of alpha; with nilOK it may return nil
// (anything), and it returns the empty list (nothing) only with emptyOK.
func pick(r *rand.Rand, alpha []string, nilOK, emptyOK bool) []string {
	switch n := r.Intn(12); {
	case nilOK && n < 8:
		return nil
	case emptyOK && n == 8:
		return []string{}
	}
	out := []string{alpha[r.Intn(len(alpha))]}
	for _, v := range alpha {
		if r.Intn(3) == 0 && !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}

func genRule(r *rand.Rand, id string, effect string) storage.Policy {
	p := storage.Policy{
		ID: id, Effect: effect, Enabled: r.Intn(10) != 0,
		IdPs:      pick(r, alphaIdPs, true, true),
		Clients:   pick(r, alphaClients, true, true),
		Resources: pick(r, alphaRes, true, true),
		Subjects:  pick(r, alphaSubs, true, true),
		GroupsAny: pick(r, alphaGroups, true, true),
		Scopes:    pick(r, alphaScopes, true, false),
		Condition: alphaConds[r.Intn(len(alphaConds))],
	}
	if effect == EffectAllow && r.Intn(4) == 0 {
		p.Require = &storage.Requirement{
			AMRAny:     pick(r, alphaAMR, true, false),
			ACRAny:     pick(r, alphaACR, true, false),
			MaxAuthAge: time.Duration(r.Intn(3)) * 7 * time.Minute,
		}
	}
	return p
}

func genEffect(r *rand.Rand) string {
	if r.Intn(3) == 0 {
		return EffectDeny
	}
	return EffectAllow
}

func genInput(r *rand.Rand) Input {
	in := Input{
		IdPID: alphaIdPs[r.Intn(len(alphaIdPs))], ClientID: alphaClients[r.Intn(len(alphaClients))],
		ResourceID: alphaRes[r.Intn(len(alphaRes))], Subject: alphaSubs[r.Intn(len(alphaSubs))],
		Groups: pick(r, alphaGroups, r.Intn(6) == 0, false), AMR: pick(r, alphaAMR, r.Intn(6) == 0, false),
		ACR: alphaACR[r.Intn(len(alphaACR))], Now: t0,
		AssertionScopes: pick(r, alphaScopes, r.Intn(5) == 0, true),
		Claims:          map[string]any{"dept": []string{"eng", "sales"}[r.Intn(2)]},
	}
	if r.Intn(3) != 0 {
		in.Requested = pick(r, append(slices.Clone(alphaScopes), "extra"), false, true)
		if r.Intn(4) != 0 { // usually stay within the assertion
			in.Requested = slices.DeleteFunc(in.Requested, func(s string) bool { return !slices.Contains(in.AssertionScopes, s) })
		}
	}
	if r.Intn(4) != 0 {
		at := t0.Add(-time.Duration(r.Intn(20)) * time.Minute)
		in.AuthTime = &at
	}
	return in
}

// Generate implements quick.Generator.
func (scenario) Generate(r *rand.Rand, _ int) reflect.Value {
	s := scenario{in: genInput(r)}
	for i := range r.Intn(12) {
		s.rules = append(s.rules, genRule(r, fmt.Sprintf("r%d", i), genEffect(r)))
	}
	s.extraDeny = genRule(r, "extra-deny", EffectDeny)
	s.extraDeny.Enabled = true
	s.extraAllow = genRule(r, "extra-allow", EffectAllow)
	s.extraAllow.Enabled = true
	return reflect.ValueOf(s)
}

func decideWith(t *testing.T, rules []storage.Policy, in Input) (Decision, map[string]storage.Policy) {
	t.Helper()
	e := mustCompile(t, rules, Options{})
	byID := make(map[string]storage.Policy, len(rules))
	for _, p := range rules {
		byID[p.ID] = p
	}
	return e.Decide(in), byID
}

// listed reports whether s is in the scopes of any of the named rules (nil
// scopes: every scope).
func listed(s string, ids []string, byID map[string]storage.Policy) bool {
	for _, id := range ids {
		if sc := byID[id].Scopes; sc == nil || slices.Contains(sc, s) {
			return true
		}
	}
	return false
}

var quickCfg = &quick.Config{MaxCount: 500, Rand: rand.New(rand.NewSource(1))}

// TestRAS06_GrantNeverExceedsItsBounds: the grant stays within the request,
// the assertion's scope and the matching allow rules, and outside the
// matching deny rules (RAS-06: narrowed, never widened).
func TestRAS06_GrantNeverExceedsItsBounds(t *testing.T) {
	prop := func(s scenario) bool {
		d, byID := decideWith(t, s.rules, s.in)
		if d.Allowed != (len(d.Granted) > 0) || d.Allowed != (d.Reason == "") {
			t.Logf("inconsistent decision %+v", d)
			return false
		}
		for _, g := range d.Granted {
			if (s.in.Requested != nil && !slices.Contains(s.in.Requested, g)) || !slices.Contains(s.in.AssertionScopes, g) ||
				!listed(g, d.MatchedAllow, byID) || listed(g, d.MatchedDeny, byID) {
				t.Logf("scope %q out of bounds: input %+v decision %+v", g, s.in, d)
				return false
			}
		}
		return slices.IsSorted(d.Granted)
	}
	if err := quick.Check(prop, quickCfg); err != nil {
		t.Error(err)
	}
}

// TestAddingARuleIsMonotonic: adding a deny rule never widens a grant (nor
// turns a denial into a grant); adding an allow rule never narrows one.
func TestAddingARuleIsMonotonic(t *testing.T) {
	prop := func(s scenario) bool {
		before, _ := decideWith(t, s.rules, s.in)
		withDeny, _ := decideWith(t, append(slices.Clone(s.rules), s.extraDeny), s.in)
		withAllow, _ := decideWith(t, append(slices.Clone(s.rules), s.extraAllow), s.in)
		if !subset(withDeny.Granted, before.Granted) || (withDeny.Allowed && !before.Allowed) {
			t.Logf("deny %+v widened %v to %v", s.extraDeny, before.Granted, withDeny.Granted)
			return false
		}
		if !subset(before.Granted, withAllow.Granted) {
			t.Logf("allow %+v narrowed %v to %v", s.extraAllow, before.Granted, withAllow.Granted)
			return false
		}
		return true
	}
	if err := quick.Check(prop, quickCfg); err != nil {
		t.Error(err)
	}
}

// TestIndexedDecideEqualsExplain: Decide looks only at indexed candidates,
// Explain at every rule; both must decide alike.
func TestIndexedDecideEqualsExplain(t *testing.T) {
	prop := func(s scenario) bool {
		e := mustCompile(t, s.rules, Options{})
		d, x := e.Decide(s.in), e.Explain(s.in)
		if !decisionsEqual(d, x.Decision) || len(x.Rules) != len(s.rules) {
			t.Logf("Decide %+v, Explain %+v", d, x.Decision)
			return false
		}
		return true
	}
	if err := quick.Check(prop, quickCfg); err != nil {
		t.Error(err)
	}
}

func subset(a, b []string) bool {
	for _, s := range a {
		if !slices.Contains(b, s) {
			return false
		}
	}
	return true
}
