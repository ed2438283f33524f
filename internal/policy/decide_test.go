package policy

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/authplane/authplane/internal/storage"
)

type decideCase struct {
	name  string
	rules []storage.Policy
	in    func(*Input) // modifies baseInput(); nil keeps it
	// want: granted scopes when allowed, else nil; reason "" when allowed.
	want        []string
	reason      string
	matchAllow  []string
	matchDeny   []string
	wantStepUp  *StepUp
	compileOpts Options
}

func runDecideCases(t *testing.T, cases []decideCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := mustCompile(t, tc.rules, tc.compileOpts)
			in := baseInput()
			if tc.in != nil {
				tc.in(&in)
			}
			d := e.Decide(in)
			if d.Allowed != (tc.reason == "") || d.Reason != tc.reason {
				t.Fatalf("Decide: allowed=%v reason=%q, want reason %q (decision %+v)", d.Allowed, d.Reason, tc.reason, d)
			}
			if !slices.Equal(d.Granted, tc.want) {
				t.Errorf("Granted = %v, want %v", d.Granted, tc.want)
			}
			if !slices.Equal(d.MatchedAllow, tc.matchAllow) || !slices.Equal(d.MatchedDeny, tc.matchDeny) {
				t.Errorf("matched allow %v deny %v, want %v %v", d.MatchedAllow, d.MatchedDeny, tc.matchAllow, tc.matchDeny)
			}
			checkStepUp(t, d.StepUp, tc.wantStepUp)
			if x := e.Explain(in); !decisionsEqual(x.Decision, d) {
				t.Errorf("Explain decision %+v differs from Decide %+v", x.Decision, d)
			}
		})
	}
}

func checkStepUp(t *testing.T, got, want *StepUp) {
	t.Helper()
	if (got == nil) != (want == nil) {
		t.Fatalf("StepUp = %+v, want %+v", got, want)
	}
	if got == nil {
		return
	}
	if got.RuleID != want.RuleID || !slices.Equal(got.AMRAny, want.AMRAny) ||
		!slices.Equal(got.ACRAny, want.ACRAny) || got.MaxAuthAge != want.MaxAuthAge {
		t.Errorf("StepUp = %+v, want %+v", *got, *want)
	}
}

func decisionsEqual(a, b Decision) bool {
	return a.Allowed == b.Allowed && a.Reason == b.Reason && slices.Equal(a.Granted, b.Granted) &&
		slices.Equal(a.MatchedAllow, b.MatchedAllow) && slices.Equal(a.MatchedDeny, b.MatchedDeny) &&
		(a.StepUp == nil) == (b.StepUp == nil) && (a.StepUp == nil || a.StepUp.RuleID == b.StepUp.RuleID)
}

// TestRAS07_ScopeSemantics covers granted = requested (or the assertion's)
// ∩ assertion ∩ ∪allow − ∪deny, and invalid_scope (RAS-07, RAS-26, B.9 #2).
func TestRAS07_ScopeSemantics(t *testing.T) {
	req := func(s ...string) func(*Input) { return func(in *Input) { in.Requested = s } }
	runDecideCases(t, []decideCase{
		{name: "allow with nil scopes grants every scope; nothing requested: the assertion's", rules: []storage.Policy{allow("a", nil)},
			want: []string{"delete", "read", "write"}, matchAllow: []string{"a"}},
		{name: "allow narrows the assertion's scopes", rules: []storage.Policy{allow("a", []string{"read", "admin"})},
			want: []string{"read"}, matchAllow: []string{"a"}},
		{name: "requested subset is granted", rules: []storage.Policy{allow("a", nil)}, in: req("write", "read"),
			want: []string{"read", "write"}, matchAllow: []string{"a"}},
		{name: "duplicate requested scopes are granted once", rules: []storage.Policy{allow("a", nil)}, in: req("read", "read"),
			want: []string{"read"}, matchAllow: []string{"a"}},
		{name: "allow rules' scopes are united", rules: []storage.Policy{allow("a", []string{"read"}), allow("b", []string{"write"})},
			want: []string{"read", "write"}, matchAllow: []string{"a", "b"}},
		{name: "requested scope beyond the assertion is invalid_scope", rules: []storage.Policy{allow("a", nil)}, in: req("read", "admin"),
			reason: ReasonInvalidScope, matchAllow: []string{"a"}},
		{name: "absent assertion scope grants nothing: any request is invalid_scope", rules: []storage.Policy{allow("a", nil)},
			in: func(in *Input) { in.AssertionScopes, in.Requested = nil, []string{"read"} }, reason: ReasonInvalidScope, matchAllow: []string{"a"}},
		{name: "absent assertion scope and no request is an empty grant", rules: []storage.Policy{allow("a", nil)},
			in: func(in *Input) { in.AssertionScopes = nil }, reason: ReasonEmptyGrant, matchAllow: []string{"a"}},
		{name: "explicitly empty request is an empty grant", rules: []storage.Policy{allow("a", nil)}, in: req(list()...),
			reason: ReasonEmptyGrant, matchAllow: []string{"a"}},
		{name: "allow not intersecting the request is an empty grant", rules: []storage.Policy{allow("a", []string{"write"})}, in: req("read"),
			reason: ReasonEmptyGrant, matchAllow: []string{"a"}},
		{name: "deny removes its scopes", rules: []storage.Policy{allow("a", nil), deny("d", []string{"write"})},
			want: []string{"delete", "read"}, matchAllow: []string{"a"}, matchDeny: []string{"d"}},
		{name: "deny wins over an allow of the same scope", rules: []storage.Policy{deny("d", []string{"read"}), allow("a", []string{"read"})}, in: req("read"),
			reason: ReasonDeniedByRule, matchAllow: []string{"a"}, matchDeny: []string{"d"}},
		{name: "deny with nil scopes removes everything", rules: []storage.Policy{allow("a", nil), deny("d", nil)},
			reason: ReasonDeniedByRule, matchAllow: []string{"a"}, matchDeny: []string{"d"}},
		{name: "no rule at all is default deny", rules: nil, reason: ReasonNoMatchingRule},
		{name: "only a deny rule matching is no_matching_rule", rules: []storage.Policy{deny("d", []string{"write"})},
			reason: ReasonNoMatchingRule, matchDeny: []string{"d"}},
	})
}

func TestDecideMatchers(t *testing.T) {
	runDecideCases(t, []decideCase{
		{name: "every matcher nil matches anything", rules: []storage.Policy{allow("a", []string{"read"})},
			want: []string{"read"}, matchAllow: []string{"a"}},
		{name: "exact matchers all matching", rules: []storage.Policy{allow("a", []string{"read"},
			idps("entra", "okta"), clients("agent"), resources("crm"), subjects("okta|alice"))},
			want: []string{"read"}, matchAllow: []string{"a"}},
		{name: "other IdP", rules: []storage.Policy{allow("a", nil, idps("entra"))}, reason: ReasonNoMatchingRule},
		{name: "other client", rules: []storage.Policy{allow("a", nil, clients("bot"))}, reason: ReasonNoMatchingRule},
		{name: "other resource", rules: []storage.Policy{allow("a", nil, resources("wiki"))}, reason: ReasonNoMatchingRule},
		{name: "subjects compare with the mapped subject, not the IdP's", rules: []storage.Policy{allow("a", nil, subjects("alice"))},
			reason: ReasonNoMatchingRule},
		{name: "empty idps matches nothing", rules: []storage.Policy{allow("a", nil, idps(list()...))}, reason: ReasonNoMatchingRule},
		{name: "empty clients matches nothing", rules: []storage.Policy{allow("a", nil, clients(list()...))}, reason: ReasonNoMatchingRule},
		{name: "empty resources matches nothing", rules: []storage.Policy{allow("a", nil, resources(list()...))}, reason: ReasonNoMatchingRule},
		{name: "empty subjects matches nothing", rules: []storage.Policy{allow("a", nil, subjects(list()...))}, reason: ReasonNoMatchingRule},
		{name: "empty groups_any matches nothing", rules: []storage.Policy{allow("a", nil, groups(list()...))}, reason: ReasonNoMatchingRule},
		{name: "empty deny matcher does not deny", rules: []storage.Policy{allow("a", nil), deny("d", nil, clients(list()...))},
			want: []string{"delete", "read", "write"}, matchAllow: []string{"a"}},
		{name: "groups_any: one of several groups in common", rules: []storage.Policy{allow("a", nil, groups("sales", "admins"))},
			want: []string{"delete", "read", "write"}, matchAllow: []string{"a"}},
		{name: "groups_any: none in common", rules: []storage.Policy{allow("a", nil, groups("sales", "finance"))},
			reason: ReasonNoMatchingRule},
		{name: "groups_any: subject without groups", rules: []storage.Policy{allow("a", nil, groups("admins"))},
			in: func(in *Input) { in.Groups = nil }, reason: ReasonNoMatchingRule},
		{name: "groups_any: long list looked up as a set", rules: []storage.Policy{allow("a", nil,
			groups("g1", "g2", "g3", "g4", "g5", "g6", "g7", "g8", "g9", "admins"))},
			want: []string{"delete", "read", "write"}, matchAllow: []string{"a"}},
		{name: "subjects: long list looked up as a set, no match", rules: []storage.Policy{allow("a", nil,
			subjects("s1", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9", "s10"))}, reason: ReasonNoMatchingRule},
		{name: "disabled allow rule is skipped", rules: []storage.Policy{allow("a", nil, disabled())}, reason: ReasonNoMatchingRule},
		{name: "disabled deny rule is skipped", rules: []storage.Policy{allow("a", []string{"read"}), deny("d", nil, disabled())},
			want: []string{"read"}, matchAllow: []string{"a"}},
		{name: "matched rules are listed in policy order", rules: []storage.Policy{
			allow("z", []string{"read"}, resources("crm")), deny("y", []string{"delete"}, idps("okta")),
			allow("x", []string{"write"}, idps("okta"), resources("crm")), allow("w", []string{"delete"}),
			deny("v", []string{"admin"})},
			want: []string{"read", "write"}, matchAllow: []string{"z", "x", "w"}, matchDeny: []string{"y", "v"}},
	})
}

func TestDecideStepUp(t *testing.T) {
	mfa := storage.Requirement{AMRAny: []string{"mfa", "hwk"}}
	gold := storage.Requirement{ACRAny: []string{"urn:acr:gold"}}
	fresh := storage.Requirement{MaxAuthAge: 10 * time.Minute} // baseInput authenticated exactly 10 minutes ago
	runDecideCases(t, []decideCase{
		{name: "amr_any not met", rules: []storage.Policy{allow("a", nil, require(mfa))},
			reason: ReasonStepUpRequired, wantStepUp: &StepUp{RuleID: "a", AMRAny: []string{"mfa", "hwk"}}},
		{name: "amr_any met by one method", rules: []storage.Policy{allow("a", nil, require(mfa))},
			in: func(in *Input) { in.AMR = []string{"pwd", "hwk"} }, want: []string{"delete", "read", "write"}, matchAllow: []string{"a"}},
		{name: "amr_any with no amr claim", rules: []storage.Policy{allow("a", nil, require(mfa))},
			in: func(in *Input) { in.AMR = nil }, reason: ReasonStepUpRequired, wantStepUp: &StepUp{RuleID: "a", AMRAny: []string{"mfa", "hwk"}}},
		{name: "acr_any not met", rules: []storage.Policy{allow("a", nil, require(gold))},
			reason: ReasonStepUpRequired, wantStepUp: &StepUp{RuleID: "a", ACRAny: []string{"urn:acr:gold"}}},
		{name: "acr_any met", rules: []storage.Policy{allow("a", nil, require(gold))},
			in: func(in *Input) { in.ACR = "urn:acr:gold" }, want: []string{"delete", "read", "write"}, matchAllow: []string{"a"}},
		{name: "max_auth_age: exactly at the edge", rules: []storage.Policy{allow("a", nil, require(fresh))},
			want: []string{"delete", "read", "write"}, matchAllow: []string{"a"}},
		{name: "max_auth_age: one nanosecond past the edge", rules: []storage.Policy{allow("a", nil, require(fresh))},
			in: func(in *Input) { in.Now = in.Now.Add(time.Nanosecond) }, reason: ReasonStepUpRequired,
			wantStepUp: &StepUp{RuleID: "a", MaxAuthAge: 10 * time.Minute}},
		{name: "max_auth_age: auth_time absent", rules: []storage.Policy{allow("a", nil, require(fresh))},
			in: func(in *Input) { in.AuthTime = nil }, reason: ReasonStepUpRequired, wantStepUp: &StepUp{RuleID: "a", MaxAuthAge: 10 * time.Minute}},
		{name: "max_auth_age: no evaluation time fails closed", rules: []storage.Policy{allow("a", nil, require(fresh))},
			in: func(in *Input) { in.Now = time.Time{} }, reason: ReasonStepUpRequired, wantStepUp: &StepUp{RuleID: "a", MaxAuthAge: 10 * time.Minute}},
		{name: "zero max_auth_age is unbounded, auth_time not needed", rules: []storage.Policy{allow("a", []string{"read"}, require(storage.Requirement{}))},
			in: func(in *Input) { in.AuthTime = nil }, want: []string{"read"}, matchAllow: []string{"a"}},
		{name: "other scopes granted: no step-up although a rule lacks it",
			rules: []storage.Policy{allow("a", []string{"read"}), allow("b", []string{"write"}, require(mfa))},
			want:  []string{"read"}, matchAllow: []string{"a"}},
		{name: "step-up rule that would not grant a requested scope is not reported",
			rules: []storage.Policy{allow("b", []string{"admin"}, require(mfa))}, reason: ReasonNoMatchingRule},
		{name: "first helpful step-up rule in policy order is reported",
			rules:  []storage.Policy{allow("b", []string{"admin"}, require(mfa)), allow("c", []string{"write"}, require(gold)), allow("d", nil, require(mfa))},
			reason: ReasonStepUpRequired, wantStepUp: &StepUp{RuleID: "c", ACRAny: []string{"urn:acr:gold"}}},
		{name: "step-up that a deny rule would defeat is denied_by_rule",
			rules:  []storage.Policy{allow("a", nil, require(mfa)), deny("d", nil)},
			reason: ReasonDeniedByRule, matchDeny: []string{"d"}},
		{name: "step-up rule failing another matcher is no match",
			rules: []storage.Policy{allow("a", nil, require(mfa), clients("bot"))}, reason: ReasonNoMatchingRule},
		{name: "step-up rule whose condition is false is no match",
			rules: []storage.Policy{allow("a", nil, require(mfa), cond(`claims.dept == "sales"`))}, reason: ReasonNoMatchingRule},
	})
}

func TestDecideConditions(t *testing.T) {
	all := []string{"delete", "read", "write"}
	runDecideCases(t, []decideCase{
		{name: "true", rules: []storage.Policy{allow("a", nil, cond(`claims.dept == "eng" && claims.level >= 3`))},
			want: all, matchAllow: []string{"a"}},
		{name: "false", rules: []storage.Policy{allow("a", nil, cond(`claims.dept == "sales"`))}, reason: ReasonNoMatchingRule},
		{name: "every variable bound", rules: []storage.Policy{allow("a", nil, cond(`"admins" in groups && subject == "okta|alice" && `+
			`client_id == "agent" && idp_id == "okta" && resource == "crm" && request.resource.startsWith("https://crm.")`))},
			want: all, matchAllow: []string{"a"}},
		{name: "error on allow rule is no match", rules: []storage.Policy{allow("a", nil, cond(`claims.missing == "x"`))},
			reason: ReasonNoMatchingRule},
		{name: "error on allow rule with nil claims is no match", rules: []storage.Policy{allow("a", nil, cond(`claims.dept == "eng"`))},
			in: func(in *Input) { in.Claims = nil }, reason: ReasonNoMatchingRule},
		{name: "error on deny rule matches: fail closed", rules: []storage.Policy{allow("a", nil), deny("d", nil, cond(`claims.missing == "x"`))},
			reason: ReasonDeniedByRule, matchAllow: []string{"a"}, matchDeny: []string{"d"}},
		{name: "false deny condition does not deny", rules: []storage.Policy{allow("a", nil), deny("d", nil, cond(`claims.dept == "sales"`))},
			want: all, matchAllow: []string{"a"}},
		{name: "runtime cost limit fails closed", compileOpts: Options{MaxConditionCost: 400_000},
			rules: []storage.Policy{allow("a", nil, cond(`groups.exists(g, g.startsWith("eng-"))`))},
			in:    func(in *Input) { in.Groups = manyGroups(100_000) }, reason: ReasonNoMatchingRule},
		{name: "same condition within the runtime cost limit", compileOpts: Options{MaxConditionCost: 400_000},
			rules: []storage.Policy{allow("a", nil, cond(`groups.exists(g, g.startsWith("eng"))`))},
			want:  all, matchAllow: []string{"a"}},
	})
}

func manyGroups(n int) []string {
	g := make([]string, n)
	for i := range g {
		g[i] = "group"
	}
	return g
}

// TestDecideConcurrent shares one Engine between goroutines, as the token
// endpoint does; run with -race.
func TestDecideConcurrent(t *testing.T) {
	e := mustCompile(t, benchRules(), Options{})
	ins := benchInputs()
	want := make([]Decision, len(ins))
	for i, in := range ins {
		want[i] = e.Decide(in)
	}
	var wg sync.WaitGroup
	errs := make(chan string, 4)
	for g := range 4 {
		wg.Go(func() {
			for i := range 200 {
				k := (i + g) % len(ins)
				if d := e.Decide(ins[k]); !decisionsEqual(d, want[k]) {
					errs <- fmt.Sprintf("input %d: %+v, want %+v", k, d, want[k])
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
