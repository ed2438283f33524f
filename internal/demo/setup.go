package demo

import (
	"context"
	"fmt"
	"strings"

	"github.com/authplane/authplane/examples/mcp-server/githubmcp"
	"github.com/authplane/authplane/internal/idprole"
	"github.com/authplane/authplane/internal/oauth"
	"github.com/authplane/authplane/internal/policy"
	"github.com/authplane/authplane/internal/storage"
)

// Names and fixed credentials of the demo's objects. The passwords are
// printed for the CLI user: the IdP role lives in a throw-away directory.
const (
	idpAudienceID = "authplane" // AuthPlane, as the IdP role knows it
	idpPolicyID   = "agents-to-authplane"
	asIdPID       = "corp"   // the IdP role, as AuthPlane knows it
	asResourceID  = "github" // the MCP server, as AuthPlane knows it
	asPolicyID    = "engineering-may-read"
	appAgent      = "agent"     // the MCP client, as the IdP role knows it
	clientAgent   = "agent-1"   // … and as AuthPlane knows it
	appCLI        = "agent-cli" // `authplane xaa token`, at both
	redirectURI   = "http://127.0.0.1:8765/callback"
	alicePassword = "alice-demo-password"
	bobPassword   = "bob-demo-password"
)

// setup registers the parties with each other, printing what each learns.
func (d *Demo) setup(ctx context.Context) error {
	d.out.section("Setup: what each party is told about the others")
	if err := d.setupIdP(ctx); err != nil {
		return fmt.Errorf("IdP role: %w", err)
	}
	if err := d.setupAuthPlane(ctx); err != nil {
		return fmt.Errorf("AuthPlane: %w", err)
	}
	d.out.party("MCP server", "resource "+d.urls.resource+", trusts tokens signed by "+d.urls.as)
	d.out.item("tools", fmt.Sprintf("%s (needs %s), %s (needs %s)", githubmcp.ToolListRepos, githubmcp.ScopeRead,
		githubmcp.ToolCreateIssue, githubmcp.ScopeWrite))
	d.out.item("metadata", "GET /.well-known/oauth-protected-resource/mcp names AuthPlane as its authorization server")
	return nil
}

// setupIdP registers the users, the apps, AuthPlane as an audience and the
// enterprise policy at the IdP role.
func (d *Demo) setupIdP(ctx context.Context) error {
	d.out.party("IdP role", "the enterprise IdP, issuer "+d.urls.idp)
	for _, u := range []idprole.User{
		{Username: "alice", Password: alicePassword, Email: "alice@example.com", Groups: []string{"engineering"}},
		{Username: "bob", Password: bobPassword, Email: "bob@example.com", Groups: []string{"sales"}},
	} {
		if _, err := d.idp.AddUser(ctx, u); err != nil {
			return err
		}
		d.out.item("user", fmt.Sprintf("%s  groups %v", u.Username, u.Groups))
	}
	agent, err := d.idp.AddApp(ctx, idprole.App{ID: appAgent, Name: "MCP client (SDK EnterpriseHandler)", RedirectURIs: []string{redirectURI}})
	if err != nil {
		return err
	}
	cli, err := d.idp.AddApp(ctx, idprole.App{ID: appCLI, Name: "authplane xaa token", RedirectURIs: []string{redirectURI}})
	if err != nil {
		return err
	}
	d.creds.agentAtIdP, d.creds.agentCLIAtIdP = agent.Secret, cli.Secret
	d.out.item("app", appAgent+"  the MCP client (a secret, redirect URI "+redirectURI+")")
	d.out.item("app", appCLI+"  for trying `authplane xaa token` later")
	if _, err := d.idp.AddAudience(ctx, idprole.Audience{
		ID: idpAudienceID, Issuer: d.urls.as, Resources: []string{d.urls.resource}, Scopes: githubmcp.Scopes(),
		ClientIDMap: map[string]string{appAgent: clientAgent, appCLI: appCLI},
	}); err != nil {
		return err
	}
	d.out.item("audience", fmt.Sprintf("%s = %s  resource %s  scopes %v  client ids %s→%s, %s→%s",
		idpAudienceID, d.urls.as, d.urls.resource, githubmcp.Scopes(), appAgent, clientAgent, appCLI, appCLI))
	if err := d.idp.AddPolicy(ctx, storage.Policy{
		ID: idpPolicyID, Description: "the agents may reach AuthPlane for any user", Effect: policy.EffectAllow,
		IdPs: []string{idpAudienceID}, Clients: []string{appAgent, appCLI}, Enabled: true,
	}); err != nil {
		return err
	}
	d.out.item("policy", idpPolicyID+": allow apps "+appAgent+", "+appCLI+" to get ID-JAGs for audience "+idpAudienceID)
	return nil
}

// setupAuthPlane registers the resource, the trusted IdP, the clients and
// the policy through AuthPlane's admin API, like `authplane admin` does.
func (d *Demo) setupAuthPlane(ctx context.Context) error {
	d.out.party("AuthPlane", "the resource authorization server, issuer "+d.urls.as+", admin API "+d.urls.adminAPI)
	if _, err := d.admin.Resources().Create(ctx, map[string]any{
		"id": asResourceID, "uri": d.urls.resource, "name": "GitHub (demo)", "scopes": githubmcp.Scopes(),
	}); err != nil {
		return err
	}
	d.out.item("resource", fmt.Sprintf("%s = %s  scopes %v", asResourceID, d.urls.resource, githubmcp.Scopes()))
	if _, err := d.admin.IdPs().Create(ctx, map[string]any{
		"id": asIdPID, "issuer": d.urls.idp, "groups_claim": "groups",
	}); err != nil {
		return err
	}
	d.out.item("idp", asIdPID+" = "+d.urls.idp+"  groups claim \"groups\", subjects "+asIdPID+"|<sub>")
	d.out.note("JWKS discovered from the issuer's metadata on first use")
	var err error
	if d.creds.agentAtAS, err = d.createClient(ctx, clientAgent, storage.AuthClientSecretPost); err != nil {
		return err
	}
	if d.creds.agentCLIAtAS, err = d.createClient(ctx, appCLI, storage.AuthClientSecretBasic); err != nil {
		return err
	}
	if _, err := d.admin.Policies().Create(ctx, map[string]any{
		"id": asPolicyID, "description": "engineers may let agents read repositories", "effect": policy.EffectAllow,
		"resources": []string{asResourceID}, "groups_any": []string{"engineering"}, "scopes": []string{githubmcp.ScopeRead},
	}); err != nil {
		return err
	}
	d.out.item("policy", asPolicyID+": allow groups_any [engineering] on "+asResourceID+", scopes ["+githubmcp.ScopeRead+"] (anything else: default deny)")
	return nil
}

// createClient registers a jwt-bearer client and returns its secret.
func (d *Demo) createClient(ctx context.Context, id, method string) (string, error) {
	c, err := d.admin.CreateClient(ctx, map[string]any{
		"id": id, "name": id, "grant_types": []string{oauth.GrantJWTBearer}, "token_endpoint_auth_method": method,
	})
	if err != nil {
		return "", err
	}
	note := ""
	if method == storage.AuthClientSecretPost {
		note = " (the SDK's EnterpriseHandler sends its secret in the body)"
	}
	d.out.item("client", id+"  grant jwt-bearer, "+method+note)
	return c.ClientSecret, nil
}

// idpJWKS is the IdP role's JWKS URL.
// scopeList renders scopes like a scope parameter.
func scopeList(s []string) string { return strings.Join(s, " ") }
