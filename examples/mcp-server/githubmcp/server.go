package githubmcp

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/authplane/authplane/mcpauth"
)

// Scopes and tools of the example server.
const (
	ScopeRead       = "repo:read"
	ScopeWrite      = "repo:write"
	ToolListRepos   = "list_repos"
	ToolCreateIssue = "create_issue"
)

// Scopes returns the server's scope catalogue, for the kit's
// ScopesSupported and AuthPlane's resource registration.
func Scopes() []string { return []string{ScopeRead, ScopeWrite} }

// ToolScopes returns the scopes each tool needs.
func ToolScopes() map[string][]string {
	return map[string][]string{ToolListRepos: {ScopeRead}, ToolCreateIssue: {ScopeWrite}}
}

// IssueInput is create_issue's input.
type IssueInput struct {
	Repo  string `json:"repo" jsonschema:"the repository, e.g. acme/api"`
	Title string `json:"title" jsonschema:"the issue title"`
}

// state is one server's in-memory organisation: its repositories and
// the number of issues opened in each.
type state struct {
	kit    *mcpauth.Kit
	repos  []string
	mu     sync.Mutex
	issues map[string]int
}

// NewServer returns the MCP server with its two tools. kit checks the
// scopes of the token the SDK passes to each tool.
func NewServer(kit *mcpauth.Kit) *mcp.Server {
	st := &state{kit: kit, repos: []string{"acme/api", "acme/infra", "acme/web"}, issues: map[string]int{}}
	server := mcp.NewServer(&mcp.Implementation{Name: "github-example", Version: "v1"}, nil)
	mcp.AddTool(server, &mcp.Tool{Name: ToolListRepos, Description: "List the organisation's repositories (needs " + ScopeRead + ")"}, st.listRepos)
	mcp.AddTool(server, &mcp.Tool{Name: ToolCreateIssue, Description: "Open an issue in a repository (needs " + ScopeWrite + ")"}, st.createIssue)
	return server
}

// NewHandler returns the HTTP handler of the server: the Protected Resource
// Metadata at kit.MetadataPath() and the MCP endpoint at the path of
// kit.Resource(), protected by kit.Middleware and kit.ToolScopes.
func NewHandler(kit *mcpauth.Kit) http.Handler {
	server := NewServer(kit)
	mcpHandler := mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return server }, nil)
	mux := http.NewServeMux()
	mux.Handle(kit.MetadataPath(), kit.MetadataHandler())
	mux.Handle(endpointPath(kit.Resource()), kit.Middleware()(kit.ToolScopes(ToolScopes())(mcpHandler)))
	return mux
}

// endpointPath is the path of the resource identifier ("/" for none).
func endpointPath(resource string) string {
	u, err := url.Parse(resource)
	if err != nil || u.Path == "" {
		return "/"
	}
	return u.Path
}

func (s *state) listRepos(_ context.Context, req *mcp.CallToolRequest, _ struct{}) (*mcp.CallToolResult, any, error) {
	if err := s.kit.CheckScopes(req.Extra.TokenInfo, ScopeRead); err != nil {
		return nil, nil, err
	}
	text := fmt.Sprintf("%d repositories visible to %s via %s: %s", len(s.repos), req.Extra.TokenInfo.UserID,
		clientOf(req), strings.Join(s.repos, ", "))
	return textResult(text), nil, nil
}

func (s *state) createIssue(_ context.Context, req *mcp.CallToolRequest, in IssueInput) (*mcp.CallToolResult, any, error) {
	if err := s.kit.CheckScopes(req.Extra.TokenInfo, ScopeWrite); err != nil {
		return nil, nil, err
	}
	if !slices.Contains(s.repos, in.Repo) {
		return nil, nil, fmt.Errorf("no repository %q (have %s)", in.Repo, strings.Join(s.repos, ", "))
	}
	if strings.TrimSpace(in.Title) == "" {
		return nil, nil, errors.New("title is required")
	}
	s.mu.Lock()
	s.issues[in.Repo]++
	n := s.issues[in.Repo]
	s.mu.Unlock()
	text := fmt.Sprintf("%s opened %s#%d %q via %s", req.Extra.TokenInfo.UserID, in.Repo, n, in.Title, clientOf(req))
	return textResult(text), nil, nil
}

// clientOf names the agent the token was issued to.
func clientOf(req *mcp.CallToolRequest) any {
	return req.Extra.TokenInfo.Extra[mcpauth.ExtraClientID]
}

func textResult(text string) *mcp.CallToolResult {
	return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: text}}}
}
