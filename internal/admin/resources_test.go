package admin

import (
	"net/http"
	"testing"
)

func TestResourceLifecycle(t *testing.T) {
	e := newEnv(t)
	var created ResourceDTO
	e.call("POST", "/admin/v1/resources", resourceObj("github", "https://mcp.example.com/github", "repo:read", "repo:write")).
		must(t, http.StatusCreated, &created)
	if created.AccessTokenTTL.String() != "10m" || len(created.Scopes) != 2 {
		t.Fatalf("created = %+v", created)
	}
	ev := e.oneEvent(0, "admin.resource.create")
	if ev.Resource != "https://mcp.example.com/github" || ev.Before != nil {
		t.Fatalf("event resource=%q before=%s", ev.Resource, ev.Before)
	}

	var got ResourceDTO
	e.call("GET", "/admin/v1/resources/github", nil).must(t, http.StatusOK, &got)
	if got.URI != created.URI {
		t.Fatalf("got = %+v", got)
	}
	var list ListResult[ResourceDTO]
	e.call("GET", "/admin/v1/resources", nil).must(t, http.StatusOK, &list)
	if len(list.Items) != 1 {
		t.Fatalf("list = %+v", list)
	}

	upd := resourceObj("github", "https://mcp.example.com/github", "repo:read").with("access_token_ttl", absent)
	var updated ResourceDTO
	e.call("PUT", "/admin/v1/resources/github", upd).must(t, http.StatusOK, &updated)
	if updated.AccessTokenTTL != 0 || len(updated.Scopes) != 1 {
		t.Fatalf("updated = %+v", updated)
	}
	ev = e.oneEvent(1, "admin.resource.update")
	if imageOf(t, ev.Before)["access_token_ttl"] != "10m" || imageOf(t, ev.After)["access_token_ttl"] != nil {
		t.Fatalf("update images before=%s after=%s", ev.Before, ev.After)
	}

	e.call("DELETE", "/admin/v1/resources/github", nil).must(t, http.StatusNoContent, nil)
	e.oneEvent(2, "admin.resource.delete")
	e.call("GET", "/admin/v1/resources/github", nil).problem(t, http.StatusNotFound, "not-found")
}

func TestRAS38_ResourceValidation(t *testing.T) {
	e := newEnv(t, func(d *Deps) { d.MaxTokenLifetime = 30 * 60e9 })
	e.call("POST", "/admin/v1/resources", resourceObj("taken", "https://taken.example.com/mcp")).must(t, http.StatusCreated, nil)
	tests := []struct {
		name   string
		body   any
		status int
		fields []string
	}{
		{"http URI", resourceObj("r", "http://mcp.example.com"), 400, []string{"uri"}},
		{"relative URI", resourceObj("r", "/mcp"), 400, []string{"uri"}},
		{"URI with query", resourceObj("r", "https://mcp.example.com/?a=b"), 400, []string{"uri"}},
		{"URI with fragment", resourceObj("r", "https://mcp.example.com/#x"), 400, []string{"uri"}},
		{"URI with userinfo", resourceObj("r", "https://u:p@mcp.example.com/"), 400, []string{"uri"}},
		{"URI without host", resourceObj("r", "https:///path"), 400, []string{"uri"}},
		{"missing URI", resourceObj("r", ""), 400, []string{"uri"}},
		{"bad scope token", resourceObj("r", "https://r.example.com", "a b", `q"`), 400, []string{"scopes[0]", "scopes[1]"}},
		{"duplicate scope", resourceObj("r", "https://r.example.com", "a", "a"), 400, []string{"scopes[1]"}},
		{"ttl too short", resourceObj("r", "https://r.example.com").with("access_token_ttl", "30s"), 400, []string{"access_token_ttl"}},
		{"ttl above the server maximum", resourceObj("r", "https://r.example.com").with("access_token_ttl", "45m"), 400, []string{"access_token_ttl"}},
		{"bad duration", resourceObj("r", "https://r.example.com").with("access_token_ttl", "ten minutes"), 400, nil},
		{"duration as number", resourceObj("r", "https://r.example.com").with("access_token_ttl", 600), 400, []string{"access_token_ttl"}},
		{"duplicate id", resourceObj("taken", "https://other.example.com"), 409, nil},
		{"duplicate URI", resourceObj("other", "https://taken.example.com/mcp"), 409, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n := len(e.events())
			slug := map[int]string{400: "invalid-request", 409: "conflict"}[tc.status]
			p := e.call("POST", "/admin/v1/resources", tc.body).problem(t, tc.status, slug)
			requireFields(t, p, tc.fields...)
			e.noEvents(n)
		})
	}
	e.call("POST", "/admin/v1/resources", resourceObj("local", "http://127.0.0.1:8080/mcp")).must(t, http.StatusCreated, nil)
}

func TestResourceUpdateConflicts(t *testing.T) {
	e := newEnv(t)
	e.call("POST", "/admin/v1/resources", resourceObj("a", "https://a.example.com", "read")).must(t, http.StatusCreated, nil)
	e.call("POST", "/admin/v1/resources", resourceObj("b", "https://b.example.com")).must(t, http.StatusCreated, nil)
	e.call("POST", "/admin/v1/policies", policyObj("p").with("resources", []string{"a"}, "scopes", []string{"read"})).
		must(t, http.StatusCreated, nil)
	n := len(e.events())

	e.call("PUT", "/admin/v1/resources/b", resourceObj("b", "https://a.example.com")).problem(t, http.StatusConflict, "conflict")
	p := e.call("PUT", "/admin/v1/resources/a", resourceObj("a", "https://a.example.com")).problem(t, http.StatusConflict, "conflict")
	requireFields(t, p, "policies[p].scopes[0]")
	p = e.call("DELETE", "/admin/v1/resources/a", nil).problem(t, http.StatusConflict, "conflict")
	requireFields(t, p, "policies[p].resources")
	e.noEvents(n)
	e.call("GET", "/admin/v1/resources/a", nil).must(t, http.StatusOK, nil)
}
