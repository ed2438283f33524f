package admin

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
)

func TestAdminAuthentication(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		name      string
		auth      string
		challenge string
	}{
		{"missing token", "", `Bearer realm="authplane-admin"`},
		{"wrong token", "Bearer wrong", `Bearer realm="authplane-admin", error="invalid_token"`},
		{"token with one character changed", "Bearer " + testToken[:len(testToken)-1] + "x", `Bearer realm="authplane-admin", error="invalid_token"`},
		{"basic scheme", "Basic " + testToken, `Bearer realm="authplane-admin", error="invalid_token"`},
		{"empty bearer", "Bearer ", `Bearer realm="authplane-admin", error="invalid_token"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, req := range []struct{ method, path string }{
				{"GET", "/admin/v1/clients"}, {"POST", "/admin/v1/keys/rotate"}, {"GET", "/admin/v1/nowhere"},
			} {
				r := e.callWith(req.method, req.path, nil, map[string]string{"Authorization": tc.auth})
				r.problem(t, http.StatusUnauthorized, "unauthorized")
				if got := r.header.Get("WWW-Authenticate"); got != tc.challenge {
					t.Errorf("%s %s: WWW-Authenticate = %q, want %q", req.method, req.path, got, tc.challenge)
				}
			}
		})
	}
	e.callWith("GET", "/admin/v1/clients", nil, map[string]string{"Authorization": "bearer " + testToken}).
		must(t, http.StatusOK, nil)
}

func TestAdminRejectsEveryRequestWithoutTokenHash(t *testing.T) {
	e := newEnv(t)
	e.srv.Config.Handler = NewHandler(e.svc, Authenticator{Hasher: e.hasher})
	e.call("GET", "/admin/v1/clients", nil).problem(t, http.StatusUnauthorized, "unauthorized")
}

func TestRequestBodyHandling(t *testing.T) {
	e := newEnv(t)
	valid, err := json.Marshal(resourceObj("r", "https://r.example.com"))
	if err != nil {
		t.Fatal(err)
	}
	huge := `{"id":"r","uri":"https://r.example.com","name":"` + strings.Repeat("x", MaxBodyBytes) + `"}`
	tests := []struct {
		name        string
		body        string
		contentType string
		status      int
		slug        string
		field       string
	}{
		{"wrong content type", string(valid), "text/plain", 415, "unsupported-media-type", ""},
		{"missing content type", string(valid), "", 415, "unsupported-media-type", ""},
		{"form content type", string(valid), "application/x-www-form-urlencoded", 415, "unsupported-media-type", ""},
		{"body too large", huge, "application/json", 413, "too-large", ""},
		{"unknown field", `{"id":"r","uri":"https://r.example.com","color":"red"}`, "application/json", 400, "invalid-request", "color"},
		{"trailing data", string(valid) + `{}`, "application/json", 400, "invalid-request", ""},
		{"trailing garbage", string(valid) + `x`, "application/json", 400, "invalid-request", ""},
		{"malformed JSON", `{"id":`, "application/json", 400, "invalid-request", ""},
		{"empty body", ``, "application/json", 400, "invalid-request", ""},
		{"array body", `[]`, "application/json", 400, "invalid-request", "(body)"},
		{"wrong field type", `{"id":"r","uri":"https://r.example.com","scopes":"a b"}`, "application/json", 400, "invalid-request", "scopes"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := e.callWith("POST", "/admin/v1/resources", tc.body, map[string]string{
				"Authorization": "Bearer " + testToken, "Content-Type": tc.contentType})
			p := r.problem(t, tc.status, tc.slug)
			if tc.field != "" {
				requireFields(t, p, tc.field)
			}
			e.noEvents(0)
		})
	}
	e.callWith("POST", "/admin/v1/resources", string(valid)+"\n", map[string]string{
		"Authorization": "Bearer " + testToken, "Content-Type": "application/json; charset=utf-8"}).
		must(t, http.StatusCreated, nil)
}

func TestUnmatchedRoutesAreProblems(t *testing.T) {
	e := newEnv(t)
	r := e.call("PATCH", "/admin/v1/clients/x", `{}`)
	r.problem(t, http.StatusMethodNotAllowed, "method")
	if allow := r.header.Get("Allow"); !strings.Contains(allow, "PUT") || !strings.Contains(allow, "DELETE") {
		t.Fatalf("Allow = %q", allow)
	}
	e.call("GET", "/admin/v1/nowhere", nil).problem(t, http.StatusNotFound, "not-found")
	e.call("GET", "/admin/v2/clients", nil).problem(t, http.StatusNotFound, "not-found")
}

func TestResponsesAreNotCached(t *testing.T) {
	e := newEnv(t)
	for _, r := range []resp{
		e.call("POST", "/admin/v1/clients", clientObj("c")),
		e.call("GET", "/admin/v1/clients/c", nil),
		e.call("GET", "/admin/v1/clients/ghost", nil),
	} {
		if cc := r.header.Get("Cache-Control"); cc != "no-store" {
			t.Fatalf("status %d: Cache-Control = %q", r.status, cc)
		}
	}
}

func TestNilVersusEmptyListsSurviveTheAPI(t *testing.T) {
	e := newEnv(t)
	e.call("POST", "/admin/v1/resources", resourceObj("r", "https://r.example.com", "read")).must(t, http.StatusCreated, nil)
	e.call("POST", "/admin/v1/idps", idpObj("i", "https://i.example.com")).must(t, http.StatusCreated, nil)
	objects := []struct {
		path string
		body obj
		keys []string
	}{
		{"/admin/v1/clients", clientObj("c-nil"), []string{"allowed_idps"}},
		{"/admin/v1/clients", clientObj("c-empty").with("allowed_idps", []string{}, "grant_types", []string{}), []string{"allowed_idps", "grant_types"}},
		{"/admin/v1/resources", resourceObj("r-nil", "https://r1.example.com").with("scopes", nil), []string{"scopes"}},
		{"/admin/v1/resources", resourceObj("r-empty", "https://r2.example.com"), []string{"scopes"}},
		{"/admin/v1/idps", idpObj("i-nil", "https://i1.example.com"), []string{"allowed_algs", "email_domains", "allowed_hosts", "client_id_map"}},
		{"/admin/v1/idps", idpObj("i-empty", "https://i2.example.com").with("email_domains", []string{}, "allowed_hosts", []string{}, "client_id_map", obj{}),
			[]string{"email_domains", "allowed_hosts", "client_id_map"}},
		{"/admin/v1/policies", policyObj("p-nil"), []string{"idps", "clients", "resources", "groups_any", "subjects", "scopes"}},
		{"/admin/v1/policies", policyObj("p-empty").with("idps", []string{}, "clients", []string{}, "resources", []string{},
			"groups_any", []string{}, "subjects", []string{}, "scopes", []string{}, "require", obj{"amr_any": []string{}, "acr_any": nil}),
			[]string{"idps", "clients", "resources", "groups_any", "subjects", "scopes"}},
	}
	for _, o := range objects {
		t.Run(fmt.Sprint(o.body["id"]), func(t *testing.T) {
			var created map[string]any
			e.call("POST", o.path, o.body).must(t, http.StatusCreated, &created)
			var got map[string]any
			e.call("GET", o.path+"/"+o.body["id"].(string), nil).must(t, http.StatusOK, &got)
			for _, k := range o.keys {
				want, _ := json.Marshal(o.body[k])
				for what, m := range map[string]map[string]any{"create": created, "get": got} {
					v, present := m[k]
					have, _ := json.Marshal(v)
					if !present || string(have) != string(want) {
						t.Errorf("%s %s = %s (present %v), want %s", what, k, have, present, want)
					}
				}
			}
			if req, ok := got["require"].(map[string]any); ok {
				if b, _ := json.Marshal(req); string(b) != `{"acr_any":null,"amr_any":[]}` {
					t.Errorf("require = %s", b)
				}
			}
		})
	}
}

func TestListPaging(t *testing.T) {
	e := newEnv(t)
	for i := range 5 {
		e.call("POST", "/admin/v1/clients", clientObj(fmt.Sprintf("c%d", i))).must(t, http.StatusCreated, nil)
	}
	var ids []string
	cursor := ""
	for pages := 0; ; pages++ {
		if pages > 3 {
			t.Fatal("paging does not end")
		}
		var page ListResult[ClientDTO]
		e.call("GET", "/admin/v1/clients?limit=2&cursor="+cursor, nil).must(t, http.StatusOK, &page)
		for _, c := range page.Items {
			ids = append(ids, c.ID)
		}
		if page.NextCursor == "" {
			break
		}
		cursor = page.NextCursor
	}
	if strings.Join(ids, ",") != "c0,c1,c2,c3,c4" {
		t.Fatalf("paged ids = %v", ids)
	}
	var empty ListResult[ResourceDTO]
	e.call("GET", "/admin/v1/resources", nil).must(t, http.StatusOK, &empty)
	if r := e.call("GET", "/admin/v1/resources", nil); !strings.Contains(string(r.body), `"items":[]`) {
		t.Fatalf("empty list body = %s", r.body)
	}
	requireFields(t, e.call("GET", "/admin/v1/clients?limit=-1", nil).problem(t, 400, "invalid-request"), "limit")
	requireFields(t, e.call("GET", "/admin/v1/clients?limit=x", nil).problem(t, 400, "invalid-request"), "limit")
	requireFields(t, e.call("GET", "/admin/v1/clients?cursor=%25%25", nil).problem(t, 400, "invalid-request"), "cursor")
}
