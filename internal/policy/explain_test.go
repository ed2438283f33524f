package policy

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/authplane/authplane/internal/storage"
)

func TestExplainRecordsEveryRule(t *testing.T) {
	e := mustCompile(t, []storage.Policy{
		allow("sales-only", nil, groups("sales")),
		allow("mfa", []string{"write"}, require(storage.Requirement{AMRAny: []string{"mfa"}})),
		allow("fresh-gold", nil, require(storage.Requirement{ACRAny: []string{"urn:acr:gold"}, MaxAuthAge: time.Minute})),
		allow("not-sales", nil, cond(`claims.dept == "sales"`)),
		allow("broken", nil, cond(`claims.nope == 1`)),
		allow("other", nil, idps("entra"), clients(list()...), subjects("bob")),
		deny("fail-closed", []string{"delete"}, cond(`claims.nope == 1`)),
		allow("old", nil, disabled()),
		allow("reader", []string{"read", "delete"}),
	}, Options{})
	in := baseInput()
	in.Groups = []string{"engineering", "admins"}
	x := e.Explain(in)

	want := []RuleTrace{
		{ID: "sales-only", Effect: "allow", Failures: []string{"groups_any: none of [sales] in [engineering admins]"}},
		{ID: "mfa", Effect: "allow", StepUp: true, Failures: []string{"require.amr_any: [pwd] lacks any of [mfa]"}},
		{ID: "fresh-gold", Effect: "allow", StepUp: true, Failures: []string{
			`require.acr_any: "urn:acr:bronze" not in [urn:acr:gold]`,
			"require.max_auth_age: authenticated 10m0s ago, more than 1m0s"}},
		{ID: "not-sales", Effect: "allow", Failures: []string{"condition: false"}},
		{ID: "broken", Effect: "allow", Failures: []string{"condition error: no such key: nope"}, ConditionError: "no such key: nope"},
		{ID: "other", Effect: "allow", Failures: []string{`idps: "okta" not in [entra]`,
			"clients: empty list matches nothing", `subjects: "okta|alice" not in [bob]`}},
		{ID: "fail-closed", Effect: "deny", Matched: true, ConditionError: "no such key: nope"},
		{ID: "old", Effect: "allow", Disabled: true},
		{ID: "reader", Effect: "allow", Matched: true},
	}
	if len(x.Rules) != len(want) {
		t.Fatalf("got %d traces, want %d: %+v", len(x.Rules), len(want), x.Rules)
	}
	for i, w := range want {
		g := x.Rules[i]
		if g.ID != w.ID || g.Effect != w.Effect || g.Disabled != w.Disabled || g.Matched != w.Matched ||
			g.StepUp != w.StepUp || !slices.Equal(g.Failures, w.Failures) || g.ConditionError != w.ConditionError {
			t.Errorf("trace %d:\n got %+v\nwant %+v", i, g, w)
		}
	}
	d := x.Decision
	if !d.Allowed || !slices.Equal(d.Granted, []string{"read"}) ||
		!slices.Equal(d.MatchedAllow, []string{"reader"}) || !slices.Equal(d.MatchedDeny, []string{"fail-closed"}) {
		t.Errorf("decision = %+v", d)
	}
	if got := e.Decide(in); !decisionsEqual(got, d) {
		t.Errorf("Decide = %+v, Explain decision = %+v", got, d)
	}
}

func TestExplainRecordsEveryFailureOfANonMatchingStepUpRule(t *testing.T) {
	e := mustCompile(t, []storage.Policy{
		allow("a", nil, groups("sales"), require(storage.Requirement{MaxAuthAge: time.Minute})),
	}, Options{})
	in := baseInput()
	in.AuthTime = nil
	x := e.Explain(in)
	want := []string{"groups_any: none of [sales] in [engineering admins]", "require.max_auth_age: auth_time absent"}
	if tr := x.Rules[0]; tr.Matched || tr.StepUp || !slices.Equal(tr.Failures, want) {
		t.Errorf("trace = %+v, want failures %v", tr, want)
	}
	if x.Decision.Reason != ReasonNoMatchingRule {
		t.Errorf("reason = %q, want %q", x.Decision.Reason, ReasonNoMatchingRule)
	}
}

func TestExplainRuntimeCostLimitError(t *testing.T) {
	e := mustCompile(t, []storage.Policy{allow("a", nil, cond(`groups.exists(g, g.startsWith("eng-"))`))},
		Options{MaxConditionCost: 400_000})
	in := baseInput()
	in.Groups = manyGroups(100_000)
	tr := e.Explain(in).Rules[0]
	if tr.Matched || !strings.Contains(tr.ConditionError, "cost limit") {
		t.Errorf("trace = %+v, want a cost-limit condition error", tr)
	}
}
