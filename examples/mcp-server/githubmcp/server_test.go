package githubmcp_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/authplane/authplane/examples/mcp-server/githubmcp"
	"github.com/authplane/authplane/internal/token"
	"github.com/authplane/authplane/mcpauth"
)

// signer is the fake AuthPlane's one key.
type signer struct{ key *ecdsa.PrivateKey }

func (s signer) Signer() (string, crypto.Signer) { return "k1", s.key }

// env is the example server behind httptest, trusting a fake AuthPlane
// whose JWKS is served over loopback http.
type env struct {
	resource string
	mcpURL   string
	minter   *token.Minter
}

func newEnv(t *testing.T) *env {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	jwks, _ := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &key.PublicKey, KeyID: "k1", Algorithm: "ES256", Use: "sig"}}})
	as := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/jwk-set+json")
		_, _ = w.Write(jwks)
	}))
	t.Cleanup(as.Close)
	ts := httptest.NewUnstartedServer(nil)
	e := &env{resource: "http://" + ts.Listener.Addr().String() + "/mcp", minter: &token.Minter{Issuer: as.URL, Keys: signer{key}}}
	kit, err := mcpauth.New(mcpauth.Config{Resource: e.resource, Issuer: as.URL, ScopesSupported: githubmcp.Scopes(), InsecureAllowLoopback: true})
	if err != nil {
		t.Fatal(err)
	}
	ts.Config.Handler = githubmcp.NewHandler(kit)
	ts.Start()
	t.Cleanup(ts.Close)
	e.mcpURL = ts.URL
	return e
}

func (e *env) token(t *testing.T, scope string) string {
	t.Helper()
	tok, err := e.minter.Mint(token.Claims{Subject: "corp|alice", Audience: e.resource, ClientID: "agent-1",
		Scope: scope, Expiry: time.Now().Add(5 * time.Minute).Unix()})
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// bearer adds a token to every request.
type bearer struct{ tok string }

func (b bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.tok)
	return http.DefaultTransport.RoundTrip(r)
}

// call connects with tok and calls one tool, returning its text.
func (e *env) call(ctx context.Context, tok, tool string, args any) (string, bool, error) {
	client := mcp.NewClient(&mcp.Implementation{Name: "test", Version: "v1"}, nil)
	s, err := client.Connect(ctx, &mcp.StreamableClientTransport{Endpoint: e.resource,
		HTTPClient: &http.Client{Transport: bearer{tok}}}, nil)
	if err != nil {
		return "", false, err
	}
	defer s.Close()
	res, err := s.CallTool(ctx, &mcp.CallToolParams{Name: tool, Arguments: args})
	if err != nil {
		return "", false, err
	}
	var parts []string
	for _, c := range res.Content {
		if t, ok := c.(*mcp.TextContent); ok {
			parts = append(parts, t.Text)
		}
	}
	return strings.Join(parts, "\n"), res.IsError, nil
}

// TestToolsNeedTheirScopes: each tool runs only with its scope; the HTTP
// layer refuses the others with 403 insufficient_scope before the SDK.
func TestToolsNeedTheirScopes(t *testing.T) {
	e := newEnv(t)
	issue := githubmcp.IssueInput{Repo: "acme/api", Title: "flaky test"}
	tests := []struct {
		name, scope, tool string
		args              any
		want              string // substring of the result text
		toolErr           bool   // the tool answered with IsError
		forbidden         bool   // refused with 403 before the tool
	}{
		{"read lists", "repo:read", githubmcp.ToolListRepos, nil, "3 repositories visible to corp|alice via agent-1: acme/api, acme/infra, acme/web", false, false},
		{"read cannot write", "repo:read", githubmcp.ToolCreateIssue, issue, "", false, true},
		{"write opens an issue", "repo:read repo:write", githubmcp.ToolCreateIssue, issue, `corp|alice opened acme/api#1 "flaky test" via agent-1`, false, false},
		{"write only cannot list", "repo:write", githubmcp.ToolListRepos, nil, "", false, true},
		{"unknown repository", "repo:write", githubmcp.ToolCreateIssue, githubmcp.IssueInput{Repo: "acme/nope", Title: "x"}, "no repository", true, false},
		{"empty title", "repo:write", githubmcp.ToolCreateIssue, githubmcp.IssueInput{Repo: "acme/web", Title: " "}, "title is required", true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			text, isErr, err := e.call(t.Context(), e.token(t, tt.scope), tt.tool, tt.args)
			if tt.forbidden {
				if err == nil || !strings.Contains(err.Error(), http.StatusText(http.StatusForbidden)) {
					t.Fatalf("call = %q, %v; want 403", text, err)
				}
				return
			}
			if err != nil || isErr != tt.toolErr || !strings.Contains(text, tt.want) {
				t.Fatalf("call = %q (tool error %v), %v; want %q", text, isErr, err, tt.want)
			}
		})
	}
}

// TestHandlerServesMetadataAndChallenges: the metadata document names the
// resource and AuthPlane; a request without a token gets 401 with a
// challenge pointing at it.
func TestHandlerServesMetadataAndChallenges(t *testing.T) {
	e := newEnv(t)
	resp, err := http.Get(e.mcpURL + "/.well-known/oauth-protected-resource/mcp")
	if err != nil {
		t.Fatal(err)
	}
	var md struct {
		Resource string   `json:"resource"`
		AS       []string `json:"authorization_servers"`
		Scopes   []string `json:"scopes_supported"`
	}
	err = json.NewDecoder(resp.Body).Decode(&md)
	resp.Body.Close()
	if err != nil || md.Resource != e.resource || len(md.AS) != 1 || md.AS[0] != e.minter.Issuer || strings.Join(md.Scopes, " ") != "repo:read repo:write" {
		t.Fatalf("metadata %+v, %v", md, err)
	}
	resp, err = http.Post(e.resource, "application/json", strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"tools/list"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if ch := resp.Header.Get("WWW-Authenticate"); resp.StatusCode != http.StatusUnauthorized ||
		!strings.Contains(ch, `resource_metadata="`+e.mcpURL+`/.well-known/oauth-protected-resource/mcp"`) {
		t.Fatalf("without a token: %d %q", resp.StatusCode, ch)
	}
}
