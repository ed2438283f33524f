package idprole

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestCodeFlowPKCE drives the whole authorization code flow through the
// HTML form: GET /authorize, the CSRF field, POST credentials, the 303 with
// code, state and iss (RFC 9207), then the code for an ID token.
func TestCodeFlowPKCE(t *testing.T) {
	e := newEnv(t)
	resp := e.signIn(browser(t), authorizeQuery("agent"), "alice", alicePass)
	readBody(t, resp)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("status %d, want 303", resp.StatusCode)
	}
	loc := must(url.Parse(resp.Header.Get("Location")))
	if got := loc.Scheme + "://" + loc.Host + loc.Path; got != redirectURI {
		t.Fatalf("redirected to %s", got)
	}
	q := loc.Query()
	if q.Get("state") != "st-123" || q.Get("iss") != e.issuer || len(q.Get("code")) < 40 {
		t.Fatalf("redirect query %v", q)
	}
	tr, body := e.redeem("agent", agentSecret, q.Get("code"))
	if tr.StatusCode != http.StatusOK || tr.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("redeem: %d %v", tr.StatusCode, body)
	}
	if body["token_type"] != "Bearer" || body["access_token"] == "" || body["expires_in"] != float64(3600) {
		t.Fatalf("token response %v", body)
	}
	idt := body["id_token"].(string)
	if typ := headerOf(t, idt)["typ"]; typ != "JWT" {
		t.Fatalf("ID token typ %v, want JWT", typ)
	}
	c := claimsOf(t, idt)
	now := e.clock.Now().Unix()
	want := map[string]any{"iss": e.issuer, "sub": "alice", "aud": "agent", "nonce": "n-456",
		"email": "alice@example.com", "iat": float64(now), "exp": float64(now + 3600), "auth_time": float64(now)}
	for k, v := range want {
		if c[k] != v {
			t.Errorf("ID token %s = %v, want %v", k, c[k], v)
		}
	}
	if amr, _ := c["amr"].([]any); len(amr) != 1 || amr[0] != "pwd" {
		t.Errorf("amr = %v, want [pwd]", c["amr"])
	}
	if g, _ := c["groups"].([]any); len(g) != 1 || g[0] != "engineering" {
		t.Errorf("groups = %v", c["groups"])
	}
	if c["jti"] == "" {
		t.Error("no jti")
	}
}

func TestUserinfo(t *testing.T) {
	e := newEnv(t)
	_, body := e.redeem("agent", agentSecret, e.code("agent", "alice", alicePass))
	call := func(tok string) (int, string) {
		req := must(http.NewRequest(http.MethodGet, e.issuer+"/userinfo", nil))
		req.Header.Set("Authorization", "Bearer "+tok)
		resp := must(http.DefaultClient.Do(req))
		return resp.StatusCode, readBody(t, resp)
	}
	if st, b := call(body["access_token"].(string)); st != 200 || !strings.Contains(b, `"sub":"alice"`) {
		t.Fatalf("userinfo with access token: %d %s", st, b)
	}
	if st, _ := call(body["id_token"].(string)); st != http.StatusUnauthorized {
		t.Fatalf("userinfo accepted an ID token: %d", st)
	}
	e.clock.Advance(time.Hour)
	if st, _ := call(body["access_token"].(string)); st != http.StatusUnauthorized {
		t.Fatalf("userinfo accepted an expired token: %d", st)
	}
}

func TestSignInRejected(t *testing.T) {
	tests := []struct {
		name, user, pass string
	}{
		{"wrong password", "alice", "not-the-password"},
		{"unknown user", "mallory", alicePass},
		{"malformed username", "a b", alicePass},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			resp := e.signIn(browser(t), authorizeQuery("agent"), tc.user, tc.pass)
			page := readBody(t, resp)
			if resp.StatusCode != http.StatusOK || resp.Header.Get("Location") != "" {
				t.Fatalf("status %d location %q, want the form again", resp.StatusCode, resp.Header.Get("Location"))
			}
			if !strings.Contains(page, "Invalid username or password.") || !strings.Contains(page, `name="csrf_token"`) {
				t.Fatalf("page does not show the generic error and the form:\n%s", page)
			}
			evs := must(e.srv.Audit(t.Context(), 1))
			if evs[0].Type != EventSignIn || evs[0].Outcome != OutcomeFailure || evs[0].Reason == "" {
				t.Fatalf("audit %+v", evs[0])
			}
		})
	}
}

// TestSignInThrottled: after the burst, even the right password fails
// until the bucket refills.
func TestSignInThrottled(t *testing.T) {
	e := newEnv(t)
	c := browser(t)
	for range loginBurst {
		readBody(t, e.signIn(c, authorizeQuery("agent"), "alice", "wrong-password"))
	}
	resp := e.signIn(c, authorizeQuery("agent"), "alice", alicePass)
	if readBody(t, resp); resp.StatusCode == http.StatusSeeOther {
		t.Fatal("sign-in allowed beyond the burst")
	}
	if evs := must(e.srv.Audit(t.Context(), 1)); evs[0].Reason != "rate_limited" {
		t.Fatalf("reason %q, want rate_limited", evs[0].Reason)
	}
	e.clock.Advance(loginInterval)
	if resp := e.signIn(c, authorizeQuery("agent"), "alice", alicePass); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("status %d after refill, want 303", resp.StatusCode)
	}
}

func TestCodeRedemptionRejected(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(e *env, f url.Values)
		status int
		code   string
	}{
		{"code replay", func(e *env, f url.Values) {
			if resp, b := e.tokenReq(f, nil); resp.StatusCode != 200 {
				t.Fatalf("first redemption: %v", b)
			}
		}, 400, "invalid_grant"},
		{"PKCE mismatch", func(_ *env, f url.Values) { f.Set("code_verifier", strings.Repeat("x", 43)) }, 400, "invalid_grant"},
		{"verifier too short", func(_ *env, f url.Values) { f.Set("code_verifier", "short") }, 400, "invalid_grant"},
		{"code expired", func(e *env, _ url.Values) { e.clock.Advance(61 * time.Second) }, 400, "invalid_grant"},
		{"redirect_uri differs", func(_ *env, f url.Values) { f.Set("redirect_uri", "http://127.0.0.1:8765/other") }, 400, "invalid_grant"},
		{"code of another app", func(_ *env, f url.Values) {
			f.Set("client_id", "other")
			f.Set("client_secret", otherSecret)
		}, 400, "invalid_grant"},
		{"unknown code", func(_ *env, f url.Values) { f.Set("code", "not-a-code") }, 400, "invalid_grant"},
		{"missing verifier", func(_ *env, f url.Values) { f.Del("code_verifier") }, 400, "invalid_request"},
		{"wrong secret", func(_ *env, f url.Values) { f.Set("client_secret", "wrong-secret-0123456") }, 401, "invalid_client"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			f := url.Values{"grant_type": {"authorization_code"}, "code": {e.code("agent", "alice", alicePass)},
				"redirect_uri": {redirectURI}, "code_verifier": {testVerifier}, "client_id": {"agent"}, "client_secret": {agentSecret}}
			tc.mutate(e, f)
			resp, body := e.tokenReq(f, nil)
			wantError(t, resp, body, tc.status, tc.code)
			if _, ok := body["id_token"]; ok {
				t.Fatal("error response carries an ID token")
			}
		})
	}
}

// TestMCP19_ErrorsBeforeRedirectValidationShownNotRedirected: an unknown
// client or an unregistered redirect URI gets a page, never a redirect.
func TestMCP19_ErrorsBeforeRedirectValidationShownNotRedirected(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(url.Values)
	}{
		{"unknown client", func(q url.Values) { q.Set("client_id", "nobody") }},
		{"missing client", func(q url.Values) { q.Del("client_id") }},
		{"unregistered redirect", func(q url.Values) { q.Set("redirect_uri", "https://evil.example/cb") }},
		{"redirect with extra path", func(q url.Values) { q.Set("redirect_uri", redirectURI+"/x") }},
		{"missing redirect", func(q url.Values) { q.Del("redirect_uri") }},
		{"repeated redirect", func(q url.Values) { q.Add("redirect_uri", "https://evil.example/cb") }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			q := authorizeQuery("agent")
			tc.mutate(q)
			resp := must(browser(t).Get(e.issuer + "/authorize?" + q.Encode()))
			page := readBody(t, resp)
			if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Location") != "" {
				t.Fatalf("status %d location %q, want a 400 page", resp.StatusCode, resp.Header.Get("Location"))
			}
			if !strings.Contains(page, "Sign-in error") || resp.Header.Get("X-Frame-Options") != "DENY" {
				t.Fatalf("not an error page:\n%s", page)
			}
		})
	}
}
