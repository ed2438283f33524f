package mcpauth

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/authplane/authplane/internal/token"
)

func (f *fixture) wantIntrospections(t *testing.T, n int64) {
	t.Helper()
	if got := f.as.introHits.Load(); got != n {
		t.Fatalf("introspection calls = %d, want %d", got, n)
	}
}

// tokenWithJTI mints a valid token with the given jti.
func (f *fixture) tokenWithJTI(t *testing.T, jti string) string {
	t.Helper()
	c := f.lasting(time.Hour)
	c.JTI = jti
	return f.mint(t, f.key, "", c)
}

func TestEMA13_IntrospectionRevokedToken401(t *testing.T) {
	f := newFixture(t, withIntrospection)
	f.as.set(func(as *authServer) { as.revoked["jti-revoked"] = true })
	var s seen
	h := f.kit.Middleware()(s.handler())
	w := serve(h, request(http.MethodGet, "/github", f.tokenWithJTI(t, "jti-revoked"), ""))
	if w.Code != http.StatusUnauthorized || s.calls != 0 {
		t.Fatalf("revoked: status %d, calls %d", w.Code, s.calls)
	}
	if ch := bearerChallenge(t, w); ch["error"] != "invalid_token" {
		t.Errorf("error = %q", ch["error"])
	}
	w = serve(h, request(http.MethodGet, "/github", f.tokenWithJTI(t, "jti-live"), ""))
	if w.Code != http.StatusOK || s.calls != 1 {
		t.Fatalf("active: status %d, calls %d", w.Code, s.calls)
	}
	f.wantIntrospections(t, 2)
}

func TestEMA13_IntrospectionAnswerCachedAtMost30s(t *testing.T) {
	f := newFixture(t, withIntrospection)
	tok := f.tokenWithJTI(t, "jti-1")
	if got := f.status(t, tok); got != 200 {
		t.Fatalf("status %d", got)
	}
	f.as.set(func(as *authServer) { as.revoked["jti-1"] = true })
	f.clock.Advance(MaxIntrospectionCacheTTL - time.Second)
	if got := f.status(t, tok); got != 200 {
		t.Fatalf("within the cache TTL: status %d", got)
	}
	f.wantIntrospections(t, 1)
	f.clock.Advance(time.Second)
	if got := f.status(t, tok); got != 401 {
		t.Fatalf("after the cache TTL, revoked: status %d", got)
	}
	f.wantIntrospections(t, 2)
	if got := f.status(t, tok); got != 401 {
		t.Fatalf("revoked, cached: status %d", got)
	}
	f.wantIntrospections(t, 2)
}

func TestEMA13_IntrospectionNotAskedForInvalidTokens(t *testing.T) {
	f := newFixture(t, withIntrospection)
	c := f.lasting(time.Hour)
	c.Audience = "https://mcp.example.com/jira"
	if got := f.status(t, f.mint(t, f.key, "", c)); got != 401 {
		t.Fatalf("status %d", got)
	}
	f.wantIntrospections(t, 0)
}

func TestEMA13_IntrospectionFailureFailsClosed(t *testing.T) {
	cases := []struct {
		name   string
		config func(*Config)
		server func(*authServer)
		calls  int64
	}{
		{name: "endpoint_error", server: func(as *authServer) { as.introStatus = http.StatusInternalServerError }, calls: 1},
		{name: "wrong_client_secret", config: func(c *Config) { c.Introspection.ClientSecret = "wrong" }, calls: 1},
		{name: "wrong_url", config: func(c *Config) { c.Introspection.URL = c.Issuer + "/nowhere" }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, withIntrospection, func(c *Config) {
				if tc.config != nil {
					tc.config(c)
				}
			})
			if tc.server != nil {
				f.as.set(tc.server)
			}
			if got := f.status(t, f.tokenWithJTI(t, "jti-1")); got != http.StatusServiceUnavailable {
				t.Fatalf("status %d, want 503", got)
			}
			f.wantIntrospections(t, tc.calls)
		})
	}
}

func TestINT03_IntrospectionResponseParsing(t *testing.T) {
	cases := []struct {
		name, body string
		active     bool
		wantErr    bool
	}{
		{name: "active_same_token", body: `{"active":true,"jti":"j1","aud":"` + testResource + `"}`, active: true},
		{name: "active_aud_array", body: `{"active":true,"aud":["x","` + testResource + `"]}`, active: true},
		{name: "active_minimal", body: `{"active":true}`, active: true},
		{name: "inactive", body: `{"active":false}`},
		{name: "active_other_jti", body: `{"active":true,"jti":"j2"}`},
		{name: "active_other_aud", body: `{"active":true,"aud":"https://mcp.example.com/jira"}`},
		{name: "active_as_string", body: `{"active":"true"}`, wantErr: true},
		{name: "no_active", body: `{"jti":"j1"}`, wantErr: true},
		{name: "not_json", body: `active`, wantErr: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ans, err := parseIntrospection([]byte(tc.body))
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tc.wantErr)
			}
			if err != nil {
				return
			}
			got := ans.activeFor(token.Claims{JTI: "j1", Audience: testResource})
			if got != tc.active {
				t.Fatalf("active = %v, want %v (%+v)", got, tc.active, ans)
			}
		})
	}
	var raw json.RawMessage
	if !audienceIncludes(raw, testResource) {
		t.Error("an absent aud must not refuse")
	}
}
