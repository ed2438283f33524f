package idprole

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/authplane/authplane/internal/assertion"
)

// jwksResolver is a KeyResolver over the IdP role's published JWKS,
// fetched over HTTP like a resource AS would.
type jwksResolver struct {
	jwksURI string
}

func (r jwksResolver) ResolveKey(ctx context.Context, _, kid, alg string) (*jose.JSONWebKey, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, r.jwksURI, nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", assertion.ErrKeysUnavailable, err)
	}
	defer resp.Body.Close()
	var set jose.JSONWebKeySet
	if err := json.NewDecoder(resp.Body).Decode(&set); err != nil {
		return nil, fmt.Errorf("%w: %v", assertion.ErrKeysUnavailable, err)
	}
	ks := set.Key(kid)
	if len(ks) != 1 || ks[0].Algorithm != alg {
		return nil, assertion.ErrUnknownKey
	}
	return &ks[0], nil
}

// issuers is an IssuerLookup holding one trusted IdP.
type issuers map[string]assertion.TrustedIssuer

func (m issuers) LookupIssuer(iss string) (assertion.TrustedIssuer, bool) {
	ti, ok := m[iss]
	return ti, ok
}

// TestIDJAGValidatesAtResourceAS: an ID-JAG minted here passes the resource
// AS's own validator (package assertion) with this IdP trusted through its
// JWKS: the two sides agree on typ, alg, kid, aud, times, client_id and
// claims.
func TestIDJAGValidatesAtResourceAS(t *testing.T) {
	e := newEnv(t)
	_, body := e.exchangeOK(exchangeForm(e.idToken("agent", agentSecret, "alice", alicePass)), nil)
	v := &assertion.Validator{
		Issuer: asIssuer,
		Issuers: issuers{e.issuer: {ID: "corp-idp", Issuer: e.issuer, GroupsClaim: "groups",
			ClientIDMap: map[string]string{"agent-at-as": "mcp-client"}}},
		Keys: jwksResolver{jwksURI: e.issuer + "/jwks"},
		Now:  e.clock.Now,
	}
	a, err := v.Validate(context.Background(), body["access_token"].(string), "mcp-client")
	if err != nil {
		t.Fatalf("the resource AS rejects the ID-JAG: %v (reason %s)", err, assertion.Reason(err))
	}
	if a.Subject != "alice" || a.LocalClientID != "mcp-client" || a.Email != "alice@example.com" ||
		strings.Join(a.Scopes, " ") != "tools.read" || strings.Join(a.Resources, " ") != mcpResource ||
		strings.Join(a.Groups, ",") != "engineering" || strings.Join(a.AMR, ",") != "pwd" || a.AuthTime == nil {
		t.Fatalf("validated assertion %+v", a)
	}
	if got := a.ExpiresAt.Sub(a.IssuedAt); got != MaxIDJAGTTL {
		t.Fatalf("exp - iat = %s", got)
	}
	// The ID token is not an ID-JAG: the resource AS rejects it by typ.
	_, body2 := e.redeem("agent", agentSecret, e.code("agent", "alice", alicePass))
	if _, err := v.Validate(context.Background(), body2["id_token"].(string), "agent"); err == nil {
		t.Fatal("the resource AS accepted an ID token as an ID-JAG")
	}
}

// TestIDP32_NoTokensInLogsOrAudit: after sign-in, redemption and
// exchanges (granted and denied), neither the log nor the audit trail
// holds a token, a password or a secret.
func TestIDP32_NoTokensInLogsOrAudit(t *testing.T) {
	var logs strings.Builder
	e := newEnv(t, func(c *Config) {
		c.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	})
	code := e.code("agent", "alice", alicePass)
	_, tr := e.redeem("agent", agentSecret, code)
	st := tr["id_token"].(string)
	_, ex := e.exchangeOK(exchangeForm(st), nil)
	bad := exchangeForm(st)
	bad.Set("audience", "https://unknown.example.com")
	e.tokenReq(bad, nil)
	wrong := exchangeForm(st)
	wrong.Set("client_secret", "wrong-secret-000000")
	e.tokenReq(wrong, nil)
	evs := must(e.srv.Audit(context.Background(), 1000))
	audit := string(must(json.Marshal(evs)))
	secrets := map[string]string{"ID token": st, "access token": tr["access_token"].(string),
		"ID-JAG": ex["access_token"].(string), "code": code, "password": alicePass, "secret": agentSecret,
		"wrong secret": "wrong-secret-000000"}
	for name, v := range secrets {
		for _, part := range strings.Split(v, ".") {
			if len(part) < 16 {
				continue
			}
			if strings.Contains(logs.String(), part) || strings.Contains(audit, part) {
				t.Errorf("%s appears in the log or the audit trail", name)
			}
		}
	}
	if !strings.Contains(audit, claimsOf(t, ex["access_token"].(string))["jti"].(string)) {
		t.Error("the audit trail does not name the ID-JAG by its jti")
	}
}
