package policy

import (
	"fmt"
	"testing"
	"time"

	"github.com/authplane/authplane/internal/storage"
)

// benchRules spreads 1,000 rules over 50 IdPs × 20 resources: one rule per
// pair, a tenth of them for every IdP of their resource, every third with a
// CEL condition, every 25th a deny rule, every 7th with a step-up
// requirement, and two rules for every pair.
func benchRules() []storage.Policy {
	rules := make([]storage.Policy, 0, 1000)
	for k := range 998 {
		idp, res := fmt.Sprintf("idp-%d", k%50), fmt.Sprintf("res-%d", (k/50)%20)
		p := storage.Policy{
			ID: fmt.Sprintf("rule-%d", k), Effect: EffectAllow, Enabled: true,
			IdPs: []string{idp}, Resources: []string{res},
			GroupsAny: []string{"engineering", fmt.Sprintf("team-%d", k%7)},
			Scopes:    []string{"read", "write", fmt.Sprintf("scope-%d", k%5)},
		}
		switch {
		case k%25 == 0:
			p.Effect, p.Scopes, p.GroupsAny = EffectDeny, []string{"delete"}, []string{"contractors"}
		case k%10 == 0:
			p.IdPs = nil
		}
		if k%3 == 0 {
			p.Condition = `claims.dept == "eng" && "engineering" in groups`
		}
		if k%7 == 0 && p.Effect == EffectAllow {
			p.Require = &storage.Requirement{AMRAny: []string{"mfa"}, MaxAuthAge: time.Hour}
		}
		rules = append(rules, p)
	}
	rules = append(rules,
		storage.Policy{ID: "global-deny", Effect: EffectDeny, Enabled: true, Scopes: []string{"admin"}},
		storage.Policy{ID: "global-allow", Effect: EffectAllow, Enabled: true, Subjects: []string{"okta|root"}})
	return rules
}

func benchInputs() []Input {
	at := t0.Add(-5 * time.Minute)
	ins := make([]Input, 64)
	for i := range ins {
		ins[i] = Input{
			IdPID: fmt.Sprintf("idp-%d", (i*7)%50), ClientID: "agent", ResourceID: fmt.Sprintf("res-%d", (i*3)%20),
			Subject: "okta|alice", Groups: []string{"engineering", "admins"}, AMR: []string{"pwd", "mfa"},
			AuthTime: &at, Requested: []string{"read", "write"}, AssertionScopes: []string{"read", "write", "delete"},
			Claims: map[string]any{"dept": "eng", "sub": "alice"}, Now: t0,
		}
	}
	return ins
}

// BenchmarkDecide1000Rules must stay ≤ 20 µs per decision. Each input
// meets seven candidate rules, about two of them with a CEL condition.
func BenchmarkDecide1000Rules(b *testing.B) {
	e := mustCompile(b, benchRules(), Options{})
	ins := benchInputs()
	if d := e.Decide(ins[0]); !d.Allowed {
		b.Fatalf("benchmark input denied: %+v", d)
	}
	b.ReportAllocs()
	cpu := processCPU()
	for i := 0; b.Loop(); i++ {
		e.Decide(ins[i%len(ins)])
	}
	reportCPU(b, cpu)
}

// reportCPU adds the process CPU time per operation since start as the
// metric cpu-ns/op: on a shared machine ns/op also counts time spent
// waiting for a core.
func reportCPU(b *testing.B, start time.Duration) {
	if used := processCPU() - start; used > 0 {
		b.ReportMetric(float64(used.Nanoseconds())/float64(b.N), "cpu-ns/op")
	}
}

// BenchmarkExplain1000Rules evaluates every rule with the recorder on.
func BenchmarkExplain1000Rules(b *testing.B) {
	e := mustCompile(b, benchRules(), Options{})
	ins := benchInputs()
	b.ReportAllocs()
	cpu := processCPU()
	for i := 0; b.Loop(); i++ {
		e.Explain(ins[i%len(ins)])
	}
	reportCPU(b, cpu)
}

// BenchmarkCompile1000Rules is the cost of a policy change.
func BenchmarkCompile1000Rules(b *testing.B) {
	rules := benchRules()
	b.ReportAllocs()
	for b.Loop() {
		mustCompile(b, rules, Options{})
	}
}
