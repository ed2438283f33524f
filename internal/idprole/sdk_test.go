package idprole

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/auth"
	"github.com/modelcontextprotocol/go-sdk/auth/extauth"
	"github.com/modelcontextprotocol/go-sdk/oauthex"
)

// TestMCPSDKClient: the MCP Go SDK's enterprise client, the reference XAA
// client, signs in at the IdP role (OIDC discovery, authorization code with
// PKCE through the sign-in form) and exchanges the ID token for an ID-JAG.
func TestMCPSDKClient(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	creds := &oauthex.ClientCredentials{ClientID: "agent", ClientSecretAuth: &oauthex.ClientSecretAuth{ClientSecret: agentSecret}}
	fetch := func(_ context.Context, args *auth.AuthorizationArgs) (*auth.AuthorizationResult, error) {
		u := must(url.Parse(args.URL))
		resp := e.signIn(browser(t), u.Query(), "alice", alicePass)
		readBody(t, resp)
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("sign-in: %d", resp.StatusCode)
		}
		q := must(url.Parse(resp.Header.Get("Location"))).Query()
		return &auth.AuthorizationResult{Code: q.Get("code"), State: q.Get("state"), Iss: q.Get("iss")}, nil
	}
	tok, err := extauth.PerformOIDCLogin(ctx, &extauth.OIDCLoginConfig{IssuerURL: e.issuer, Credentials: creds,
		RedirectURL: redirectURI, Scopes: []string{"openid", "email"}}, fetch)
	if err != nil {
		t.Fatalf("OIDC login: %v", err)
	}
	idt, _ := tok.Extra("id_token").(string)
	jag, err := oauthex.ExchangeToken(ctx, e.issuer+"/token", &oauthex.TokenExchangeRequest{
		RequestedTokenType: oauthex.TokenTypeIDJAG, Audience: asIssuer, Resource: mcpResource,
		Scope: []string{"tools.read"}, SubjectToken: idt, SubjectTokenType: oauthex.TokenTypeIDToken,
	}, creds, nil)
	if err != nil {
		t.Fatalf("token exchange: %v", err)
	}
	if c := claimsOf(t, jag.AccessToken); c["aud"] != asIssuer || c["client_id"] != "agent-at-as" || c["sub"] != "alice" {
		t.Fatalf("ID-JAG claims %v", c)
	}
}
