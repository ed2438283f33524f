package policy

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/authplane/authplane/internal/storage"
)

func TestCheckRule(t *testing.T) {
	tests := []struct {
		name string
		p    storage.Policy
		opts Options
		// want lists the expected field errors as "field: reason substring".
		want []string
	}{
		{name: "valid allow with everything", p: allow("a", []string{"mcp:read", "files.write"}, idps("okta"), clients("agent"),
			resources("crm"), groups("eng"), subjects("okta|alice"), cond(`claims.dept == "eng"`),
			require(storage.Requirement{AMRAny: []string{"mfa"}, ACRAny: []string{"gold"}, MaxAuthAge: time.Minute}))},
		{name: "valid deny with empty matchers", p: deny("d", nil, idps(list()...), groups(list()...))},
		{name: "disabled rule is still checked", p: allow("a", nil, disabled(), cond(`1`)), want: []string{"condition: has type int, want bool"}},
		{name: "missing id", p: allow("", nil), want: []string{"id: required"}},
		{name: "bad effect", p: mkRule("a", "permit", nil), want: []string{`effect: "permit" is not "allow" or "deny"`}},
		{name: "empty effect", p: mkRule("a", "", nil), want: []string{`effect: "" is not`}},
		{name: "empty ids in lists", p: allow("a", nil, idps("okta", ""), clients(""), resources(""), groups(""), subjects("x", "")),
			want: []string{"idps[1]: empty value", "clients[0]: empty value", "resources[0]: empty value",
				"groups_any[0]: empty value", "subjects[1]: empty value"}},
		{name: "bad scope tokens", p: allow("a", []string{"read", "two words", `q"uote`, ""}),
			want: []string{`scopes[1]: "two words" is not a scope token`, `scopes[2]:`, `scopes[3]:`}},
		{name: "explicit empty scopes", p: deny("d", list()), want: []string{"scopes: an empty list grants or removes nothing"}},
		{name: "require on deny", p: deny("d", nil, require(storage.Requirement{AMRAny: []string{"mfa"}})),
			want: []string{"require: step-up requirements apply to allow rules only"}},
		{name: "negative max_auth_age", p: allow("a", nil, require(storage.Requirement{MaxAuthAge: -time.Second})),
			want: []string{"require.max_auth_age: -1s is negative"}},
		{name: "empty amr and acr values", p: allow("a", nil, require(storage.Requirement{AMRAny: []string{""}, ACRAny: []string{"x", ""}})),
			want: []string{"require.amr_any[0]: empty value", "require.acr_any[1]: empty value"}},
		{name: "CEL syntax error points at its position", p: allow("a", nil, cond(`claims.dept == "eng" &&`)),
			want: []string{"condition: line 1, column 24: Syntax error"}},
		{name: "CEL syntax error on a later line", p: allow("a", nil, cond("claims.dept == \"eng\" &&\n  claims.level >>> 3")),
			want: []string{"condition: line 2, column 17: Syntax error"}},
		{name: "CEL undeclared variable", p: allow("a", nil, cond(`user.name == "x"`)),
			want: []string{"condition: line 1, column 1: undeclared reference to 'user'"}},
		{name: "CEL non-bool", p: allow("a", nil, cond(`claims.dept`)), want: []string{"condition: has type dyn, want bool"}},
		{name: "CEL string result", p: allow("a", nil, cond(`subject + "x"`)), want: []string{"condition: has type string, want bool"}},
		{name: "CEL too costly: nested comprehension", p: allow("a", nil, cond(`groups.exists(g, groups.exists(h, g == h))`)),
			want: []string{"condition: estimated worst-case cost", "exceeds the limit 1000000"}},
		{name: "CEL within a raised limit", p: allow("a", nil, cond(`groups.exists(g, g == "eng")`)), opts: Options{MaxConditionCost: 500_000}},
		{name: "CEL over a lowered limit", p: allow("a", nil, cond(`groups.exists(g, g == "eng")`)), opts: Options{MaxConditionCost: 1000},
			want: []string{"exceeds the limit 1000"}},
		{name: "CEL too long", p: allow("a", nil, cond(strings.Repeat("true && ", 512)+"true")),
			want: []string{"condition: 4100 bytes long, more than 4096"}},
		{name: "CEL nesting beyond the parser's limit has no position", p: allow("a", nil, cond(strings.Repeat("(", 300)+"true"+strings.Repeat(")", 300))),
			want: []string{"condition: expression recursion limit exceeded"}},
		{name: "several problems at once", p: mkRule("", "maybe", nil, cond(`(`)),
			want: []string{"id: required", "effect:", "condition: line 1"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := CheckRule(tc.p, tc.opts)
			if len(tc.want) == 0 {
				if got != nil {
					t.Fatalf("CheckRule = %v, want nil", got)
				}
				return
			}
			joined := make([]string, len(got))
			for i, f := range got {
				joined[i] = f.Error()
			}
			all := strings.Join(joined, "\n")
			for _, w := range tc.want {
				if !strings.Contains(all, w) {
					t.Errorf("CheckRule errors\n%s\nlack %q", all, w)
				}
			}
		})
	}
}

func TestCompileRejectsInvalidRules(t *testing.T) {
	_, err := Compile([]storage.Policy{
		allow("ok", nil),
		allow("bad-cel", nil, cond(`claims.`)),
		mkRule("bad-effect", "permit", nil),
		allow("ok", nil),
		allow("off", nil, disabled(), cond(`not even CEL (`)),
	}, Options{})
	if err == nil {
		t.Fatal("Compile succeeded, want an error")
	}
	var ids []string
	for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
		var re *RuleError
		if !errors.As(e, &re) {
			t.Fatalf("error %v is not a *RuleError", e)
		}
		ids = append(ids, re.RuleID+"/"+re.Errors[0].Field)
	}
	want := "bad-cel/condition bad-effect/effect ok/id"
	if got := strings.Join(ids, " "); got != want {
		t.Errorf("rule errors %q, want %q (the disabled rule is not checked)", got, want)
	}
	if !strings.Contains(err.Error(), `policy rule "ok": id: duplicate rule id`) {
		t.Errorf("error text %q lacks the duplicate id", err)
	}
}
