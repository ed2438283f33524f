package server

import (
	"encoding/json"
	"strings"
	"testing"
)

// policySetup replaces the permissive standard policy with the worked
// example: engineers may let agents read GitHub repositories; writes need
// MFA.
func (e *env) policySetup() {
	e.standardSetup()
	e.mustAdmin("DELETE", "/admin/v1/policies/agents-github", nil, nil)
	e.mustAdmin("POST", "/admin/v1/policies", map[string]any{
		"id": "eng-github-read", "effect": "allow", "resources": []string{"github"},
		"groups_any": []string{"engineering"}, "scopes": []string{"repo:read"},
	}, nil)
	e.mustAdmin("POST", "/admin/v1/policies", map[string]any{
		"id": "eng-github-write-mfa", "effect": "allow", "resources": []string{"github"},
		"groups_any": []string{"engineering"}, "scopes": []string{"repo:write"}, "require": map[string]any{"amr_any": []string{"mfa"}},
	}, nil)
}

func (e *env) explain(body map[string]any) map[string]any {
	e.t.Helper()
	var out map[string]any
	e.mustAdmin("POST", "/admin/v1/policies/explain", body, &out)
	return out
}

// ruleTrace finds a rule's trace in an explanation.
func ruleTrace(t *testing.T, ex map[string]any, id string) map[string]any {
	t.Helper()
	rules, _ := ex["rules"].([]any)
	for _, r := range rules {
		if m := r.(map[string]any); m["id"] == id {
			return m
		}
	}
	t.Fatalf("explanation lacks rule %s: %v", id, ex)
	return nil
}

// TestPolicy_GroupBasedAccessAndExplain is the end-to-end case: an
// engineer's agent gets repo:read on GitHub, a user outside the group is
// denied, and explain names the rule in both cases.
func TestPolicy_GroupBasedAccessAndExplain(t *testing.T) {
	e := newEnv(t, envOpts{})
	e.policySetup()
	eng := e.grant()
	eng.Scope = "repo:read"
	eng.Extra = map[string]any{"groups": []string{"engineering"}}
	sales := eng
	sales.Subject, sales.Extra = "sam", map[string]any{"groups": "sales"}

	if r := e.exchange("agent-basic", e.idp.Mint(eng), nil); r.Status != 200 || r.Body["scope"] != "repo:read" {
		t.Fatalf("engineer: %d %v", r.Status, r.Body)
	}
	if r := e.exchange("agent-basic", e.idp.Mint(sales), nil); r.Status != 400 || r.code() != "invalid_grant" {
		t.Fatalf("sales: %d %v", r.Status, r.Body)
	}

	allow := e.explain(map[string]any{"assertion": e.idp.Mint(eng), "client_id": "agent-basic"})
	if allow["decision"] != "allow" || !strings.Contains(toJSON(allow["granted_scopes"]), "repo:read") {
		t.Fatalf("explain engineer: %v", allow)
	}
	if tr := ruleTrace(t, allow, "eng-github-read"); tr["matched"] != true {
		t.Fatalf("explain does not show the rule matched: %v", tr)
	}
	deny := e.explain(map[string]any{"assertion": e.idp.Mint(sales), "client_id": "agent-basic"})
	if deny["decision"] != "deny" || deny["stage"] != "policy" {
		t.Fatalf("explain sales: %v", deny)
	}
	if tr := ruleTrace(t, deny, "eng-github-read"); !strings.Contains(toJSON(tr), "groups_any") {
		t.Fatalf("explain does not say which matcher failed: %v", tr)
	}
	// Explain consumed nothing: the explained engineer assertion still works.
	claims := e.explain(map[string]any{"claims": map[string]any{"iss": e.idp.Issuer, "sub": "carol", "resource": githubURI, "scope": "repo:read", "groups": []string{"engineering"}}, "client_id": "agent-basic"})
	if claims["decision"] != "allow" || claims["subject"] != "acme|carol" {
		t.Fatalf("explain claims: %v", claims)
	}
}

// TestPolicy_StepUpAndNarrowing: a write request without MFA is a step-up
// denial; with MFA it is granted; asking for both without MFA narrows to
// what is allowed and says so in the response's scope (DESIGN.md §5).
func TestPolicy_StepUpAndNarrowing(t *testing.T) {
	e := newEnv(t, envOpts{})
	e.policySetup()
	base := e.grant()
	base.Extra = map[string]any{"groups": []string{"engineering"}, "amr": []string{"pwd"}}
	write := map[string][]string{"scope": {"repo:write"}}
	if r := e.exchange("agent-basic", e.idp.Mint(base), write); r.Status != 400 || r.code() != "invalid_grant" {
		t.Fatalf("write without mfa: %d %v", r.Status, r.Body)
	}
	mfa := base
	mfa.Extra = map[string]any{"groups": []string{"engineering"}, "amr": []string{"pwd", "mfa"}}
	if r := e.exchange("agent-basic", e.idp.Mint(mfa), write); r.Status != 200 || r.Body["scope"] != "repo:write" {
		t.Fatalf("write with mfa: %d %v", r.Status, r.Body)
	}
	if r := e.exchange("agent-basic", e.idp.Mint(base), nil); r.Status != 200 || r.Body["scope"] != "repo:read" {
		t.Fatalf("narrowing: %d %v", r.Status, r.Body)
	}
	var events struct {
		Items []map[string]any `json:"items"`
	}
	// Denials reach the audit trail through the queue: poll briefly.
	waitFor(t, func() bool {
		e.mustAdmin("GET", "/admin/v1/audit?reason=policy_step_up_required", nil, &events)
		return len(events.Items) == 1
	})
}

// TestPolicy_SubjectModes: mapped mode uses the table and refuses unmapped
// and disabled subjects; email mode only for authoritative domains.
func TestPolicy_SubjectModes(t *testing.T) {
	e := newEnv(t, envOpts{})
	e.standardSetup()
	var idp map[string]any
	e.mustAdmin("GET", "/admin/v1/idps/acme", nil, &idp)
	delete(idp, "created_at")
	delete(idp, "updated_at")
	idp["subject_mode"] = "mapped"
	e.mustAdmin("PUT", "/admin/v1/idps/acme", idp, nil)
	e.mustAdmin("POST", "/admin/v1/subject-mappings", map[string]any{"idp_id": "acme", "external_subject": "alice", "local_subject": "u-1001"}, nil)
	e.mustAdmin("POST", "/admin/v1/subject-mappings", map[string]any{"idp_id": "acme", "external_subject": "mallory", "local_subject": "u-666", "enabled": false}, nil)
	cases := []struct {
		sub, code, subject string
	}{{"alice", "", "u-1001"}, {"bob", "invalid_grant", ""}, {"mallory", "invalid_grant", ""}}
	for _, tc := range cases {
		g := e.grant()
		g.Subject = tc.sub
		r := e.exchange("agent-basic", e.idp.Mint(g), nil)
		if r.code() != tc.code {
			t.Fatalf("mapped %s: %d %v", tc.sub, r.Status, r.Body)
		}
		if tc.subject != "" {
			c, err := e.rsVerify(r.Body["access_token"].(string))
			if err != nil || c.Subject != tc.subject {
				t.Fatalf("mapped %s: sub %q %v", tc.sub, c.Subject, err)
			}
		}
	}
	idp["subject_mode"], idp["email_domains"] = "email", []string{"acme.example"}
	e.mustAdmin("PUT", "/admin/v1/idps/acme", idp, nil)
	for _, tc := range []struct {
		email    string
		verified any
		code     string
	}{{"Alice@ACME.example", true, ""}, {"eve@evil.example", true, "invalid_grant"}, {"bob@acme.example", false, "invalid_grant"}} {
		g := e.grant()
		g.Extra = map[string]any{"email": tc.email, "email_verified": tc.verified}
		if r := e.exchange("agent-basic", e.idp.Mint(g), nil); r.code() != tc.code {
			t.Fatalf("email %s: %d %v", tc.email, r.Status, r.Body)
		}
	}
}

func toJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
