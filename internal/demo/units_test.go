package demo

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/authplane/authplane/internal/adminclient"
	"github.com/authplane/authplane/internal/idprole"
)

// completeResult has every record checkAudit requires.
func completeResult() Result {
	return Result{
		IdPAudit: []idprole.Event{
			{Type: idprole.EventSignIn, Username: "alice", Outcome: idprole.OutcomeSuccess},
			{Type: idprole.EventIDJAGIssued, Username: "alice", Outcome: idprole.OutcomeSuccess},
			{Type: idprole.EventSignIn, Username: "bob", Outcome: idprole.OutcomeSuccess},
			{Type: idprole.EventIDJAGIssued, Username: "bob", Outcome: idprole.OutcomeSuccess},
		},
		AuthPlaneAudit: []adminclient.AuditEvent{
			{Type: "token.issued", Subject: "corp|alice", GrantedScopes: []string{"repo:read"}},
			{Type: "grant.denied", Subject: "corp|bob", Reason: "policy_no_matching_rule"},
		},
	}
}

func TestCheckAudit(t *testing.T) {
	tests := []struct {
		name    string
		mutate  func(*Result)
		missing string // "" = no error
	}{
		{"complete", func(*Result) {}, ""},
		{"no IdP sign-in for bob", func(r *Result) { r.IdPAudit = slices.Delete(r.IdPAudit, 2, 3) }, "signin for bob"},
		{"IdP exchange failed", func(r *Result) { r.IdPAudit[1].Outcome = idprole.OutcomeFailure }, "idjag.issued for alice"},
		{"alice granted more", func(r *Result) { r.AuthPlaneAudit[0].GrantedScopes = []string{"repo:read", "repo:write"} }, "token.issued for alice"},
		{"bob denied for another reason", func(r *Result) { r.AuthPlaneAudit[1].Reason = "unknown_issuer" }, "grant.denied for bob"},
		{"no AuthPlane records", func(r *Result) { r.AuthPlaneAudit = nil }, "token.issued for alice"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := completeResult()
			tt.mutate(&r)
			err := checkAudit(&r)
			if tt.missing == "" {
				if err != nil {
					t.Fatalf("checkAudit: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.missing) {
				t.Fatalf("checkAudit = %v, want it to name %q", err, tt.missing)
			}
		})
	}
}

func TestParamLinesRedactsSecrets(t *testing.T) {
	tests := []struct {
		name, param, value, want string
	}{
		{"client secret", "client_secret", "s3cr3t-value", "<redacted>"},
		{"password", "password", "s3cr3t-value", "<redacted>"},
		{"authorization code", "code", "s3cr3t-value", "<redacted>"},
		{"PKCE verifier", "code_verifier", "s3cr3t-value", "<redacted>"},
		{"ID token", "subject_token", "s3cr3t-value", "<the ID token>"},
		{"ID-JAG", "assertion", "s3cr3t-value", "<the ID-JAG>"},
		{"plain parameter shown", "audience", "https://as.example", "https://as.example"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lines := paramLines(url.Values{"grant_type": {"g"}, tt.param: {tt.value}, "empty": {""}})
			joined := strings.Join(lines, "\n")
			if len(lines) != 2 || !strings.HasPrefix(lines[0], "grant_type") {
				t.Fatalf("lines %q: want grant_type first and the empty parameter left out", lines)
			}
			if !strings.Contains(lines[1], tt.want) || (tt.want != tt.value && strings.Contains(joined, tt.value)) {
				t.Fatalf("line %q, want %q", lines[1], tt.want)
			}
		})
	}
}

// TestTapHandsBodiesOnUnchanged: the tap reads form and JSON-RPC requests
// and JSON answers, and the agent still sends and receives the same bytes;
// event streams are not read.
func TestTapHandsBodiesOnUnchanged(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", r.URL.Query().Get("answer"))
		w.Header().Set("WWW-Authenticate", "Bearer x")
		_, _ = w.Write(body) // echo
	}))
	defer srv.Close()
	tests := []struct {
		name, reqType, answerType, body string
		check                           func(hop) bool
	}{
		{"form and JSON answer", "application/x-www-form-urlencoded", "application/json", `{"a":"b"}`,
			func(h hop) bool { return h.str("a") == "b" }},
		{"form parameters", "application/x-www-form-urlencoded", "text/plain", "grant_type=g&scope=x+y",
			func(h hop) bool { return h.form.Get("scope") == "x y" && h.body == nil }},
		{"JSON-RPC tools/call", "application/json", "text/event-stream", `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"list_repos"}}`,
			func(h hop) bool { return h.rpc == "tools/call" && h.tool == "list_repos" && h.body == nil }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var seen []hop
			c := &http.Client{Transport: &tap{base: http.DefaultTransport, see: func(h hop) { seen = append(seen, h) }}}
			req, _ := http.NewRequest(http.MethodPost, srv.URL+"/?answer="+url.QueryEscape(tt.answerType), bytes.NewReader([]byte(tt.body)))
			req.Header.Set("Content-Type", tt.reqType)
			resp, err := c.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			got, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if string(got) != tt.body {
				t.Fatalf("the agent received %q, want %q", got, tt.body)
			}
			if len(seen) != 1 || seen[0].status != http.StatusOK || seen[0].challenge != "Bearer x" || !tt.check(seen[0]) {
				t.Fatalf("the tap saw %+v", seen)
			}
		})
	}
}
