package mcpauth

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

// challengeCase is a request and the refusal expected for it.
type challengeCase struct {
	name   string
	req    func(t *testing.T, f *fixture) *http.Request
	status int
	// code is the expected error parameter ("" = none, as for a request
	// without credentials).
	code string
}

func bearerReq(tok func(t *testing.T, f *fixture) string) func(*testing.T, *fixture) *http.Request {
	return func(t *testing.T, f *fixture) *http.Request {
		return request(http.MethodPost, "/github", tok(t, f), "{}")
	}
}

// invalidTokenCases are tokens Middleware must refuse with 401
// invalid_token (AT-05, MCP-31, MCP-35, MCP-37, EMA-14).
func invalidTokenCases() []challengeCase {
	at := func(c string) func(*testing.T, *fixture) *http.Request {
		return bearerReq(func(*testing.T, *fixture) string { return c })
	}
	return []challengeCase{
		{name: "MCP31_malformed_not_a_jws", req: at("abc.def"), status: 401, code: "invalid_token"},
		{name: "MCP31_malformed_garbage_segments", req: at("a.b.c"), status: 401, code: "invalid_token"},
		{name: "AT05_expired", req: bearerReq(func(t *testing.T, f *fixture) string {
			c := f.claims("repo:read")
			c.Expiry = f.clock.Now().Add(-time.Second).Unix()
			c.IssuedAt = f.clock.Now().Add(-time.Minute).Unix()
			return f.mint(t, f.key, "", c)
		}), status: 401, code: "invalid_token"},
	}
}

// claimCases are well-signed tokens whose claims are not for this server.
func claimCases() []challengeCase {
	return []challengeCase{
		{name: "AT05_wrong_issuer", req: bearerReq(func(t *testing.T, f *fixture) string {
			return f.mint(t, f.key, "https://other-as.example.com", f.claims("repo:read"))
		}), status: 401, code: "invalid_token"},
		{name: "MCP35_token_for_another_resource", req: bearerReq(func(t *testing.T, f *fixture) string {
			c := f.claims("repo:read")
			c.Audience = "https://mcp.example.com/jira"
			return f.mint(t, f.key, "", c)
		}), status: 401, code: "invalid_token"},
		{name: "MCP35_audience_prefix_of_resource", req: bearerReq(func(t *testing.T, f *fixture) string {
			c := f.claims("repo:read")
			c.Audience = "https://mcp.example.com"
			return f.mint(t, f.key, "", c)
		}), status: 401, code: "invalid_token"},
	}
}

// headerCases are tokens refused for their header or signature.
func headerCases() []challengeCase {
	return []challengeCase{
		{name: "EMA14_id_jag_as_bearer", req: bearerReq(func(t *testing.T, f *fixture) string {
			h := `{"alg":"ES256","typ":"oauth-id-jag+jwt","kid":"` + f.key.kid + `"}`
			return signRaw(t, f.key.key, h, f.payload(t, map[string]any{"resource": testResource}))
		}), status: 401, code: "invalid_token"},
		{name: "AT05_untyped_jwt", req: bearerReq(func(t *testing.T, f *fixture) string {
			return signRaw(t, f.key.key, `{"alg":"ES256","kid":"`+f.key.kid+`"}`, f.payload(t, nil))
		}), status: 401, code: "invalid_token"},
		{name: "AT05_alg_none", req: bearerReq(func(t *testing.T, f *fixture) string {
			return b64(`{"alg":"none","typ":"at+jwt","kid":"`+f.key.kid+`"}`) + "." + b64(f.payload(t, nil)) + "."
		}), status: 401, code: "invalid_token"},
		{name: "AT05_alg_hs256", req: bearerReq(func(t *testing.T, f *fixture) string {
			return b64(`{"alg":"HS256","typ":"at+jwt","kid":"`+f.key.kid+`"}`) + "." + b64(f.payload(t, nil)) + ".c2ln"
		}), status: 401, code: "invalid_token"},
		{name: "AT05_signed_by_unpublished_key", req: bearerReq(func(t *testing.T, f *fixture) string {
			return f.mint(t, newTestKey(t), "", f.claims("repo:read"))
		}), status: 401, code: "invalid_token"},
		{name: "AT05_signature_of_other_key_under_our_kid", req: bearerReq(func(t *testing.T, f *fixture) string {
			other := newTestKey(t)
			other.kid = f.key.kid
			return f.mint(t, other, "", f.claims("repo:read"))
		}), status: 401, code: "invalid_token"},
		{name: "MCP37_sender_constrained_token_as_bearer", req: bearerReq(func(t *testing.T, f *fixture) string {
			h := `{"alg":"ES256","typ":"at+jwt","kid":"` + f.key.kid + `"}`
			return signRaw(t, f.key.key, h, f.payload(t, map[string]any{"cnf": map[string]string{"jkt": "abc"}}))
		}), status: 401, code: "invalid_token"},
	}
}

// requestShapeCases are refusals decided by the request alone (MCP-32,
// MCP-34, RFC 6750 §2.1, §3.1).
func requestShapeCases() []challengeCase {
	return []challengeCase{
		{name: "MCP28_missing_header", req: func(*testing.T, *fixture) *http.Request {
			return request(http.MethodPost, "/github", "", "{}")
		}, status: 401},
		{name: "MCP32_token_in_query_only", req: func(t *testing.T, f *fixture) *http.Request {
			return request(http.MethodPost, "/github?access_token="+f.valid(t, "repo:read"), "", "{}")
		}, status: 401},
		{name: "MCP32_token_in_query_and_header", req: func(t *testing.T, f *fixture) *http.Request {
			tok := f.valid(t, "repo:read")
			return request(http.MethodPost, "/github?access_token="+tok, tok, "{}")
		}, status: 400, code: "invalid_request"},
		{name: "MCP34_two_authorization_headers", req: func(t *testing.T, f *fixture) *http.Request {
			r := request(http.MethodPost, "/github", f.valid(t, "repo:read"), "{}")
			r.Header.Add("Authorization", "Bearer "+f.valid(t, "repo:read"))
			return r
		}, status: 400, code: "invalid_request"},
		{name: "MCP34_bearer_without_token", req: func(*testing.T, *fixture) *http.Request {
			r := request(http.MethodPost, "/github", "", "{}")
			r.Header.Set("Authorization", "Bearer")
			return r
		}, status: 400, code: "invalid_request"},
		{name: "MCP34_token_with_forbidden_characters", req: func(t *testing.T, f *fixture) *http.Request {
			r := request(http.MethodPost, "/github", "", "{}")
			r.Header.Set("Authorization", "Bearer "+f.valid(t, "repo:read")+`,"x"`)
			return r
		}, status: 400, code: "invalid_request"},
		{name: "MCP37_dpop_scheme", req: func(t *testing.T, f *fixture) *http.Request {
			r := request(http.MethodPost, "/github", "", "{}")
			r.Header.Set("Authorization", "DPoP "+f.valid(t, "repo:read"))
			r.Header.Set("DPoP", "proof")
			return r
		}, status: 401},
		{name: "MCP34_basic_scheme", req: func(*testing.T, *fixture) *http.Request {
			r := request(http.MethodPost, "/github", "", "{}")
			r.SetBasicAuth("agent-1", "secret")
			return r
		}, status: 401},
	}
}

func TestMCP31_MiddlewareRefusals(t *testing.T) {
	cases := slices.Concat(invalidTokenCases(), claimCases(), headerCases(), requestShapeCases())
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			var s seen
			w := serve(f.kit.Middleware()(s.handler()), tc.req(t, f))
			if w.Code != tc.status {
				t.Fatalf("status = %d, want %d (body %q)", w.Code, tc.status, w.Body.String())
			}
			if s.calls != 0 {
				t.Fatal("the protected handler ran")
			}
			ch := bearerChallenge(t, w)
			if ch["error"] != tc.code {
				t.Errorf("error = %q, want %q", ch["error"], tc.code)
			}
			if ch["resource_metadata"] != "https://mcp.example.com/.well-known/oauth-protected-resource/github" {
				t.Errorf("resource_metadata = %q", ch["resource_metadata"])
			}
			if tc.status == 401 && ch["scope"] != "repo:read repo:write issues:write" {
				t.Errorf("scope = %q, want the baseline scopes_supported (MCP-30)", ch["scope"])
			}
			if got := w.Header().Get("Cache-Control"); got != "no-store" {
				t.Errorf("Cache-Control = %q", got)
			}
		})
	}
}

func TestMCP31_ValidTokenReachesHandlerWithTokenInfo(t *testing.T) {
	f := newFixture(t)
	var s seen
	tok := f.valid(t, "repo:read issues:write")
	w := serve(f.kit.Middleware("repo:read")(s.handler()), request(http.MethodPost, "/github", tok, `{"x":1}`))
	if w.Code != http.StatusOK || s.calls != 1 {
		t.Fatalf("status = %d, calls = %d, body %q", w.Code, s.calls, w.Body.String())
	}
	if s.info == nil {
		t.Fatal("no auth.TokenInfo in the request context")
	}
	if s.info.UserID != "idp1|alice" || strings.Join(s.info.Scopes, " ") != "repo:read issues:write" {
		t.Errorf("TokenInfo = %+v", s.info)
	}
	if !s.info.Expiration.Equal(f.clock.Now().Add(5 * time.Minute)) {
		t.Errorf("Expiration = %v", s.info.Expiration)
	}
	if s.info.Extra[ExtraClientID] != "agent-1" || s.info.Extra[ExtraJTI] == "" ||
		s.info.Extra[ExtraIdPIssuer] != "https://idp.example.com" {
		t.Errorf("Extra = %v", s.info.Extra)
	}
	if s.body != `{"x":1}` {
		t.Errorf("body = %q", s.body)
	}
}

func TestAT05_ExpiryAgainstInjectedClockAndLeeway(t *testing.T) {
	cases := []struct {
		name    string
		leeway  time.Duration
		advance time.Duration
		status  int
	}{
		{name: "one_second_before_exp", advance: 299 * time.Second, status: 200},
		{name: "at_exp", advance: 300 * time.Second, status: 401},
		{name: "after_exp_within_leeway", leeway: 30 * time.Second, advance: 320 * time.Second, status: 200},
		{name: "after_exp_beyond_leeway", leeway: 30 * time.Second, advance: 330 * time.Second, status: 401},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, func(c *Config) { c.Leeway = tc.leeway })
			tok := f.valid(t, "repo:read")
			f.clock.Advance(tc.advance)
			var s seen
			w := serve(f.kit.Middleware()(s.handler()), request(http.MethodGet, "/github", tok, ""))
			if w.Code != tc.status {
				t.Fatalf("status = %d, want %d", w.Code, tc.status)
			}
		})
	}
}

func TestMCP33_MiddlewareRequiredScopeMissing(t *testing.T) {
	f := newFixture(t)
	var s seen
	tok := f.valid(t, "repo:read")
	w := serve(f.kit.Middleware("repo:read", "repo:write")(s.handler()), request(http.MethodPost, "/github", tok, "{}"))
	if w.Code != http.StatusForbidden || s.calls != 0 {
		t.Fatalf("status = %d, calls = %d", w.Code, s.calls)
	}
	ch := bearerChallenge(t, w)
	if ch["error"] != "insufficient_scope" {
		t.Errorf("error = %q", ch["error"])
	}
	// The granted scope stays in the set to request, so the client does
	// not lose it when it re-authorizes (MCP-33).
	if ch["scope"] != "repo:read repo:write" {
		t.Errorf("scope = %q", ch["scope"])
	}
	if ch["resource_metadata"] == "" {
		t.Error("no resource_metadata")
	}
}

func TestMCP30_ChallengeScopeIsRequiredScopes(t *testing.T) {
	f := newFixture(t)
	var s seen
	w := serve(f.kit.Middleware("repo:write")(s.handler()), request(http.MethodPost, "/github", "", "{}"))
	if got := bearerChallenge(t, w)["scope"]; got != "repo:write" {
		t.Errorf("scope = %q, want the endpoint's required scope", got)
	}
}

func TestAT05_JWKSUnavailable503(t *testing.T) {
	f := newFixture(t)
	f.as.set(func(as *authServer) { as.jwksStatus = http.StatusInternalServerError })
	var s seen
	w := serve(f.kit.Middleware()(s.handler()), request(http.MethodGet, "/github", f.valid(t, "repo:read"), ""))
	if w.Code != http.StatusServiceUnavailable || s.calls != 0 {
		t.Fatalf("status = %d, calls = %d", w.Code, s.calls)
	}
	if w.Header().Get("Retry-After") == "" || w.Header().Get("WWW-Authenticate") != "" {
		t.Errorf("headers = %v", w.Header())
	}
}
