package policy

import (
	"testing"
	"time"

	"github.com/authplane/authplane/internal/storage"
)

// t0 is the fixed evaluation time of the tests.
var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

type ruleOpt func(*storage.Policy)

func mkRule(id, effect string, scopes []string, opts ...ruleOpt) storage.Policy {
	p := storage.Policy{ID: id, Effect: effect, Scopes: scopes, Enabled: true}
	for _, o := range opts {
		o(&p)
	}
	return p
}

func allow(id string, scopes []string, opts ...ruleOpt) storage.Policy {
	return mkRule(id, EffectAllow, scopes, opts...)
}

func deny(id string, scopes []string, opts ...ruleOpt) storage.Policy {
	return mkRule(id, EffectDeny, scopes, opts...)
}

func idps(v ...string) ruleOpt      { return func(p *storage.Policy) { p.IdPs = v } }
func clients(v ...string) ruleOpt   { return func(p *storage.Policy) { p.Clients = v } }
func resources(v ...string) ruleOpt { return func(p *storage.Policy) { p.Resources = v } }
func groups(v ...string) ruleOpt    { return func(p *storage.Policy) { p.GroupsAny = v } }
func subjects(v ...string) ruleOpt  { return func(p *storage.Policy) { p.Subjects = v } }
func cond(expr string) ruleOpt      { return func(p *storage.Policy) { p.Condition = expr } }
func disabled() ruleOpt             { return func(p *storage.Policy) { p.Enabled = false } }
func require(q storage.Requirement) ruleOpt {
	return func(p *storage.Policy) { p.Require = &q }
}

// list returns its arguments as a slice that is never nil, so that an empty
// call spells the "matches nothing" list.
func list(v ...string) []string {
	if v == nil {
		return []string{}
	}
	return v
}

// baseInput is alice of okta, through client agent, towards resource crm,
// holding an assertion for read, write and delete, requesting nothing.
func baseInput() Input {
	at := t0.Add(-10 * time.Minute)
	return Input{
		IdPID:           "okta",
		ClientID:        "agent",
		ResourceID:      "crm",
		Subject:         "okta|alice",
		ExternalSubject: "alice",
		Groups:          []string{"engineering", "admins"},
		AMR:             []string{"pwd"},
		ACR:             "urn:acr:bronze",
		AuthTime:        &at,
		AssertionScopes: []string{"read", "write", "delete"},
		Claims:          map[string]any{"dept": "eng", "level": int64(3), "sub": "alice"},
		Request:         map[string]any{"resource": "https://crm.example.com/mcp", "scope": "read"},
		Now:             t0,
	}
}

func mustCompile(t testing.TB, rules []storage.Policy, opts Options) *Engine {
	t.Helper()
	e, err := Compile(rules, opts)
	if err != nil {
		t.Fatalf("Compile: %v", err)
	}
	return e
}
