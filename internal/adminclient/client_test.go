package adminclient

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
)

const testToken = "admin-test-token"

// exchange is what the fake admin server expects and answers.
type exchange struct {
	method, path string // path is escaped and includes the query
	body         string // expected request JSON ("" = no body)
	status       int
	ctype        string
	resp         string
}

// fakeAdmin serves one exchange and fails t on any mismatch.
func fakeAdmin(t *testing.T, ex exchange) *Client {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if got := r.Method; got != ex.method {
			t.Errorf("method = %s, want %s", got, ex.method)
		}
		got := r.URL.EscapedPath()
		if r.URL.RawQuery != "" {
			got += "?" + r.URL.RawQuery
		}
		if got != ex.path {
			t.Errorf("path = %s, want %s", got, ex.path)
		}
		if got := r.Header.Get("Authorization"); got != "Bearer "+testToken {
			t.Errorf("Authorization = %q", got)
		}
		body, _ := io.ReadAll(r.Body)
		assertJSON(t, "request body", string(body), ex.body)
		if ex.body != "" && r.Header.Get("Content-Type") != "application/json" {
			t.Errorf("Content-Type = %q", r.Header.Get("Content-Type"))
		}
		ctype := ex.ctype
		if ctype == "" {
			ctype = "application/json"
		}
		w.Header().Set("Content-Type", ctype)
		w.WriteHeader(ex.status)
		io.WriteString(w, ex.resp)
	}))
	t.Cleanup(srv.Close)
	return &Client{BaseURL: srv.URL, Token: testToken}
}

// assertJSON compares two JSON documents semantically ("" = empty).
func assertJSON(t *testing.T, what, got, want string) {
	t.Helper()
	if want == "" || got == "" {
		if got != want {
			t.Errorf("%s = %q, want %q", what, got, want)
		}
		return
	}
	var g, w any
	if err := json.Unmarshal([]byte(got), &g); err != nil {
		t.Fatalf("%s: %v in %s", what, err, got)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("%s: bad want: %v", what, err)
	}
	if !reflect.DeepEqual(g, w) {
		t.Errorf("%s =\n%s\nwant\n%s", what, got, want)
	}
}

func TestTypedCalls(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name string
		ex   exchange
		call func(*Client) (any, error)
		want string // JSON of the decoded result; "" for none
	}{
		{"list clients keeps null versus []", exchange{"GET", "/admin/v1/clients?cursor=c1&limit=2", "", 200, "",
			`{"items":[{"id":"a","allowed_idps":null},{"id":"b","allowed_idps":[]}],"next_cursor":"c2"}`},
			func(c *Client) (any, error) { return c.Clients().List(ctx, ListOptions{Cursor: "c1", Limit: 2}) },
			`{"items":[{"id":"a","name":"","grant_types":null,"token_endpoint_auth_method":"","allowed_idps":null,"enabled":false,"created_at":"0001-01-01T00:00:00Z","updated_at":"0001-01-01T00:00:00Z"},
			{"id":"b","name":"","grant_types":null,"token_endpoint_auth_method":"","allowed_idps":[],"enabled":false,"created_at":"0001-01-01T00:00:00Z","updated_at":"0001-01-01T00:00:00Z"}],"next_cursor":"c2"}`},
		{"get client escapes the id", exchange{"GET", "/admin/v1/clients/team%2Fagent:1", "", 200, "", `{"id":"team/agent:1"}`},
			func(c *Client) (any, error) { v, err := c.Clients().Get(ctx, "team/agent:1"); return v.ID, err }, `"team/agent:1"`},
		{"create client returns the secret", exchange{"POST", "/admin/v1/clients", `{"id":"agent-1","allowed_idps":[]}`, 201, "",
			`{"id":"agent-1","token_endpoint_auth_method":"client_secret_basic","client_secret":"s3cret"}`},
			func(c *Client) (any, error) {
				v, err := c.CreateClient(ctx, map[string]any{"id": "agent-1", "allowed_idps": []string{}})
				return []string{v.ID, v.AuthMethod, v.ClientSecret}, err
			}, `["agent-1","client_secret_basic","s3cret"]`},
		{"update resource is a PUT", exchange{"PUT", "/admin/v1/resources/github", `{"uri":"https://mcp.example.com/gh","scopes":["repo:read"]}`, 200, "",
			`{"id":"github","uri":"https://mcp.example.com/gh","scopes":["repo:read"],"access_token_ttl":"10m"}`},
			func(c *Client) (any, error) {
				v, err := c.Resources().Update(ctx, map[string]any{"uri": "https://mcp.example.com/gh", "scopes": []string{"repo:read"}}, "github")
				return v.AccessTokenTTL, err
			}, `"10m"`},
		{"delete policy", exchange{"DELETE", "/admin/v1/policies/p1", "", 204, "", ""},
			func(c *Client) (any, error) { return nil, c.Policies().Delete(ctx, "p1") }, ""},
		{"rotate client secret", exchange{"POST", "/admin/v1/clients/agent-1/secret", "", 200, "", `{"client_id":"agent-1","client_secret":"new"}`},
			func(c *Client) (any, error) { return c.RotateClientSecret(ctx, "agent-1") }, `{"client_id":"agent-1","client_secret":"new"}`},
		{"refresh idp", exchange{"POST", "/admin/v1/idps/okta/refresh", "", 200, "", `{"idp_id":"okta","jwks_uri":"https://idp/jwks","kids":["k1"],"last_error":""}`},
			func(c *Client) (any, error) { v, err := c.RefreshIdP(ctx, "okta"); return v.Kids, err }, `["k1"]`},
		{"idp status", exchange{"GET", "/admin/v1/idps/okta/status", "", 200, "", `{"idp_id":"okta","fetched_at":"2026-01-02T03:04:05Z","last_error":"timeout","kids":[]}`},
			func(c *Client) (any, error) {
				v, err := c.IdPStatus(ctx, "okta")
				return []any{v.FetchedAt.Format("2006-01-02"), v.ExpiresAt == nil, v.LastError}, err
			}, `["2026-01-02",true,"timeout"]`},
		{"subject mapping key is path-escaped", exchange{"GET", "/admin/v1/subject-mappings/okta/auth0%7C123%2Fx", "", 200, "", `{"idp_id":"okta","external_subject":"auth0|123/x","local_subject":"alice"}`},
			func(c *Client) (any, error) {
				v, err := c.SubjectMappings().Get(ctx, "okta", "auth0|123/x")
				return v.LocalSubject, err
			}, `"alice"`},
		{"list keys", exchange{"GET", "/admin/v1/keys", "", 200, "", `{"items":[{"kid":"k1","alg":"ES256","state":"active","created_at":"2026-01-01T00:00:00Z"}]}`},
			func(c *Client) (any, error) {
				p, err := c.Keys().List(ctx, ListOptions{})
				return p.Items[0].RetiredAt == nil, err
			}, `true`},
		{"rotate keys", exchange{"POST", "/admin/v1/keys/rotate", "", 200, "", `{"kid":"k2","retired":["k1"]}`},
			func(c *Client) (any, error) { return c.RotateKeys(ctx) }, `{"kid":"k2","retired":["k1"]}`},
		{"revoke token", exchange{"POST", "/admin/v1/tokens/jti%2F1/revoke", "", 204, "", ""},
			func(c *Client) (any, error) { return nil, c.RevokeToken(ctx, "jti/1") }, ""},
		{"bulk revocation", exchange{"POST", "/admin/v1/revocations", `{"kind":"client","value":"agent-1"}`, 201, "",
			`{"kind":"client","value":"agent-1","at":"2026-01-01T00:00:00Z","expires_at":"2026-01-01T01:00:00Z"}`},
			func(c *Client) (any, error) {
				return c.Revoke(ctx, RevocationRequest{Kind: RevokeClient, Value: "agent-1"})
			},
			`{"kind":"client","value":"agent-1","at":"2026-01-01T00:00:00Z","expires_at":"2026-01-01T01:00:00Z"}`},
		{"audit filters", exchange{"GET", "/admin/v1/audit?client=agent-1&limit=50&outcome=failure&type=grant.denied", "", 200, "",
			`{"items":[{"seq":7,"type":"grant.denied","outcome":"failure","before":null}],"next_cursor":""}`},
			func(c *Client) (any, error) {
				q := AuditQuery{Type: "grant.denied", Outcome: "failure", Client: "agent-1"}
				p, err := c.Audit().List(ctx, ListOptions{Limit: 50, Query: q.Values()})
				return p.Items[0].Seq, err
			}, `7`},
		{"raw collection keeps unknown members", exchange{"GET", "/admin/v1/audit/x", "", 200, "", `{"seq":1,"hash":"abc"}`},
			func(c *Client) (any, error) { return c.Audit().Raw().Get(ctx, "x") }, `{"seq":1,"hash":"abc"}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := fakeAdmin(t, tc.ex)
			got, err := tc.call(c)
			if err != nil {
				t.Fatalf("err = %v", err)
			}
			if tc.want == "" {
				return
			}
			buf, _ := json.Marshal(got)
			assertJSON(t, "result", string(buf), tc.want)
		})
	}
}

func TestProblemErrors(t *testing.T) {
	cases := []struct {
		name       string
		status     int
		ctype      string
		resp       string
		wantStatus int
		wantLines  []string
		wantFields int
	}{
		{"400 lists every field error", 400, "application/problem+json",
			`{"type":"https://authplane.dev/problems/invalid-request","title":"Invalid request","status":400,"detail":"3 problems",
			"errors":[{"field":"uri","reason":"must be an absolute https URL"},{"field":"scopes[1]","reason":"not a scope token"},{"field":"access_token_ttl","reason":"must be between 1m and 1h"}]}`,
			400, []string{"admin API: Invalid request (HTTP 400)", "3 problems", "  - uri: must be an absolute https URL",
				"  - scopes[1]: not a scope token", "  - access_token_ttl: must be between 1m and 1h"}, 3},
		{"401", 401, "application/problem+json", `{"type":"https://authplane.dev/problems/unauthorized","title":"Unauthorized","status":401}`,
			401, []string{"admin API: Unauthorized (HTTP 401)"}, 0},
		{"409", 409, "application/problem+json", `{"title":"Conflict","status":409,"detail":"a resource with uri https://x/ exists"}`,
			409, []string{"admin API: Conflict (HTTP 409)", "a resource with uri https://x/ exists"}, 0},
		{"proxy html page", 502, "text/html", "<html>\n<body>Bad\tGateway</body></html>",
			502, []string{"admin API: Bad Gateway (HTTP 502)", "<html> <body>Bad Gateway</body></html>"}, 0},
		{"broken problem json", 500, "application/problem+json", `{"title":`,
			500, []string{"admin API: Internal Server Error (HTTP 500)", `{"title":`}, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := fakeAdmin(t, exchange{"POST", "/admin/v1/resources", `{"id":"r"}`, tc.status, tc.ctype, tc.resp})
			_, err := c.Resources().Create(context.Background(), map[string]string{"id": "r"})
			var p *ProblemError
			if !errors.As(err, &p) {
				t.Fatalf("err = %v, want *ProblemError", err)
			}
			if p.Status != tc.wantStatus || len(p.Errors) != tc.wantFields {
				t.Errorf("status %d fields %d, want %d and %d", p.Status, len(p.Errors), tc.wantStatus, tc.wantFields)
			}
			if got := strings.Split(err.Error(), "\n"); !reflect.DeepEqual(got, tc.wantLines) {
				t.Errorf("Error() lines =\n%q\nwant\n%q", got, tc.wantLines)
			}
		})
	}
}
