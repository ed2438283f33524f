package demo

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/authplane/authplane/examples/mcp-client/xaaclient"
	"github.com/authplane/authplane/examples/mcp-server/githubmcp"
	"github.com/authplane/authplane/internal/adminclient"
	"github.com/authplane/authplane/internal/idprole"
	"github.com/authplane/authplane/internal/xaa"
)

// flowTimeout bounds the whole flow, so `demo --once` never hangs.
const flowTimeout = time.Minute

// Result is what the flow observed.
type Result struct {
	// ToolResult is the text of alice's list_repos call.
	ToolResult string
	// Granted is the scope of alice's access token.
	Granted string
	// IDToken, IDJAG and AccessToken are alice's artefacts, decoded.
	IDToken, IDJAG, AccessToken xaa.Decoded
	// WriteRefusal is the MCP server's WWW-Authenticate challenge to
	// alice's create_issue call.
	WriteRefusal string
	// DenialError is the OAuth error AuthPlane answered bob's jwt-bearer
	// grant with; DenialReason the reason in its audit record.
	DenialError, DenialReason string
	// IdPAudit and AuthPlaneAudit are the records the flow wrote on each
	// side (administrative records of the setup left out).
	IdPAudit       []idprole.Event
	AuthPlaneAudit []adminclient.AuditEvent
}

// Flow runs the scenes against the running parties and checks that each
// turns out as expected.
func (d *Demo) Flow(ctx context.Context) (Result, error) {
	ctx, cancel := context.WithTimeout(ctx, flowTimeout)
	defer cancel()
	n := &narrator{out: d.out, urls: d.urls, now: time.Now}
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.Proxy = nil // loopback only
	defer transport.CloseIdleConnections()
	hc := &http.Client{Transport: &tap{base: transport, see: n.see}}
	var res Result
	for _, scene := range []func(context.Context, *narrator, *http.Client, *Result) error{
		d.aliceReads, d.bobIsRefused,
	} {
		if err := scene(ctx, n, hc, &res); err != nil {
			return res, err
		}
	}
	return res, d.audit(ctx, &res)
}

// agent is the example MCP client's configuration for a user.
func (d *Demo) agent(user, password string, hc *http.Client) xaaclient.Config {
	return xaaclient.Config{
		IdPIssuer: d.urls.idp, IdPClientID: appAgent, IdPClientSecret: d.creds.agentAtIdP, RedirectURI: redirectURI,
		Username: user, Password: password,
		AuthServer: d.urls.as, ClientID: clientAgent, ClientSecret: d.creds.agentAtAS,
		Resource: d.urls.resource, Scopes: githubmcp.Scopes(), HTTPClient: hc,
	}
}

// aliceReads runs the whole chain for alice and calls list_repos, then
// create_issue, which her grant does not cover.
func (d *Demo) aliceReads(ctx context.Context, n *narrator, hc *http.Client, res *Result) error {
	n.scene("1. alice (engineering) asks the agent to list repositories: the whole chain", true, clientAgent)
	d.out.note("The agent asks for \"" + scopeList(githubmcp.Scopes()) + "\". Its first MCP request has no token, so the SDK's")
	d.out.note("EnterpriseHandler runs the chain: sign-in → ID token → ID-JAG → access token, then retries.")
	d.out.printf("\n")
	session, err := xaaclient.Connect(ctx, d.agent("alice", alicePassword, hc))
	if err != nil {
		return fmt.Errorf("demo: alice's agent could not connect: %w", err)
	}
	defer session.Close()
	text, err := xaaclient.CallTool(ctx, session, githubmcp.ToolListRepos, nil)
	if err != nil {
		return fmt.Errorf("demo: alice's list_repos failed: %w", err)
	}
	a := n.artefacts()
	res.ToolResult, res.Granted, res.IDToken, res.IDJAG, res.AccessToken = text, a.granted, a.idToken, a.idJAG, a.accessToken
	d.out.printf("\n")
	d.out.item("result", githubmcp.ToolListRepos+" → "+text)
	if !strings.Contains(text, asIdPID+"|alice") || !strings.Contains(text, clientAgent) || a.granted != githubmcp.ScopeRead {
		return fmt.Errorf("demo: unexpected result for alice: %q with scope %q", text, a.granted)
	}
	return d.aliceWrites(ctx, n, session, res)
}

// aliceWrites calls create_issue, which needs repo:write: the MCP server
// refuses with 403 insufficient_scope.
func (d *Demo) aliceWrites(ctx context.Context, n *narrator, session *mcp.ClientSession, res *Result) error {
	n.scene("2. alice asks the agent to open an issue: create_issue needs "+githubmcp.ScopeWrite, false, clientAgent)
	_, err := xaaclient.CallTool(ctx, session, githubmcp.ToolCreateIssue,
		githubmcp.IssueInput{Repo: "acme/api", Title: "Agents should not write here"})
	res.WriteRefusal = n.artefacts().refusal
	d.out.printf("\n")
	if err == nil || !strings.Contains(res.WriteRefusal, `error="insufficient_scope"`) {
		return fmt.Errorf("demo: alice's create_issue was not refused with insufficient_scope (err %v, challenge %q)", err, res.WriteRefusal)
	}
	d.out.item("refused", "by the MCP server: 403 insufficient_scope")
	d.out.note("On a 403 the SDK handler runs the chain once more and retries; AuthPlane's policy still")
	d.out.note("grants engineers only " + githubmcp.ScopeRead + ", so the tool is never reached. The call fails with:")
	d.out.note(err.Error())
	return nil
}

// bobIsRefused runs the chain for bob: the IdP issues the ID-JAG (its
// policy lets the agent reach AuthPlane for anyone), AuthPlane's policy
// refuses it.
func (d *Demo) bobIsRefused(ctx context.Context, n *narrator, hc *http.Client, res *Result) error {
	n.scene("3. bob (sales) asks the agent to list repositories", false, clientAgent)
	d.out.note("The SDK client first tries server/discover, then initialize; each 401 runs the chain again.")
	d.out.printf("\n")
	session, err := xaaclient.Connect(ctx, d.agent("bob", bobPassword, hc))
	if err == nil {
		session.Close()
		return errors.New("demo: bob's agent connected: AuthPlane's policy should have refused him")
	}
	a := n.artefacts()
	res.DenialError = a.asError
	d.out.printf("\n")
	if res.DenialError == "" {
		return fmt.Errorf("demo: bob's agent failed before AuthPlane answered: %w", err)
	}
	ev, err2 := d.waitForDenials(ctx, asIdPID+"|bob", a.asErrors)
	if err2 != nil {
		return err2
	}
	res.DenialReason = ev.Reason
	d.out.item("refused", "by AuthPlane's token endpoint: "+res.DenialError+" (the answer stays generic)")
	d.out.item("why", fmt.Sprintf("its audit record: %s reason=%s subject=%s (no allow rule matches group sales)", ev.Type, ev.Reason, ev.Subject))
	d.out.item("agent", "the SDK client reports: "+err.Error())
	if res.DenialReason != "policy_no_matching_rule" {
		return fmt.Errorf("demo: bob was refused for %q, expected policy_no_matching_rule", res.DenialReason)
	}
	return nil
}

// waitForDenials waits for n grant.denied records for subject at AuthPlane
// and returns the last. Denials are audited through a queue, so a record
// may land a moment after the answer.
func (d *Demo) waitForDenials(ctx context.Context, subject string, n int) (adminclient.AuditEvent, error) {
	q := adminclient.AuditQuery{Type: "grant.denied", Subject: subject}.Values()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		page, err := d.admin.Audit().All(ctx, adminclient.ListOptions{Query: q})
		if err != nil {
			return adminclient.AuditEvent{}, fmt.Errorf("demo: AuthPlane audit: %w", err)
		}
		if len(page.Items) >= max(n, 1) {
			return page.Items[len(page.Items)-1], nil
		}
		select {
		case <-ctx.Done():
			return adminclient.AuditEvent{}, fmt.Errorf("demo: no grant.denied audit record for %s: %w", subject, ctx.Err())
		case <-tick.C:
		}
	}
}
