package idprole

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/authplane/authplane/internal/oauth"
	"github.com/authplane/authplane/internal/storage"
)

// exchangeOK runs an exchange that must succeed and returns the body.
func (e *env) exchangeOK(f url.Values, h map[string]string) (*http.Response, map[string]any) {
	e.t.Helper()
	resp, body := e.tokenReq(f, h)
	if resp.StatusCode != http.StatusOK {
		e.t.Fatalf("exchange: %d %v", resp.StatusCode, body)
	}
	return resp, body
}

// TestIDP27_28_Response: 200 JSON, no-store, issued_token_type id-jag,
// access_token the ID-JAG, token_type N_A, expires_in, scope, and no
// refresh token.
func TestIDP27_28_Response(t *testing.T) {
	e := newEnv(t)
	resp, body := e.exchangeOK(exchangeForm(e.idToken("agent", agentSecret, "alice", alicePass)), nil)
	h := resp.Header
	if h.Get("Content-Type") != "application/json" || h.Get("Cache-Control") != "no-store" || h.Get("Pragma") != "no-cache" {
		t.Fatalf("headers %v", h)
	}
	want := map[string]any{"issued_token_type": oauth.TokenTypeIDJAG, "token_type": "N_A",
		"expires_in": float64(300), "scope": "tools.read"}
	for k, v := range want {
		if body[k] != v {
			t.Errorf("%s = %v, want %v", k, body[k], v)
		}
	}
	if _, ok := body["refresh_token"]; ok {
		t.Error("refresh_token returned (IDP-28: SHOULD NOT)")
	}
	if tok, _ := body["access_token"].(string); strings.Count(tok, ".") != 2 {
		t.Errorf("access_token is not a compact JWS: %q", tok)
	}
}

// TestIDP21_22_Header: typ oauth-id-jag+jwt, ES256, a kid published in
// the JWKS, and no key material in the header.
func TestIDP21_22_Header(t *testing.T) {
	e := newEnv(t)
	_, body := e.exchangeOK(exchangeForm(e.idToken("agent", agentSecret, "alice", alicePass)), nil)
	h := headerOf(t, body["access_token"].(string))
	if h["typ"] != "oauth-id-jag+jwt" || h["alg"] != "ES256" {
		t.Fatalf("header %v", h)
	}
	for _, k := range []string{"jwk", "jku", "x5u", "x5c", "crit"} {
		if _, ok := h[k]; ok {
			t.Errorf("header carries %s", k)
		}
	}
	resp := must(http.Get(e.issuer + "/jwks"))
	var set jose.JSONWebKeySet
	if err := json.Unmarshal([]byte(readBody(t, resp)), &set); err != nil {
		t.Fatal(err)
	}
	ks := set.Key(h["kid"].(string))
	if len(ks) != 1 || !ks[0].IsPublic() || ks[0].Algorithm != "ES256" {
		t.Fatalf("kid %v not published as a public ES256 key: %+v", h["kid"], set)
	}
}

// TestIDP23_Claims: every claim of the ID-JAG, from the request, the
// subject token, the user's record and the client-id mapping.
func TestIDP23_Claims(t *testing.T) {
	e := newEnv(t)
	st := e.idToken("agent", agentSecret, "alice", alicePass)
	authTime := e.clock.Now().Unix()
	e.clock.Advance(30 * time.Second)
	_, body := e.exchangeOK(exchangeForm(st), nil)
	c := claimsOf(t, body["access_token"].(string))
	now := e.clock.Now().Unix()
	want := map[string]any{"iss": e.issuer, "sub": "alice", "aud": asIssuer, "client_id": "agent-at-as",
		"iat": float64(now), "exp": float64(now + 300), "resource": mcpResource, "scope": "tools.read",
		"auth_time": float64(authTime), "email": "alice@example.com"}
	for k, v := range want {
		if c[k] != v {
			t.Errorf("%s = %v, want %v", k, c[k], v)
		}
	}
	if jti, _ := c["jti"].(string); len(jti) < 22 {
		t.Errorf("jti %q: want ≥ 128 bits", jti)
	}
	if amr, _ := c["amr"].([]any); len(amr) != 1 || amr[0] != "pwd" {
		t.Errorf("amr = %v", c["amr"])
	}
	if g, _ := c["groups"].([]any); len(g) != 1 || g[0] != "engineering" {
		t.Errorf("groups = %v", c["groups"])
	}
	if _, ok := c["cnf"]; ok {
		t.Error("cnf without a DPoP proof (IDP-30)")
	}
	_, again := e.exchangeOK(exchangeForm(st), nil)
	if claimsOf(t, again["access_token"].(string))["jti"] == c["jti"] {
		t.Error("two ID-JAGs share a jti")
	}
}

// TestIDP03_AliasResolvesToIssuer: an alias is accepted; aud carries the
// resolved issuer, never the alias.
func TestIDP03_AliasResolvesToIssuer(t *testing.T) {
	e := newEnv(t)
	f := exchangeForm(e.idToken("agent", agentSecret, "alice", alicePass))
	f.Set("audience", asAlias)
	_, body := e.exchangeOK(f, nil)
	if aud := claimsOf(t, body["access_token"].(string))["aud"]; aud != asIssuer {
		t.Fatalf("aud = %v, want %s", aud, asIssuer)
	}
}

// TestIDP25_GrantedScopesAndResource: policy narrowing shows in the
// response's scope and in the ID-JAG; without scope the audience's
// catalogue is the request; without resource there is no resource claim.
func TestIDP25_GrantedScopesAndResource(t *testing.T) {
	tests := []struct {
		name      string
		mutate    func(url.Values)
		wantScope string
		wantRes   any
	}{
		{"narrowed by policy", func(f url.Values) { f.Set("scope", "tools.write tools.read") }, "tools.read", mcpResource},
		{"catalogue default", func(f url.Values) { f.Del("scope") }, "tools.read", mcpResource},
		{"no resource", func(f url.Values) { f.Del("resource") }, "tools.read", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			check(t, e.srv.DeletePolicy(context.Background(), "engineering"))
			e.addPolicy(storage.Policy{ID: "read-only", Effect: "allow", GroupsAny: []string{"engineering"},
				Scopes: []string{"tools.read"}, Enabled: true})
			f := exchangeForm(e.idToken("agent", agentSecret, "alice", alicePass))
			tc.mutate(f)
			_, body := e.exchangeOK(f, nil)
			c := claimsOf(t, body["access_token"].(string))
			if body["scope"] != tc.wantScope || c["scope"] != tc.wantScope || c["resource"] != tc.wantRes {
				t.Fatalf("response scope %v, claims scope %v resource %v", body["scope"], c["scope"], c["resource"])
			}
		})
	}
}

// TestIDP08_AuthorizationDetailsNotGranted: a well-formed request is
// processed; no type is configured, so none is granted and the response
// says so with an empty array.
func TestIDP08_AuthorizationDetailsNotGranted(t *testing.T) {
	e := newEnv(t)
	f := exchangeForm(e.idToken("agent", agentSecret, "alice", alicePass))
	f.Set("authorization_details", `[{"type":"tool_call","actions":["run"]}]`)
	_, body := e.exchangeOK(f, nil)
	if ad, ok := body["authorization_details"].([]any); !ok || len(ad) != 0 {
		t.Fatalf("authorization_details = %v, want []", body["authorization_details"])
	}
	if _, ok := claimsOf(t, body["access_token"].(string))["authorization_details"]; ok {
		t.Fatal("ID-JAG carries authorization_details that were not granted")
	}
}

// TestIDP10_ActorTokenIgnored: a well-formed actor pair is accepted and,
// with no profile implemented, has no effect.
func TestIDP10_ActorTokenIgnored(t *testing.T) {
	e := newEnv(t)
	f := exchangeForm(e.idToken("agent", agentSecret, "alice", alicePass))
	f.Set("actor_token", "opaque-actor")
	f.Set("actor_token_type", "urn:ietf:params:oauth:token-type:access_token")
	_, body := e.exchangeOK(f, nil)
	if _, ok := claimsOf(t, body["access_token"].(string))["act"]; ok {
		t.Fatal("act claim minted")
	}
}

// TestIDP11_BasicAuthentication: client_secret_basic with form-urlencoded
// halves works like client_secret_post.
func TestIDP11_BasicAuthentication(t *testing.T) {
	e := newEnv(t)
	f := exchangeForm(e.idToken("agent", agentSecret, "alice", alicePass))
	f.Del("client_secret")
	req := must(http.NewRequest(http.MethodPost, e.issuer+"/token", strings.NewReader(f.Encode())))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape("agent"), url.QueryEscape(agentSecret))
	resp := must(http.DefaultClient.Do(req))
	if body := readBody(t, resp); resp.StatusCode != http.StatusOK {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
}

// TestIDP13_SeveralAudiencesNeedAZP: an ID token with several audiences is
// accepted only when azp names the authenticated app.
func TestIDP13_SeveralAudiencesNeedAZP(t *testing.T) {
	e := newEnv(t)
	c := e.idClaims("agent")
	c.Audience, c.AZP = audience{"other", "agent"}, "agent"
	e.exchangeOK(exchangeForm(must(e.srv.sign(typIDToken, c))), nil)
}

// TestIDP17_CurrentGroups: policy and the groups claim use the user's
// current groups, not those in the ID token.
func TestIDP17_CurrentGroups(t *testing.T) {
	e := newEnv(t)
	st := e.idToken("agent", agentSecret, "alice", alicePass)
	check(t, e.srv.SetGroups(context.Background(), "alice", []string{"engineering", "oncall"}))
	_, body := e.exchangeOK(exchangeForm(st), nil)
	g, _ := claimsOf(t, body["access_token"].(string))["groups"].([]any)
	if len(g) != 2 || g[1] != "oncall" {
		t.Fatalf("groups = %v", g)
	}
	check(t, e.srv.SetGroups(context.Background(), "alice", []string{"sales"}))
	resp, body := e.tokenReq(exchangeForm(st), nil)
	wantError(t, resp, body, 400, "invalid_grant")
}

// TestIDP29_Metadata: both well-known documents describe the endpoints,
// PKCE S256, the token-exchange grant and the id-jag token type.
func TestIDP29_Metadata(t *testing.T) {
	e := newEnv(t)
	for _, path := range []string{"/.well-known/openid-configuration", "/.well-known/oauth-authorization-server"} {
		resp := must(http.Get(e.issuer + path))
		var m map[string]any
		if err := json.Unmarshal([]byte(readBody(t, resp)), &m); err != nil || resp.StatusCode != 200 {
			t.Fatalf("%s: %d %v", path, resp.StatusCode, err)
		}
		str := map[string]string{"issuer": e.issuer, "token_endpoint": e.issuer + "/token",
			"authorization_endpoint": e.issuer + "/authorize", "jwks_uri": e.issuer + "/jwks"}
		for k, v := range str {
			if m[k] != v {
				t.Errorf("%s: %s = %v, want %v", path, k, m[k], v)
			}
		}
		lists := map[string]string{"grant_types_supported": oauth.GrantTokenExchange,
			"identity_chaining_requested_token_types_supported": oauth.TokenTypeIDJAG,
			"code_challenge_methods_supported":                  "S256", "response_types_supported": "code",
			"token_endpoint_auth_methods_supported": "client_secret_basic"}
		for k, v := range lists {
			l, _ := m[k].([]any)
			if !slices.Contains(l, any(v)) {
				t.Errorf("%s: %s = %v lacks %s", path, k, m[k], v)
			}
		}
	}
}
