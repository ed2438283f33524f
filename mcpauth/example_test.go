package mcpauth_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/authplane/authplane/internal/token"
	"github.com/authplane/authplane/mcpauth"
)

// Example protects an MCP server built on the official Go SDK: the
// metadata document at its well-known path, bearer-token verification
// around the streamable HTTP handler, a per-tool scope at the HTTP layer
// and a scope check inside a tool handler.
func Example() {
	as := newFakeAuthPlane() // stands in for AuthPlane: its JWKS, and minting
	defer as.srv.Close()

	// The MCP server and its resource identifier.
	mux := http.NewServeMux()
	srv := httptest.NewTLSServer(mux)
	defer srv.Close()
	resource := srv.URL + "/mcp"

	kit, err := mcpauth.New(mcpauth.Config{
		Resource:              resource,
		Issuer:                as.srv.URL,
		ScopesSupported:       []string{"repo:read", "issues:write"},
		ResourceName:          "GitHub tools",
		InsecureAllowLoopback: true, // the fake AuthPlane listens on 127.0.0.1
		RootCAs:               as.srv.Client().Transport.(*http.Transport).TLSClientConfig.RootCAs,
	})
	if err != nil {
		log.Fatal(err)
	}

	server := newGitHubServer(kit)
	handler := mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return server }, nil)

	mux.Handle(kit.MetadataPath(), kit.MetadataHandler())
	mux.Handle("/mcp", kit.Middleware("repo:read")(
		kit.ToolScopes(map[string][]string{"create_issue": {"issues:write"}})(handler)))

	// An agent holding an AuthPlane token with scope repo:read only.
	resp, _ := srv.Client().Get(resource)
	challenge := strings.ReplaceAll(resp.Header.Get("WWW-Authenticate"), srv.URL, "https://mcp.example.com")
	fmt.Println("without a token:", resp.StatusCode, challenge)
	resp.Body.Close()

	httpClient := srv.Client()
	httpClient.Transport = bearer{tok: as.mint(resource, "repo:read"), base: httpClient.Transport}
	client := mcp.NewClient(&mcp.Implementation{Name: "agent-1", Version: "v1"}, nil)
	ctx := context.Background()
	session, err := client.Connect(ctx, &mcp.StreamableClientTransport{Endpoint: resource, HTTPClient: httpClient}, nil)
	if err != nil {
		log.Fatal(err)
	}
	defer session.Close()

	res, err := session.CallTool(ctx, &mcp.CallToolParams{Name: "whoami"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("whoami:", res.Content[0].(*mcp.TextContent).Text)
	_, err = session.CallTool(ctx, &mcp.CallToolParams{Name: "create_issue"})
	// The token lacks issues:write: ToolScopes answers 403 insufficient_scope.
	fmt.Println("create_issue forbidden:", err != nil && strings.Contains(err.Error(), http.StatusText(http.StatusForbidden)))
	// Output:
	// without a token: 401 Bearer resource_metadata="https://mcp.example.com/.well-known/oauth-protected-resource/mcp", scope="repo:read"
	// whoami: alice via agent-1
	// create_issue forbidden: true
}

// newGitHubServer is an MCP server on the official SDK with two tools.
func newGitHubServer(kit *mcpauth.Kit) *mcp.Server {
	server := mcp.NewServer(&mcp.Implementation{Name: "github", Version: "v1"}, nil)
	mcp.AddTool(server, &mcp.Tool{Name: "whoami"}, func(_ context.Context, req *mcp.CallToolRequest, _ struct{}) (*mcp.CallToolResult, any, error) {
		// The SDK hands the verified token to tool handlers.
		if err := kit.CheckScopes(req.Extra.TokenInfo, "repo:read"); err != nil {
			return nil, nil, err
		}
		text := fmt.Sprintf("%s via %s", req.Extra.TokenInfo.UserID, req.Extra.TokenInfo.Extra[mcpauth.ExtraClientID])
		return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: text}}}, nil, nil
	})
	mcp.AddTool(server, &mcp.Tool{Name: "create_issue"}, func(context.Context, *mcp.CallToolRequest, struct{}) (*mcp.CallToolResult, any, error) {
		return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: "created"}}}, nil, nil
	})
	return server
}

// fakeAuthPlane serves a JWKS over TLS and mints access tokens with
// AuthPlane's token package.
type fakeAuthPlane struct {
	srv    *httptest.Server
	minter *token.Minter
}

type oneKey struct {
	kid string
	key *ecdsa.PrivateKey
}

func (k oneKey) Signer() (string, crypto.Signer) { return k.kid, k.key }

func newFakeAuthPlane() *fakeAuthPlane {
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		log.Fatal(err)
	}
	key := oneKey{kid: "k1", key: priv}
	jwks, _ := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{
		{Key: &priv.PublicKey, KeyID: key.kid, Algorithm: "ES256", Use: "sig"}}})
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/jwk-set+json")
		_, _ = w.Write(jwks)
	}))
	return &fakeAuthPlane{srv: srv, minter: &token.Minter{Issuer: srv.URL, Keys: key}}
}

func (a *fakeAuthPlane) mint(resource, scope string) string {
	tok, err := a.minter.Mint(token.Claims{Subject: "alice", Audience: resource, ClientID: "agent-1",
		Scope: scope, Expiry: time.Now().Add(5 * time.Minute).Unix()})
	if err != nil {
		log.Fatal(err)
	}
	return tok
}

// bearer adds the access token to every request of the MCP client.
type bearer struct {
	tok  string
	base http.RoundTripper
}

func (b bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.tok)
	return b.base.RoundTrip(r)
}
