package policy

import (
	"strings"
	"testing"

	"github.com/authplane/authplane/internal/storage"
)

// FuzzRule feeds admin-supplied rule input (effect, a scope, a CEL
// condition) through CheckRule, Compile, Decide and Explain. Invariants: no
// panic; CheckRule accepts exactly what Compile accepts; a compiled rule
// decides the same through Decide and Explain.
func FuzzRule(f *testing.F) {
	seeds := []struct{ effect, scope, cond string }{
		{"allow", "read", ""},                                                           // no condition
		{"allow", "read", `claims.dept == "eng"`},                                       // map access on claims
		{"deny", "write", `claims.missing == 1`},                                        // evaluation error: deny fails closed
		{"allow", "read", `groups.exists(g, g.startsWith("eng"))`},                      // comprehension within the cost bound
		{"allow", "read", `groups.exists(g, groups.exists(h, g == h))`},                 // nested comprehension: too costly
		{"allow", "read", `claims.dept`},                                                // dyn, not bool
		{"allow", "read", `(`},                                                          // syntax error
		{"allow", "read", strings.Repeat("(", 300) + "true" + strings.Repeat(")", 300)}, // deep nesting
		{"permit", "read", "true"},                                                      // bad effect
		{"allow", "two words", "true"},                                                  // bad scope token
		{"allow", "read", `request.scope.split(" ").size() > 0`},                        // unknown function
		{"allow", "read", `size(claims) > 0 && "admins" in groups`},                     // size and in
		{"allow", "read", `claims.level > 2.5 || subject.matches("^okta\\|")`},          // mixed numeric comparison, regex
	}
	for _, s := range seeds {
		f.Add(s.effect, s.scope, s.cond)
	}
	f.Fuzz(func(t *testing.T, effect, scope, condition string) {
		p := storage.Policy{ID: "r", Effect: effect, Scopes: []string{scope}, Condition: condition, Enabled: true}
		fes := CheckRule(p, Options{})
		e, err := Compile([]storage.Policy{p}, Options{})
		if (len(fes) == 0) != (err == nil) {
			t.Fatalf("CheckRule %v but Compile error %v", fes, err)
		}
		if err != nil {
			return
		}
		in := baseInput()
		in.AssertionScopes = append(in.AssertionScopes, scope)
		d, x := e.Decide(in), e.Explain(in)
		if !decisionsEqual(d, x.Decision) {
			t.Fatalf("Decide %+v, Explain %+v", d, x.Decision)
		}
	})
}
