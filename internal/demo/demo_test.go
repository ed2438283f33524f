package demo

import (
	"bytes"
	"context"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/authplane/authplane/internal/adminclient"
	"github.com/authplane/authplane/internal/idprole"
)

// testIterations keeps the IdP role's password hashing cheap in tests.
const testIterations = 1000

// TestRunOnce runs the whole demo with --once semantics and checks what it
// observed: alice's tool result and grant, the MCP server's refusal of
// create_issue, AuthPlane's refusal of bob with its audit reason, the
// artefacts of the chain, and the audit records of both sides, which name
// the same ID-JAG.
func TestRunOnce(t *testing.T) {
	var out bytes.Buffer
	var res Result
	if err := Run(t.Context(), Options{Once: true, Out: &out, DataDir: t.TempDir(), Result: &res, passwordIterations: testIterations}); err != nil {
		t.Fatalf("Run: %v\n%s", err, out.String())
	}
	if want := "3 repositories visible to corp|alice via agent-1: acme/api, acme/infra, acme/web"; res.ToolResult != want {
		t.Errorf("tool result %q, want %q", res.ToolResult, want)
	}
	if res.Granted != "repo:read" {
		t.Errorf("alice was granted %q, want repo:read (policy narrows repo:read repo:write)", res.Granted)
	}
	if !strings.Contains(res.WriteRefusal, `error="insufficient_scope"`) || !strings.Contains(res.WriteRefusal, "repo:write") {
		t.Errorf("create_issue refusal %q", res.WriteRefusal)
	}
	if res.DenialError != "invalid_grant" || res.DenialReason != "policy_no_matching_rule" {
		t.Errorf("bob's denial: error %q reason %q", res.DenialError, res.DenialReason)
	}
	checkArtefacts(t, res)
	checkAuditTrails(t, res)
	checkNarrative(t, out.String())
}

func checkArtefacts(t *testing.T, res Result) {
	t.Helper()
	tests := []struct {
		name, got, want string
	}{
		{"ID token typ", str(res.IDToken.Header["typ"]), "JWT"},
		{"ID token sub", res.IDToken.Str("sub"), "alice"},
		{"ID-JAG typ", str(res.IDJAG.Header["typ"]), "oauth-id-jag+jwt"},
		{"ID-JAG client_id", res.IDJAG.Str("client_id"), "agent-1"},
		{"ID-JAG aud is AuthPlane", res.IDJAG.Str("aud"), res.AccessToken.Str("iss")},
		{"ID-JAG iss is the IdP", res.IDJAG.Str("iss"), res.IDToken.Str("iss")},
		{"access token typ", str(res.AccessToken.Header["typ"]), "at+jwt"},
		{"access token sub", res.AccessToken.Str("sub"), "corp|alice"},
		{"access token scope", res.AccessToken.Str("scope"), "repo:read"},
		{"access token aud is the ID-JAG resource", res.AccessToken.Str("aud"), res.IDJAG.Str("resource")},
	}
	for _, tt := range tests {
		if tt.got != tt.want || tt.got == "" {
			t.Errorf("%s = %q, want %q", tt.name, tt.got, tt.want)
		}
	}
}

func checkAuditTrails(t *testing.T, res Result) {
	t.Helper()
	issued := func(e adminclient.AuditEvent) bool { return e.Type == "token.issued" }
	i := slices.IndexFunc(res.AuthPlaneAudit, issued)
	if i < 0 {
		t.Fatalf("no token.issued record at AuthPlane: %+v", res.AuthPlaneAudit)
	}
	first := res.AuthPlaneAudit[i]
	if first.Subject != "corp|alice" || first.ClientID != "agent-1" || !slices.Equal(first.PolicyRuleIDs, []string{asPolicyID}) ||
		first.TokenJTI != res.AccessToken.Str("jti") {
		t.Errorf("AuthPlane token.issued %+v", first)
	}
	// The IdP's record of the ID-JAG and AuthPlane's record of its use
	// name the same jti.
	if !slices.ContainsFunc(res.IdPAudit, func(e idprole.Event) bool {
		return e.Type == idprole.EventIDJAGIssued && e.Username == "alice" && e.TokenJTI == first.AssertionJTI &&
			slices.Equal(e.PolicyRuleIDs, []string{idpPolicyID})
	}) {
		t.Errorf("no IdP idjag.issued record for jti %s: %+v", first.AssertionJTI, res.IdPAudit)
	}
	denied := slices.DeleteFunc(slices.Clone(res.AuthPlaneAudit), func(e adminclient.AuditEvent) bool { return e.Type != "grant.denied" })
	if len(denied) == 0 {
		t.Fatal("no grant.denied record at AuthPlane")
	}
	for _, e := range denied {
		if e.Subject != "corp|bob" || e.Reason != "policy_no_matching_rule" || e.Outcome != "failure" {
			t.Errorf("AuthPlane grant.denied %+v", e)
		}
	}
	for _, e := range res.IdPAudit {
		if e.Type == idprole.EventAdmin || e.Outcome != idprole.OutcomeSuccess {
			t.Errorf("unexpected IdP record in the flow: %+v", e)
		}
	}
}

// jwsPattern matches a compact JWS (header and payload of a JSON object).
var jwsPattern = regexp.MustCompile(`eyJ[A-Za-z0-9_-]+\.eyJ[A-Za-z0-9_-]+`)

func checkNarrative(t *testing.T, out string) {
	t.Helper()
	for _, want := range []string{
		"== 1. alice", "RFC 8693 token exchange", "RFC 7523 jwt-bearer grant", "signature <elided>",
		"local checks of the ID-JAG", "tools/call list_repos", "403 Forbidden", "grant.denied",
		"reason=policy_no_matching_rule", "== Done",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the narrative lacks %q", want)
		}
	}
	if m := jwsPattern.FindString(out); m != "" {
		t.Errorf("the narrative prints a token: %.40s…", m)
	}
	for _, secret := range []string{alicePassword, bobPassword} {
		if strings.Contains(out, secret) {
			t.Errorf("the narrative prints the password %q", secret)
		}
	}
}

func str(v any) string { s, _ := v.(string); return s }

// TestRunServesUntilCancelled: without Once, Run prints the instructions,
// keeps the parties up (the printed admin URL and token work) and returns
// nil when its context ends.
func TestRunServesUntilCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	w := &watchWriter{want: "Still running", seen: make(chan struct{})}
	errc := make(chan error, 1)
	go func() { errc <- Run(ctx, Options{Out: w, DataDir: t.TempDir(), passwordIterations: testIterations}) }()
	select {
	case <-w.seen:
	case err := <-errc:
		t.Fatalf("Run returned before serving: %v\n%s", err, w.String())
	}
	out := w.String()
	url := regexp.MustCompile(`AUTHPLANE_ADMIN_URL=(\S+)`).FindStringSubmatch(out)
	tok := regexp.MustCompile(`AUTHPLANE_ADMIN_TOKEN=(\S+)`).FindStringSubmatch(out)
	if url == nil || tok == nil {
		t.Fatalf("no admin URL or token in the instructions:\n%s", out)
	}
	c := &adminclient.Client{BaseURL: url[1], Token: tok[1]}
	p, err := c.Policies().Get(ctx, asPolicyID)
	if err != nil || !slices.Equal(p.GroupsAny, []string{"engineering"}) {
		t.Fatalf("the printed admin API: %v %+v", err, p)
	}
	for _, want := range []string{"authplane xaa token", "examples/mcp-client", "--client-secret "} {
		if !strings.Contains(out, want) {
			t.Errorf("the instructions lack %q", want)
		}
	}
	cancel()
	if err := <-errc; err != nil {
		t.Fatalf("Run after cancel: %v", err)
	}
}

// watchWriter collects output and closes seen once want appears.
type watchWriter struct {
	mu   sync.Mutex
	buf  bytes.Buffer
	want string
	seen chan struct{}
	once sync.Once
}

func (w *watchWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	n, err := w.buf.Write(p)
	if strings.Contains(w.buf.String(), w.want) {
		w.once.Do(func() { close(w.seen) })
	}
	return n, err
}

func (w *watchWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// TestFlowFailsWhenBobIsAllowed: the demo checks its own expectations, so
// `demo --once` exits non-zero when the parties misbehave. Here AuthPlane
// is told to let sales read too, and the flow reports that bob got in.
func TestFlowFailsWhenBobIsAllowed(t *testing.T) {
	d, err := Start(t.Context(), Options{DataDir: t.TempDir(), passwordIterations: testIterations})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if _, err := d.admin.Policies().Create(t.Context(), map[string]any{
		"id": "sales-read", "effect": "allow", "resources": []string{asResourceID},
		"groups_any": []string{"sales"}, "scopes": []string{"repo:read"},
	}); err != nil {
		t.Fatal(err)
	}
	res, err := d.Flow(t.Context())
	if err == nil || !strings.Contains(err.Error(), "bob's agent connected") {
		t.Fatalf("Flow = %v, want the failure naming bob", err)
	}
	if res.ToolResult == "" || res.DenialReason != "" {
		t.Errorf("result before the failure: %+v", res)
	}
}
