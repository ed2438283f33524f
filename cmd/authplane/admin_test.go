package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// adminRoute is one canned answer of the fake admin API.
type adminRoute struct {
	status int
	body   string
}

// adminCall is one request the fake admin API received.
type adminCall struct {
	method, path, body string
}

// fakeAdminAPI answers "METHOD /escaped/path?query" from routes and records
// every request; unknown routes fail the test.
func fakeAdminAPI(t *testing.T, routes map[string]adminRoute) (string, *[]adminCall) {
	t.Helper()
	var calls []adminCall
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer tok" {
			t.Errorf("Authorization = %q", r.Header.Get("Authorization"))
		}
		key := r.Method + " " + r.URL.EscapedPath()
		if r.URL.RawQuery != "" {
			key += "?" + r.URL.RawQuery
		}
		b, _ := io.ReadAll(r.Body)
		calls = append(calls, adminCall{r.Method, strings.TrimPrefix(key, r.Method+" "), string(b)})
		rt, ok := routes[key]
		if !ok {
			t.Errorf("unexpected request %s", key)
			rt = adminRoute{404, `{"title":"Not Found","status":404}`}
		}
		ctype := "application/json"
		if rt.status >= 400 {
			ctype = "application/problem+json"
		}
		w.Header().Set("Content-Type", ctype)
		w.WriteHeader(rt.status)
		io.WriteString(w, rt.body)
	}))
	t.Cleanup(srv.Close)
	return srv.URL, &calls
}

// runAdmin executes `admin args…` and returns stdout, stderr and the error.
func runAdmin(t *testing.T, url string, args ...string) (string, string, error) {
	t.Helper()
	cmd := newAdminCmd()
	var out, errOut strings.Builder
	cmd.SetOut(&out)
	cmd.SetErr(&errOut)
	cmd.SetArgs(append([]string{"--admin-url", url, "--admin-token", "tok"}, args...))
	err := cmd.ExecuteContext(context.Background())
	return out.String(), errOut.String(), err
}

func adminSameJSON(t *testing.T, got, want string) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal([]byte(got), &g); err != nil {
		t.Fatalf("bad JSON %q: %v", got, err)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("bad want %q: %v", want, err)
	}
	if !reflect.DeepEqual(g, w) {
		t.Errorf("JSON =\n%s\nwant\n%s", got, want)
	}
}

func TestAdminCommands(t *testing.T) {
	yamlFile := filepath.Join(t.TempDir(), "idp.yaml")
	if err := os.WriteFile(yamlFile, []byte("id: okta\nissuer: https://idp.example.com\nallowed_algs: null\ncreated_at: 2026-01-01T00:00:00Z\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	const client = `{"id":"a","name":"A","grant_types":[],"token_endpoint_auth_method":"client_secret_basic","allowed_idps":null,"enabled":true,"created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-01T00:00:00Z"}`
	cases := []struct {
		name      string
		routes    map[string]adminRoute
		args      []string
		wantCalls []adminCall // bodies compared as JSON
		wantOut   []string    // substrings of stdout
		wantErr   []string    // substrings of stderr or of the error
	}{
		{"create client with --no-idps shows the secret once",
			map[string]adminRoute{"POST /admin/v1/clients": {201, `{"id":"a","allowed_idps":[],"client_secret":"s3cret"}`}},
			[]string{"clients", "create", "--id", "a", "--no-idps"},
			[]adminCall{{"POST", "/admin/v1/clients", `{"id":"a","allowed_idps":[]}`}},
			[]string{`"client_secret": "s3cret"`}, []string{"cannot be shown again"}},
		{"update client reads, merges and writes back",
			map[string]adminRoute{"GET /admin/v1/clients/a": {200, client}, "PUT /admin/v1/clients/a": {200, client}},
			[]string{"clients", "update", "a", "--allowed-idp", "okta", "-o", "table"},
			[]adminCall{{"GET", "/admin/v1/clients/a", ""}, {"PUT", "/admin/v1/clients/a",
				`{"id":"a","name":"A","grant_types":[],"token_endpoint_auth_method":"client_secret_basic","allowed_idps":["okta"],"enabled":true}`}},
			[]string{"ID  NAME", "a   A "}, nil},
		{"create idp from YAML file with a flag on top",
			map[string]adminRoute{"POST /admin/v1/idps": {201, `{"id":"okta"}`}},
			[]string{"idps", "create", "-f", yamlFile, "--clock-skew", "30s"},
			[]adminCall{{"POST", "/admin/v1/idps", `{"id":"okta","issuer":"https://idp.example.com","allowed_algs":null,"clock_skew":"30s"}`}},
			[]string{`"id": "okta"`}, nil},
		{"list resources as a table announces the next page",
			map[string]adminRoute{"GET /admin/v1/resources?limit=1": {200, `{"items":[{"id":"gh","uri":"https://x/gh","scopes":["r"]}],"next_cursor":"gh"}`}},
			[]string{"resources", "list", "--limit", "1"},
			[]adminCall{{"GET", "/admin/v1/resources?limit=1", ""}},
			[]string{"gh  https://x/gh"}, []string{`more results: --cursor "gh"`}},
		{"audit --all follows the cursor",
			map[string]adminRoute{
				"GET /admin/v1/audit?outcome=failure&type=grant.denied":          {200, `{"items":[{"seq":1,"type":"grant.denied"}],"next_cursor":"1"}`},
				"GET /admin/v1/audit?cursor=1&outcome=failure&type=grant.denied": {200, `{"items":[{"seq":2,"type":"grant.denied","hash":"h"}],"next_cursor":""}`},
			},
			[]string{"audit", "list", "--type", "grant.denied", "--outcome", "failure", "--all", "-o", "json"},
			[]adminCall{{"GET", "/admin/v1/audit?outcome=failure&type=grant.denied", ""}, {"GET", "/admin/v1/audit?cursor=1&outcome=failure&type=grant.denied", ""}},
			[]string{`"seq": 2`, `"hash": "h"`, `"next_cursor": ""`}, nil},
		{"subject mapping delete escapes the subject",
			map[string]adminRoute{"DELETE /admin/v1/subject-mappings/okta/a%7Cb": {204, ""}},
			[]string{"subject-mappings", "delete", "okta", "a|b"},
			[]adminCall{{"DELETE", "/admin/v1/subject-mappings/okta/a%7Cb", ""}},
			[]string{"deleted subject mapping okta a|b"}, nil},
		{"bulk revoke",
			map[string]adminRoute{"POST /admin/v1/revocations": {201, `{"kind":"subject","value":"alice","at":"2026-01-01T00:00:00Z","expires_at":"2026-01-01T01:00:00Z"}`}},
			[]string{"revoke", "--subject", "alice"},
			[]adminCall{{"POST", "/admin/v1/revocations", `{"kind":"subject","value":"alice"}`}},
			[]string{`"value": "alice"`}, nil},
		{"validation problem shows every field error",
			map[string]adminRoute{"POST /admin/v1/resources": {400, `{"title":"Invalid request","status":400,"errors":[{"field":"uri","reason":"required"},{"field":"scopes","reason":"bad"},{"field":"id","reason":"too long"}]}`}},
			[]string{"resources", "create"},
			[]adminCall{{"POST", "/admin/v1/resources", `{}`}},
			nil, []string{"Invalid request (HTTP 400)", "  - uri: required", "  - scopes: bad", "  - id: too long"}},
		{"update without changes sends nothing", nil, []string{"policies", "update", "p"}, nil, nil, []string{"nothing to change"}},
		{"two revocation kinds refused", nil, []string{"revoke", "--client", "a", "--idp", "okta"}, nil, nil, []string{"exactly one"}},
		{"bad output format", nil, []string{"keys", "list", "-o", "yaml"}, nil, nil, []string{`output format "yaml"`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			url, calls := fakeAdminAPI(t, tc.routes)
			out, errOut, err := runAdmin(t, url, tc.args...)
			if tc.wantErr == nil && err != nil {
				t.Fatalf("err = %v", err)
			}
			errText := errOut
			if err != nil {
				errText += err.Error()
			}
			for _, s := range tc.wantErr {
				if !strings.Contains(errText, s) {
					t.Errorf("stderr/error %q lacks %q", errText, s)
				}
			}
			for _, s := range tc.wantOut {
				if !strings.Contains(out, s) {
					t.Errorf("stdout %q lacks %q", out, s)
				}
			}
			if len(*calls) != len(tc.wantCalls) {
				t.Fatalf("calls = %+v, want %+v", *calls, tc.wantCalls)
			}
			for i, c := range *calls {
				w := tc.wantCalls[i]
				if c.method != w.method || c.path != w.path {
					t.Errorf("call %d = %s %s, want %s %s", i, c.method, c.path, w.method, w.path)
				}
				if w.body != "" || c.body != "" {
					adminSameJSON(t, c.body, w.body)
				}
			}
		})
	}
}

func TestAdminRequiresToken(t *testing.T) {
	t.Setenv("AUTHPLANE_ADMIN_TOKEN", "")
	cmd := newAdminCmd()
	cmd.SetOut(io.Discard)
	cmd.SetErr(io.Discard)
	cmd.SetArgs([]string{"--admin-url", "http://127.0.0.1:1", "keys", "list"})
	if err := cmd.Execute(); err == nil || !strings.Contains(err.Error(), "no admin token") {
		t.Fatalf("err = %v", err)
	}
}
