package server

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/authplane/authplane/internal/oauth"
	"github.com/authplane/authplane/internal/storage"
	"github.com/authplane/authplane/internal/testidp"
)

// consumed reports whether (the test IdP, jti) is consumed — by trying to
// consume it, so call it once per jti, last.
func (e *env) consumed(iss, jti string) bool {
	e.t.Helper()
	err := e.srv.store.ConsumeJTI(context.Background(), storage.ConsumedJTI{Issuer: iss, JTI: jti, ExpiresAt: time.Now().Add(time.Hour)})
	if err != nil && !errors.Is(err, storage.ErrReplay) {
		e.t.Fatal(err)
	}
	return errors.Is(err, storage.ErrReplay)
}

type grantCase struct {
	name     string
	mutate   func(g *testidp.Grant)
	client   string     // default agent-basic
	extra    url.Values // request parameters
	status   int
	code     string
	consumed bool
}

// TestRAS_B2_Pipeline drives every row of SPEC B.2 (9-29) through the real
// server: status, error code, no token on failure, and whether the jti was
// consumed (only a fully valid request consumes it).
func TestRAS_B2_Pipeline(t *testing.T) {
	e := newEnv(t, envOpts{})
	e.standardSetup()
	for _, tc := range pipelineCases(e) {
		t.Run(tc.name, func(t *testing.T) { runGrantCase(t, e, tc) })
	}
}

// pipelineCases are the defect knobs of the grant tests, shared with the
// audit tests.
func pipelineCases(e *env) []grantCase {
	other := testidp.NewKey(jose.ES256)
	current := e.idp.SigningKey()
	impostor := testidp.Key{Kid: current.Kid, Alg: jose.ES256, Pri: other.Pri}
	cases := []grantCase{
		{name: "RAS14_valid_grant", status: 200, consumed: true},
		{name: "Step11_typ_media_type_equivalent", mutate: func(g *testidp.Grant) { g.Typ = "application/OAUTH-ID-JAG+JWT" }, status: 200, consumed: true},
		{name: "Step15_aud_single_element_array", mutate: func(g *testidp.Grant) { g.Audience = []string{testIssuer} }, status: 200, consumed: true},
		{name: "Step6_client_without_grant_type", client: "rs-github", mutate: func(g *testidp.Grant) { g.ClientID = "rs-github" }, status: 400, code: "unauthorized_client"},
		{name: "Step9_JWE_five_parts", mutate: func(g *testidp.Grant) { g.Header = map[string]any{"enc": "A256GCM"} }, status: 400, code: "invalid_grant"},
		{name: "Step10_alg_none", mutate: func(g *testidp.Grant) { g.Unsigned = true }, status: 400, code: "invalid_grant"},
		{name: "Step10_alg_HS256", mutate: func(g *testidp.Grant) { g.Alg = "HS256" }, status: 400, code: "invalid_grant"},
		{name: "Step10_crit_present", mutate: func(g *testidp.Grant) { g.Header = map[string]any{"crit": []string{"exp"}} }, status: 400, code: "invalid_grant"},
		{name: "Step10_jku_present", mutate: func(g *testidp.Grant) { g.Header = map[string]any{"jku": "https://evil.example/jwks"} }, status: 400, code: "invalid_grant"},
		{name: "Step11_typ_JWT", mutate: func(g *testidp.Grant) { g.Typ = "JWT" }, status: 400, code: "invalid_grant"},
		{name: "Step11_typ_absent", mutate: func(g *testidp.Grant) { g.Typ = "-" }, status: 400, code: "invalid_grant"},
		{name: "Step13_unknown_issuer", mutate: func(g *testidp.Grant) { g.Issuer = "https://unknown.example" }, status: 400, code: "invalid_grant"},
		{name: "Step13_own_issuer", mutate: func(g *testidp.Grant) { g.Issuer = testIssuer }, status: 400, code: "invalid_grant"},
		{name: "Step14_unknown_kid", mutate: func(g *testidp.Grant) { g.Key = &other }, status: 400, code: "invalid_grant"},
		{name: "Step14_bad_signature", mutate: func(g *testidp.Grant) { g.Key = &impostor }, status: 400, code: "invalid_grant"},
		{name: "Step15_aud_two_elements", mutate: func(g *testidp.Grant) { g.Audience = []string{testIssuer, "https://other.example"} }, status: 400, code: "invalid_grant"},
		{name: "Step15_aud_trailing_slash", mutate: func(g *testidp.Grant) { g.Audience = testIssuer + "/" }, status: 400, code: "invalid_grant"},
		{name: "Step16_expired", mutate: func(g *testidp.Grant) { g.Now = time.Now().Add(-7 * time.Minute); g.Lifetime = 5 * time.Minute }, status: 400, code: "invalid_grant"},
		{name: "Step17_iat_in_future", mutate: func(g *testidp.Grant) { g.Now = time.Now().Add(3 * time.Minute); g.Lifetime = time.Minute }, status: 400, code: "invalid_grant"},
		{name: "Step17_lifetime_over_5m", mutate: func(g *testidp.Grant) { g.Lifetime = 10 * time.Minute }, status: 400, code: "invalid_grant"},
		{name: "Step17_nbf_in_future", mutate: func(g *testidp.Grant) { g.Extra = map[string]any{"nbf": time.Now().Add(3 * time.Minute).Unix()} }, status: 400, code: "invalid_grant"},
		{name: "Step18_jti_missing", mutate: func(g *testidp.Grant) { g.Omit = []string{"jti"} }, status: 400, code: "invalid_grant"},
		{name: "Step18_jti_257_bytes", mutate: func(g *testidp.Grant) { g.JTI = strings.Repeat("j", 257) }, status: 400, code: "invalid_grant"},
		{name: "Step19_sub_missing", mutate: func(g *testidp.Grant) { g.Omit = []string{"sub"} }, status: 400, code: "invalid_grant"},
		{name: "Step20_client_id_mismatch", mutate: func(g *testidp.Grant) { g.ClientID = "agent-post" }, status: 400, code: "invalid_grant"},
		{name: "Step24_resource_claim_missing", mutate: func(g *testidp.Grant) { g.Resource = nil }, status: 400, code: "invalid_grant"},
		{name: "Step24_resource_not_registered", mutate: func(g *testidp.Grant) { g.Resource = "https://mcp.example.com/unknown" }, status: 400, code: "invalid_grant"},
		{name: "Step25_request_resource_not_in_claim", extra: url.Values{"resource": {jiraURI}}, status: 400, code: "invalid_target"},
		{name: "Step25_request_resource_with_fragment", extra: url.Values{"resource": {githubURI + "#x"}}, status: 400, code: "invalid_target"},
		{name: "Step25_request_resource_host_case_insensitive", extra: url.Values{"resource": {"HTTPS://MCP.EXAMPLE.COM/github"}}, status: 200, consumed: true},
		{name: "Step25_multi_resource_claim_needs_request", mutate: func(g *testidp.Grant) { g.Resource = []string{githubURI, jiraURI} }, status: 400, code: "invalid_target"},
		{name: "Step26_unknown_scope_in_claim", mutate: func(g *testidp.Grant) { g.Scope = "repo:read admin:all" }, status: 400, code: "invalid_grant"},
		{name: "Step26_request_scope_exceeds_claim", mutate: func(g *testidp.Grant) { g.Scope = "repo:read" }, extra: url.Values{"scope": {"repo:write"}}, status: 400, code: "invalid_scope"},
		{name: "Policy_no_rule_for_resource", mutate: func(g *testidp.Grant) { g.Resource = jiraURI; g.Scope = "issues:read" }, status: 400, code: "invalid_grant"},
	}
	return cases
}

func runGrantCase(t *testing.T, e *env, tc grantCase) {
	g, resp := sendGrantCase(e, tc, "")
	if resp.Status != tc.status || resp.code() != tc.code {
		t.Fatalf("got %d %q, want %d %q (%v)", resp.Status, resp.code(), tc.status, tc.code, resp.Body)
	}
	if tc.status != 200 && resp.Body["access_token"] != nil {
		t.Fatal("a failed request carried an access token")
	}
	if got := resp.Header.Get("Cache-Control"); got != "no-store" {
		t.Fatalf("Cache-Control %q (TEP-04)", got)
	}
	if g.JTI != "" && len(g.JTI) <= 256 {
		if got := e.consumed(e.idp.Issuer, g.JTI); got != tc.consumed {
			t.Fatalf("jti consumed = %v, want %v", got, tc.consumed)
		}
	}
}

// sendGrantCase mints the case's assertion and sends it, with requestID as
// X-Request-Id when given.
func sendGrantCase(e *env, tc grantCase, requestID string) (testidp.Grant, tokenResponse) {
	g := e.grant()
	g.JTI = "jti-" + strings.ReplaceAll(tc.name, "/", "_")
	if tc.mutate != nil {
		tc.mutate(&g)
	}
	raw := e.idp.Mint(g)
	if tc.name == "Step9_JWE_five_parts" {
		raw += ".x.y"
	}
	client := tc.client
	if client == "" {
		client = "agent-basic"
	}
	form := url.Values{"grant_type": {oauth.GrantJWTBearer}, "assertion": {raw}}
	for k, v := range tc.extra {
		form[k] = v
	}
	req, _ := http.NewRequest("POST", e.pub+"/oauth/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(client, e.secrets[client])
	if requestID != "" {
		req.Header.Set("X-Request-Id", requestID)
	}
	return g, e.do(req)
}

// TestRAS14_SuccessResponse checks the members of a successful response
// and that no refresh token is ever returned (RAS-15).
func TestRAS14_SuccessResponse(t *testing.T) {
	e := newEnv(t, envOpts{})
	e.standardSetup()
	resp := e.exchange("agent-post", e.idp.Mint(testidp.Grant{Audience: testIssuer, ClientID: "agent-post", Subject: "bob", Resource: githubURI, Scope: "repo:read repo:write"}), url.Values{"scope": {"repo:read"}})
	if resp.Status != 200 {
		t.Fatalf("status %d %v", resp.Status, resp.Body)
	}
	b := resp.Body
	if b["token_type"] != "Bearer" || b["scope"] != "repo:read" || b["resource"] != githubURI || b["expires_in"] != float64(600) {
		t.Fatalf("body %v", b)
	}
	if _, ok := b["refresh_token"]; ok {
		t.Fatal("RAS-15: a refresh token was returned")
	}
	if resp.Header.Get("Pragma") != "no-cache" || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		t.Fatalf("headers %v", resp.Header)
	}
}

// TestTEP01_RequestRules covers SPEC B.2 rows 1-5 and D.2.
func TestTEP01_RequestRules(t *testing.T) {
	e := newEnv(t, envOpts{})
	e.standardSetup()
	valid := url.Values{"grant_type": {oauth.GrantJWTBearer}, "assertion": {e.idp.Mint(e.grant())}}
	form := func(v url.Values) string { return v.Encode() }
	cases := []struct {
		name, method, ctype, body, client string
		status                            int
		code                              string
	}{
		{"RAS01_GET_is_405", "GET", "", "", "agent-basic", 405, "invalid_request"},
		{"TEP01_wrong_content_type", "POST", "application/json", `{"grant_type":"x"}`, "agent-basic", 400, "invalid_request"},
		{"TEP01_body_over_64KiB", "POST", "application/x-www-form-urlencoded", "grant_type=" + strings.Repeat("a", 70<<10), "agent-basic", 413, "invalid_request"},
		{"TEP01_repeated_parameter", "POST", "application/x-www-form-urlencoded", form(valid) + "&grant_type=" + url.QueryEscape(oauth.GrantJWTBearer), "agent-basic", 400, "invalid_request"},
		{"TEP01_missing_grant_type", "POST", "application/x-www-form-urlencoded", "assertion=x", "agent-basic", 400, "invalid_request"},
		{"RAS03_unsupported_grant_type", "POST", "application/x-www-form-urlencoded", "grant_type=password&username=a&password=b", "agent-basic", 400, "unsupported_grant_type"},
		{"CAUTH01_two_mechanisms", "POST", "application/x-www-form-urlencoded", form(valid) + "&client_secret=x", "agent-basic", 400, "invalid_request"},
		{"RAS05_no_client_auth", "POST", "application/x-www-form-urlencoded", form(valid) + "&client_id=agent-basic", "", 401, "invalid_client"},
		{"CAUTH02_wrong_secret", "POST", "application/x-www-form-urlencoded", form(valid), "wrong", 401, "invalid_client"},
		{"RAS03_missing_assertion", "POST", "application/x-www-form-urlencoded", "grant_type=" + url.QueryEscape(oauth.GrantJWTBearer), "agent-basic", 400, "invalid_request"},
		{"Step9_assertion_over_16KiB", "POST", "application/x-www-form-urlencoded", "grant_type=" + url.QueryEscape(oauth.GrantJWTBearer) + "&assertion=" + strings.Repeat("a", 17<<10), "agent-basic", 400, "invalid_grant"},
		{"TEP01_query_string_ignored", "POST", "application/x-www-form-urlencoded", "", "agent-basic", 400, "invalid_request"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			target := e.pub + "/oauth/token"
			if tc.name == "TEP01_query_string_ignored" {
				target += "?" + form(valid)
			}
			req, _ := http.NewRequest(tc.method, target, strings.NewReader(tc.body))
			if tc.ctype != "" {
				req.Header.Set("Content-Type", tc.ctype)
			}
			switch tc.client {
			case "wrong":
				req.SetBasicAuth("agent-basic", "not-the-secret")
			case "":
			default:
				req.SetBasicAuth(tc.client, e.secrets[tc.client])
			}
			resp := e.do(req)
			if resp.Status != tc.status || resp.code() != tc.code {
				t.Fatalf("got %d %q, want %d %q", resp.Status, resp.code(), tc.status, tc.code)
			}
			if tc.status == 405 && resp.Header.Get("Allow") != "POST" {
				t.Fatalf("Allow = %q", resp.Header.Get("Allow"))
			}
			if tc.client == "wrong" && !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Basic") {
				t.Fatalf("TEP-03: no Basic challenge: %v", resp.Header)
			}
		})
	}
}
