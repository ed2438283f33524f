package mcpauth

import (
	"errors"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/auth"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// toolScopes is the per-tool scope map of the tests.
var toolScopes = map[string][]string{
	"create_issue": {"issues:write"},
	"push":         {"repo:write"},
}

func call(tool string) string {
	return `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"` + tool + `","arguments":{}}}`
}

// toolScopeCase is one request through Middleware and ToolScopes.
type toolScopeCase struct {
	name    string
	method  string
	body    string
	granted string
	status  int
	scope   string // expected challenge scope on 403
}

func toolScopeCases() []toolScopeCase {
	return []toolScopeCase{
		{name: "protected_tool_without_scope", body: call("create_issue"), granted: "repo:read", status: 403,
			scope: "repo:read issues:write"},
		{name: "protected_tool_with_scope", body: call("create_issue"), granted: "repo:read issues:write", status: 200},
		{name: "unprotected_tool", body: call("list_repos"), granted: "repo:read", status: 200},
		{name: "tools_list", body: `{"jsonrpc":"2.0","id":1,"method":"tools/list"}`, granted: "repo:read", status: 200},
		{name: "notification", body: `{"jsonrpc":"2.0","method":"notifications/initialized"}`, granted: "repo:read", status: 200},
		{name: "escaped_method_name", body: `{"jsonrpc":"2.0","id":1,"method":"tools\/call","params":{"name":"push"}}`,
			granted: "repo:read", status: 403, scope: "repo:read repo:write"},
		{name: "batch_with_protected_calls", body: "[" + call("list_repos") + "," + call("push") + "," + call("create_issue") + "]",
			granted: "repo:read", status: 403, scope: "repo:read repo:write issues:write"},
		{name: "granted_scope_unknown_to_server_not_requested", body: call("push"), granted: "repo:read other:x",
			status: 403, scope: "repo:read repo:write"},
		{name: "duplicate_method_member", body: `{"jsonrpc":"2.0","id":1,"method":"tools/call","method":"tools/list","params":{"name":"push"}}`,
			granted: "repo:read", status: 400},
		{name: "duplicate_tool_name", body: `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"list_repos","name":"push"}}`,
			granted: "repo:read", status: 400},
		{name: "tools_call_without_name", body: `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{}}`,
			granted: "repo:read", status: 400},
		{name: "not_json", body: `tools/call push`, granted: "repo:read", status: 400},
		{name: "invalid_utf8", body: "{\"jsonrpc\":\"2.0\",\"method\":\"x\xff\"}", granted: "repo:read", status: 400},
		{name: "get_passes", method: http.MethodGet, granted: "repo:read", status: 200},
	}
}

func TestMCP33_ToolScopes(t *testing.T) {
	for _, tc := range toolScopeCases() {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			var s seen
			h := f.kit.Middleware()(f.kit.ToolScopes(toolScopes)(s.handler()))
			method := tc.method
			if method == "" {
				method = http.MethodPost
			}
			w := serve(h, request(method, "/github", f.valid(t, tc.granted), tc.body))
			if w.Code != tc.status {
				t.Fatalf("status = %d, want %d (%q)", w.Code, tc.status, w.Body.String())
			}
			if tc.status == 200 {
				if s.calls != 1 || s.body != tc.body {
					t.Fatalf("handler calls %d, body %q, want the body unchanged", s.calls, s.body)
				}
				return
			}
			if s.calls != 0 {
				t.Fatal("the protected handler ran")
			}
			ch := bearerChallenge(t, w)
			if tc.status == 403 && (ch["error"] != "insufficient_scope" || ch["scope"] != tc.scope) {
				t.Errorf("challenge = %v, want insufficient_scope with scope %q", ch, tc.scope)
			}
			if ch["resource_metadata"] != f.kit.MetadataURL() {
				t.Errorf("resource_metadata = %q", ch["resource_metadata"])
			}
		})
	}
}

func TestMCP33_ToolScopesBodyTooLarge(t *testing.T) {
	f := newFixture(t)
	var s seen
	h := f.kit.Middleware()(f.kit.ToolScopes(toolScopes)(s.handler()))
	body := `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"push","arguments":{"x":"` +
		strings.Repeat("a", int(mcp.DefaultMaxRequestBodyBytes)) + `"}}}`
	w := serve(h, request(http.MethodPost, "/github", f.valid(t, "repo:read"), body))
	if w.Code != http.StatusRequestEntityTooLarge || s.calls != 0 {
		t.Fatalf("status %d, calls %d", w.Code, s.calls)
	}
	if w.Header().Get("WWW-Authenticate") != "" {
		t.Error("a 413 carries a Bearer challenge")
	}
}

func TestMCP33_ToolScopesWithoutMiddlewareRefuses(t *testing.T) {
	f := newFixture(t)
	var s seen
	w := serve(f.kit.ToolScopes(toolScopes)(s.handler()), request(http.MethodPost, "/github", "", call("list_repos")))
	if w.Code != http.StatusUnauthorized || s.calls != 0 {
		t.Fatalf("status %d, calls %d", w.Code, s.calls)
	}
}

func TestMCP33_RequireScopes(t *testing.T) {
	f := newFixture(t)
	cases := []struct {
		name    string
		granted string
		need    []string
		missing []string
		scope   []string
	}{
		{name: "all_granted", granted: "repo:read repo:write", need: []string{"repo:write"}},
		{name: "none_needed", granted: "repo:read", need: nil},
		{name: "one_missing", granted: "repo:read", need: []string{"repo:read", "repo:write"},
			missing: []string{"repo:write"}, scope: []string{"repo:read", "repo:write"}},
		{name: "two_missing", granted: "issues:write", need: []string{"repo:read", "repo:write"},
			missing: []string{"repo:read", "repo:write"}, scope: []string{"issues:write", "repo:read", "repo:write"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var s seen
			var got error
			inner := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				got = f.kit.RequireScopes(r.Context(), tc.need...)
				s.handler().ServeHTTP(w, r)
			})
			serve(f.kit.Middleware()(inner), request(http.MethodGet, "/github", f.valid(t, tc.granted), ""))
			if s.calls != 1 {
				t.Fatal("handler did not run")
			}
			if tc.missing == nil {
				if got != nil {
					t.Fatalf("RequireScopes = %v", got)
				}
				return
			}
			var ise *InsufficientScopeError
			if !errors.As(got, &ise) {
				t.Fatalf("RequireScopes = %v, want *InsufficientScopeError", got)
			}
			if !reflect.DeepEqual(ise.Missing, tc.missing) || !reflect.DeepEqual(ise.Scope, tc.scope) {
				t.Fatalf("got missing %v scope %v, want %v %v", ise.Missing, ise.Scope, tc.missing, tc.scope)
			}
		})
	}
}

func TestMCP36_RequireScopesWithoutTokenIsInvalid(t *testing.T) {
	f := newFixture(t)
	if err := f.kit.RequireScopes(t.Context(), "repo:read"); !errors.Is(err, auth.ErrInvalidToken) {
		t.Fatalf("RequireScopes = %v, want auth.ErrInvalidToken", err)
	}
	if err := f.kit.CheckScopes(nil); !errors.Is(err, auth.ErrInvalidToken) {
		t.Fatalf("CheckScopes(nil) = %v, want auth.ErrInvalidToken", err)
	}
}
