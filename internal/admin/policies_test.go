package admin

import (
	"net/http"
	"testing"

	"github.com/authplane/authplane/internal/storage"
)

// policyEnv has two resources, an IdP and a client to reference.
func policyEnv(t *testing.T, opts ...func(*Deps)) *env {
	e := newEnv(t, opts...)
	e.call("POST", "/admin/v1/resources", resourceObj("github", "https://mcp.example.com/github", "repo:read", "repo:write")).
		must(t, http.StatusCreated, nil)
	e.call("POST", "/admin/v1/resources", resourceObj("jira", "https://mcp.example.com/jira", "issues:read")).
		must(t, http.StatusCreated, nil)
	e.call("POST", "/admin/v1/idps", idpObj("okta", "https://idp.example.com")).must(t, http.StatusCreated, nil)
	e.call("POST", "/admin/v1/clients", clientObj("agent-1")).must(t, http.StatusCreated, nil)
	return e
}

func TestPolicyLifecycle(t *testing.T) {
	e := policyEnv(t)
	n := len(e.events())
	body := policyObj("eng-github-read").with("clients", []string{"agent-1"}, "resources", []string{"github"},
		"groups_any", []string{"engineering"}, "scopes", []string{"repo:read"},
		"require", obj{"amr_any": []string{"mfa"}, "acr_any": nil, "max_auth_age": "1h"})
	var created PolicyDTO
	e.call("POST", "/admin/v1/policies", body).must(t, http.StatusCreated, &created)
	if created.Require == nil || created.Require.MaxAuthAge.String() != "1h" || created.Require.ACRAny != nil {
		t.Fatalf("created = %+v", created)
	}
	ev := e.oneEvent(n, "admin.policy.create")
	if len(ev.PolicyRuleIDs) != 1 || ev.PolicyRuleIDs[0] != "eng-github-read" {
		t.Fatalf("event rule ids = %v", ev.PolicyRuleIDs)
	}
	var got PolicyDTO
	e.call("GET", "/admin/v1/policies/eng-github-read", nil).must(t, http.StatusOK, &got)
	var list ListResult[PolicyDTO]
	e.call("GET", "/admin/v1/policies", nil).must(t, http.StatusOK, &list)
	if got.Effect != "allow" || len(list.Items) != 1 {
		t.Fatalf("got = %+v, list = %+v", got, list)
	}
	var updated PolicyDTO
	e.call("PUT", "/admin/v1/policies/eng-github-read", body.with("effect", "deny", "require", absent)).
		must(t, http.StatusOK, &updated)
	if updated.Effect != "deny" || updated.Require != nil {
		t.Fatalf("updated = %+v", updated)
	}
	ev = e.oneEvent(n+1, "admin.policy.update")
	if imageOf(t, ev.Before)["effect"] != "allow" || imageOf(t, ev.After)["effect"] != "deny" {
		t.Fatalf("images before=%s after=%s", ev.Before, ev.After)
	}
	e.call("DELETE", "/admin/v1/policies/eng-github-read", nil).must(t, http.StatusNoContent, nil)
	e.oneEvent(n+2, "admin.policy.delete")
	e.call("GET", "/admin/v1/policies/eng-github-read", nil).problem(t, http.StatusNotFound, "not-found")
}

func TestPolicyValidation(t *testing.T) {
	e := policyEnv(t)
	e.call("POST", "/admin/v1/policies", policyObj("taken")).must(t, http.StatusCreated, nil)
	p := policyObj("p")
	tests := []struct {
		name   string
		body   any
		status int
		fields []string
	}{
		{"bad effect", p.with("effect", "permit"), 400, []string{"effect"}},
		{"missing effect", p.with("effect", absent), 400, []string{"effect"}},
		{"unknown IdP", p.with("idps", []string{"ghost"}), 400, []string{"idps[0]"}},
		{"unknown client", p.with("clients", []string{"agent-1", "ghost"}), 400, []string{"clients[1]"}},
		{"unknown resource", p.with("resources", []string{"ghost"}), 400, []string{"resources[0]"}},
		{"scope not on the named resource", p.with("resources", []string{"jira"}, "scopes", []string{"repo:read"}), 400, []string{"scopes[0]"}},
		{"scope on no resource", p.with("scopes", []string{"repo:read", "admin"}), 400, []string{"scopes[1]"}},
		{"scopes with no resources", p.with("resources", []string{}, "scopes", []string{"repo:read"}), 400, []string{"scopes[0]"}},
		{"empty group", p.with("groups_any", []string{""}), 400, []string{"groups_any[0]"}},
		{"negative max_auth_age", p.with("require", obj{"max_auth_age": "-1m"}), 400, []string{"require.max_auth_age"}},
		{"condition without engine", p.with("condition", "claims.email.endsWith('@example.com')"), 400, []string{"condition"}},
		{"every problem at once", p.with("effect", "x", "idps", []string{"ghost"}, "scopes", []string{"nope"}),
			400, []string{"effect", "idps[0]", "scopes[0]"}},
		{"duplicate id", policyObj("taken"), 409, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n := len(e.events())
			slug := map[int]string{400: "invalid-request", 409: "conflict"}[tc.status]
			pr := e.call("POST", "/admin/v1/policies", tc.body).problem(t, tc.status, slug)
			requireFields(t, pr, tc.fields...)
			e.noEvents(n)
		})
	}
	// Scopes of any resource are fine when the rule names no resources.
	e.call("POST", "/admin/v1/policies", p.with("scopes", []string{"repo:read", "issues:read"})).must(t, http.StatusCreated, nil)
}

// conditionChecker is a PolicyValidator accepting only the condition "true".
type conditionChecker struct{ seen []string }

func (c *conditionChecker) ValidatePolicy(p storage.Policy) []FieldError {
	c.seen = append(c.seen, p.ID)
	if p.Condition != "" && p.Condition != "true" {
		return []FieldError{{"condition", "does not compile"}}
	}
	return nil
}

func TestPolicyConditionDelegatedToEngine(t *testing.T) {
	cc := &conditionChecker{}
	e := policyEnv(t, func(d *Deps) { d.Policies = cc })
	e.call("POST", "/admin/v1/policies", policyObj("ok").with("condition", "true")).must(t, http.StatusCreated, nil)
	pr := e.call("POST", "/admin/v1/policies", policyObj("bad").with("condition", "1 +", "effect", "x")).
		problem(t, http.StatusBadRequest, "invalid-request")
	requireFields(t, pr, "condition", "effect")
	if len(cc.seen) != 2 {
		t.Fatalf("validator saw %v", cc.seen)
	}
}
