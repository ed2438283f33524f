package idprole

import (
	"context"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/authplane/authplane/internal/oauth"
	"github.com/authplane/authplane/internal/storage"
)

// exCase is one row of the token exchange error table: setup mutates the
// valid request (form, headers) or the IdP's state.
type exCase struct {
	name   string
	setup  func(t *testing.T, e *env, f url.Values, h map[string]string)
	status int
	code   string
	// reason is the audit record's precise reason.
	reason string
}

func set(k, v string) func(*testing.T, *env, url.Values, map[string]string) {
	return func(_ *testing.T, _ *env, f url.Values, _ map[string]string) { f.Set(k, v) }
}

func del(k string) func(*testing.T, *env, url.Values, map[string]string) {
	return func(_ *testing.T, _ *env, f url.Values, _ map[string]string) { f.Del(k) }
}

func add(k, v string) func(*testing.T, *env, url.Values, map[string]string) {
	return func(_ *testing.T, _ *env, f url.Values, _ map[string]string) { f.Add(k, v) }
}

// runExchangeCases runs each case on a fresh IdP with a fresh ID token of
// alice for agent, and checks the error, its headers and its audit record.
func runExchangeCases(t *testing.T, cases []exCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			f := exchangeForm(e.idToken("agent", agentSecret, "alice", alicePass))
			h := map[string]string{}
			tc.setup(t, e, f, h)
			resp, body := e.tokenReq(f, h)
			wantError(t, resp, body, tc.status, tc.code)
			if _, ok := body["access_token"]; ok {
				t.Fatal("error response carries a token")
			}
			evs := must(e.srv.Audit(context.Background(), 1))
			if ev := evs[0]; ev.Type != EventIDJAGDenied || ev.Code != tc.code || ev.Reason != tc.reason {
				t.Fatalf("audit record %+v, want idjag.denied with code %s and reason %s", ev, tc.code, tc.reason)
			}
		})
	}
}

// TestA5_InvalidRequest: missing, repeated or malformed parameters, a bad
// requested_token_type, an unsupported subject_token_type and a broken
// actor_token_type rule are 400 invalid_request.
func TestA5_InvalidRequest(t *testing.T) {
	runExchangeCases(t, []exCase{
		{"IDP02 missing requested_token_type", del("requested_token_type"), 400, "invalid_request", "missing_requested_token_type"},
		{"IDP02 requested access token", set("requested_token_type", "urn:ietf:params:oauth:token-type:access_token"), 400, "invalid_request", "unsupported_requested_token_type"},
		{"IDP09 missing subject_token", del("subject_token"), 400, "invalid_request", "missing_subject_token"},
		{"IDP09 missing subject_token_type", del("subject_token_type"), 400, "invalid_request", "missing_subject_token_type"},
		{"IDP09 saml2 not offered", set("subject_token_type", "urn:ietf:params:oauth:token-type:saml2"), 400, "invalid_request", "unsupported_subject_token_type"},
		{"IDP09 refresh_token not offered", set("subject_token_type", "urn:ietf:params:oauth:token-type:refresh_token"), 400, "invalid_request", "unsupported_subject_token_type"},
		{"IDP09 access_token type", set("subject_token_type", "urn:ietf:params:oauth:token-type:access_token"), 400, "invalid_request", "unsupported_subject_token_type"},
		{"IDP10 actor_token without type", set("actor_token", "x"), 400, "invalid_request", "actor_token_type_rule"},
		{"IDP10 actor_token_type without token", set("actor_token_type", oauth.TokenTypeIDToken), 400, "invalid_request", "actor_token_type_rule"},
		{"IDP03 missing audience", del("audience"), 400, "invalid_request", "missing_audience"},
		{"IDP08 authorization_details not JSON", set("authorization_details", "[{"), 400, "invalid_request", "malformed_authorization_details"},
		{"IDP08 authorization_details not an array", set("authorization_details", `{"type":"x"}`), 400, "invalid_request", "malformed_authorization_details"},
		{"IDP08 authorization_details without type", set("authorization_details", `[{"actions":["read"]}]`), 400, "invalid_request", "malformed_authorization_details"},
		{"repeated subject_token", add("subject_token", "x"), 400, "invalid_request", "repeated_parameter"},
		{"repeated scope", add("scope", "tools.write"), 400, "invalid_request", "repeated_parameter"},
		{"basic and post together", func(_ *testing.T, _ *env, _ url.Values, h map[string]string) {
			h["Authorization"] = "Basic " + base64.StdEncoding.EncodeToString([]byte("agent:"+agentSecret))
		}, 400, "invalid_request", "multiple_client_auth"},
	})
}

// TestIDP01_GrantType: the exchange is selected by the token-exchange
// grant type; a missing one is invalid_request, another one
// unsupported_grant_type.
func TestIDP01_GrantType(t *testing.T) {
	e := newEnv(t)
	st := e.idToken("agent", agentSecret, "alice", alicePass)
	for _, tc := range []struct {
		name, grant string
		status      int
		code        string
	}{
		{"missing", "", 400, "invalid_request"},
		{"password", "password", 400, "unsupported_grant_type"},
		{"jwt-bearer belongs to the resource AS", oauth.GrantJWTBearer, 400, "unsupported_grant_type"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := exchangeForm(st)
			f.Set("grant_type", tc.grant)
			resp, body := e.tokenReq(f, nil)
			wantError(t, resp, body, tc.status, tc.code)
		})
	}
	resp, body := e.tokenReq(exchangeForm(st), nil)
	if resp.StatusCode != http.StatusOK || body["issued_token_type"] != oauth.TokenTypeIDJAG {
		t.Fatalf("token exchange: %d %v", resp.StatusCode, body)
	}
}

// TestIDP11_ClientAuthenticationRequired: client authentication is
// required; absent or failed is 401 invalid_client (A.5 row 2).
func TestIDP11_ClientAuthenticationRequired(t *testing.T) {
	basic := func(id, sec string) func(*testing.T, *env, url.Values, map[string]string) {
		return func(_ *testing.T, _ *env, f url.Values, h map[string]string) {
			f.Del("client_secret")
			h["Authorization"] = "Basic " + base64.StdEncoding.EncodeToString([]byte(id+":"+sec))
		}
	}
	runExchangeCases(t, []exCase{
		{"no client authentication", func(_ *testing.T, _ *env, f url.Values, _ map[string]string) {
			f.Del("client_secret")
		}, 401, "invalid_client", "no_client_auth"},
		{"wrong secret (post)", set("client_secret", "wrong-secret-000000"), 401, "invalid_client", "bad_client_secret"},
		{"unknown client (post)", set("client_id", "nobody"), 401, "invalid_client", "unknown_client"},
		{"wrong secret (basic)", basic("agent", "wrong-secret-000000"), 401, "invalid_client", "bad_client_secret"},
		{"client_assertion not offered", set("client_assertion_type", oauth.ClientAssertionJWTBearer), 401, "invalid_client", "unsupported_client_auth_method"},
	})
	t.Run("basic failure carries a Basic challenge", func(t *testing.T) {
		e := newEnv(t)
		f := exchangeForm("x")
		f.Del("client_secret")
		resp, body := e.tokenReq(f, map[string]string{"Authorization": "Basic " +
			base64.StdEncoding.EncodeToString([]byte("agent:wrong-secret-000000"))})
		wantError(t, resp, body, 401, "invalid_client")
		if !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Basic ") {
			t.Fatalf("WWW-Authenticate %q", resp.Header.Get("WWW-Authenticate"))
		}
	})
}

// TestA5_UnauthorizedClient: an app not permitted to use the token
// exchange, or with no client id at the audience, is 400
// unauthorized_client.
func TestA5_UnauthorizedClient(t *testing.T) {
	runExchangeCases(t, []exCase{
		{"app without the token-exchange grant", func(_ *testing.T, _ *env, f url.Values, _ map[string]string) {
			f.Set("client_id", "codeonly")
			f.Set("client_secret", codeSecret)
		}, 400, "unauthorized_client", "grant_not_allowed"},
		{"app without client id at the audience", func(_ *testing.T, e *env, f url.Values, _ map[string]string) {
			f.Set("subject_token", e.idToken("other", otherSecret, "alice", alicePass))
			f.Set("client_id", "other")
			f.Set("client_secret", otherSecret)
		}, 400, "unauthorized_client", "no_client_id_at_audience"},
	})
}

// TestA5_InvalidTarget: the audience unknown, multi-valued or this IdP;
// the resource malformed, unknown or not paired with the audience.
func TestA5_InvalidTarget(t *testing.T) {
	runExchangeCases(t, []exCase{
		{"IDP03 unknown audience", set("audience", "https://unknown.example.com"), 400, "invalid_target", "unknown_audience"},
		{"IDP04 two audiences", add("audience", as2Issuer), 400, "invalid_target", "multiple_audiences"},
		{"IDP04 same audience twice", add("audience", asIssuer), 400, "invalid_target", "multiple_audiences"},
		{"IDP20 audience is this IdP", func(_ *testing.T, e *env, f url.Values, _ map[string]string) {
			f.Set("audience", e.issuer)
		}, 400, "invalid_target", "audience_is_self"},
		{"IDP05 relative resource", set("resource", "/mcp"), 400, "invalid_target", "malformed_resource"},
		{"IDP05 resource with fragment", set("resource", mcpResource+"#x"), 400, "invalid_target", "malformed_resource"},
		{"IDP05 unknown resource", set("resource", "https://unknown.example.com/mcp"), 400, "invalid_target", "unknown_resource"},
		{"IDP05 two resources", add("resource", mcp2), 400, "invalid_target", "multiple_resources"},
		{"IDP06 resource of another audience", set("resource", mcp2), 400, "invalid_target", "resource_not_paired_with_audience"},
	})
}

// TestA5_InvalidScope: a scope the audience does not offer, a malformed
// scope, no scope where the audience has no default, and a request none
// of whose scopes policy allows.
func TestA5_InvalidScope(t *testing.T) {
	runExchangeCases(t, []exCase{
		{"IDP07 scope not offered", set("scope", "tools.read admin"), 400, "invalid_scope", "scope_not_offered"},
		{"IDP07 malformed scope", set("scope", "tools.read  tools.write"), 400, "invalid_scope", "malformed_scope"},
		{"IDP07 no scope and no default", func(_ *testing.T, _ *env, f url.Values, _ map[string]string) {
			f.Set("audience", as2Issuer)
			f.Set("resource", mcp2)
			f.Del("scope")
		}, 400, "invalid_scope", "scope_required"},
		{"IDP19 no requested scope allowed", func(t *testing.T, e *env, f url.Values, _ map[string]string) {
			e.addPolicy(storage.Policy{ID: "sales-read", Effect: "allow", GroupsAny: []string{"sales"},
				Scopes: []string{"tools.read"}, Enabled: true})
			f.Set("subject_token", e.idToken("agent", agentSecret, "bob", bobPass))
			f.Set("scope", "tools.write")
		}, 400, "invalid_scope", "no_requested_scope_allowed"},
	})
}

// TestA5_InvalidGrant: an invalid subject token (IDP-13) is 400
// invalid_grant (SPEC A.5 DECISION, not RFC 8693's invalid_request).
func TestA5_InvalidGrant(t *testing.T) {
	runExchangeCases(t, []exCase{
		{"IDP13 bad signature", func(_ *testing.T, _ *env, f url.Values, _ map[string]string) {
			st := f.Get("subject_token")
			i := strings.LastIndexByte(st, '.') + 1
			sig := must(base64.RawURLEncoding.DecodeString(st[i:]))
			sig[3] ^= 1
			f.Set("subject_token", st[:i]+base64.RawURLEncoding.EncodeToString(sig))
		}, 400, "invalid_grant", "subject_token_bad_signature"},
		{"IDP13 expired", func(_ *testing.T, e *env, _ url.Values, _ map[string]string) {
			e.clock.Advance(time.Hour)
		}, 400, "invalid_grant", "subject_token_expired"},
		{"IDP13 ID token issued to another app", func(_ *testing.T, e *env, f url.Values, _ map[string]string) {
			f.Set("subject_token", e.idToken("other", otherSecret, "alice", alicePass))
		}, 400, "invalid_grant", "subject_token_other_client"},
		{"IDP13 not a JWT", set("subject_token", "not-a-jwt"), 400, "invalid_grant", "subject_token_malformed"},
		{"IDP13 unknown key", func(t *testing.T, e *env, f url.Values, _ map[string]string) {
			f.Set("subject_token", signForeign(t, typIDToken, "unknown-kid", e.idClaims("agent")))
		}, 400, "invalid_grant", "subject_token_unknown_key"},
		{"IDP13 foreign key with our kid", func(t *testing.T, e *env, f url.Values, _ map[string]string) {
			kid, _ := e.srv.keys.Signer()
			f.Set("subject_token", signForeign(t, typIDToken, kid, e.idClaims("agent")))
		}, 400, "invalid_grant", "subject_token_bad_signature"},
		{"IDP13 other issuer", func(t *testing.T, e *env, f url.Values, _ map[string]string) {
			c := e.idClaims("agent")
			c.Issuer = "https://other-idp.example.com"
			f.Set("subject_token", must(e.srv.sign(typIDToken, c)))
		}, 400, "invalid_grant", "subject_token_wrong_issuer"},
		{"IDP13 two audiences without azp", func(t *testing.T, e *env, f url.Values, _ map[string]string) {
			c := e.idClaims("agent")
			c.Audience = audience{"agent", "other"}
			f.Set("subject_token", must(e.srv.sign(typIDToken, c)))
		}, 400, "invalid_grant", "subject_token_azp_mismatch"},
		{"IDP13 ID-JAG as subject token", func(t *testing.T, e *env, f url.Values, _ map[string]string) {
			resp, body := e.tokenReq(exchangeForm(f.Get("subject_token")), nil)
			if resp.StatusCode != 200 {
				t.Fatalf("exchange: %v", body)
			}
			f.Set("subject_token", body["access_token"].(string))
		}, 400, "invalid_grant", "subject_token_wrong_type"},
		{"IDP13 access token as subject token", func(t *testing.T, e *env, f url.Values, _ map[string]string) {
			_, body := e.redeem("agent", agentSecret, e.code("agent", "alice", alicePass))
			f.Set("subject_token", body["access_token"].(string))
		}, 400, "invalid_grant", "subject_token_wrong_type"},
		{"IDP13 user deleted", func(t *testing.T, e *env, _ url.Values, _ map[string]string) {
			check(t, e.srv.DeleteUser(context.Background(), "alice"))
		}, 400, "invalid_grant", "unknown_user"},
	})
}

// TestIDP17_PolicyDenialIsInvalidGrant: a user or app that administrator
// policy does not permit is 400 invalid_grant (A.5 row 6).
func TestIDP17_PolicyDenialIsInvalidGrant(t *testing.T) {
	runExchangeCases(t, []exCase{
		{"IDP17 no rule for the user", func(_ *testing.T, e *env, f url.Values, _ map[string]string) {
			f.Set("subject_token", e.idToken("agent", agentSecret, "bob", bobPass))
		}, 400, "invalid_grant", "no_matching_rule"},
		{"IDP17 deny rule for the app", func(_ *testing.T, e *env, _ url.Values, _ map[string]string) {
			e.addPolicy(storage.Policy{ID: "no-agent", Effect: "deny", Clients: []string{"agent"}, Enabled: true})
		}, 400, "invalid_grant", "denied_by_rule"},
		{"IDP17 rule for another audience only", func(t *testing.T, e *env, _ url.Values, _ map[string]string) {
			check(t, e.srv.DeletePolicy(context.Background(), "engineering"))
			e.addPolicy(storage.Policy{ID: "as2-only", Effect: "allow", IdPs: []string{"as2"}, Enabled: true})
		}, 400, "invalid_grant", "no_matching_rule"},
	})
}

// TestIDP18_StepUp: a rule whose require block the ID token's
// authentication does not meet is 400 insufficient_user_authentication.
func TestIDP18_StepUp(t *testing.T) {
	stepUp := func(req storage.Requirement) func(*testing.T, *env, url.Values, map[string]string) {
		return func(t *testing.T, e *env, _ url.Values, _ map[string]string) {
			check(t, e.srv.DeletePolicy(context.Background(), "engineering"))
			e.addPolicy(storage.Policy{ID: "write-needs-mfa", Effect: "allow", GroupsAny: []string{"engineering"},
				Require: &req, Enabled: true})
		}
	}
	runExchangeCases(t, []exCase{
		{"amr lacks mfa", stepUp(storage.Requirement{AMRAny: []string{"mfa", "hwk"}}), 400, "insufficient_user_authentication", "step_up_required"},
		{"authentication too old", func(t *testing.T, e *env, f url.Values, h map[string]string) {
			stepUp(storage.Requirement{MaxAuthAge: 5 * time.Minute})(t, e, f, h)
			e.clock.Advance(6 * time.Minute)
		}, 400, "insufficient_user_authentication", "step_up_required"},
	})
	t.Run("fresh authentication satisfies max_auth_age", func(t *testing.T) {
		e := newEnv(t)
		stepUp(storage.Requirement{MaxAuthAge: 5 * time.Minute, AMRAny: []string{"pwd"}})(t, e, nil, nil)
		resp, body := e.tokenReq(exchangeForm(e.idToken("agent", agentSecret, "alice", alicePass)), nil)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%d %v", resp.StatusCode, body)
		}
	})
}

// idClaims are valid ID token claims of alice for app at the env's time.
func (e *env) idClaims(app string) idTokenClaims {
	now := e.clock.Now()
	return idTokenClaims{Issuer: e.issuer, Subject: "alice", Audience: audience{app}, Expiry: now.Add(time.Hour).Unix(),
		IssuedAt: now.Unix(), AuthTime: now.Unix(), AMR: []string{"pwd"}, Groups: []string{"engineering"}, JTI: "id-jti"}
}
