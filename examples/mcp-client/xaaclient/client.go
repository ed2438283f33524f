package xaaclient

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/modelcontextprotocol/go-sdk/auth/extauth"
	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/modelcontextprotocol/go-sdk/oauthex"
)

// Config is the agent's view of the three parties.
type Config struct {
	// IdPIssuer is the enterprise IdP's issuer URL.
	IdPIssuer string
	// IdPClientID and IdPClientSecret are the agent's credentials as an app
	// registered at the IdP.
	IdPClientID, IdPClientSecret string
	// RedirectURI is the agent's registered redirect URI at the IdP.
	RedirectURI string
	// Username and Password are the user's credentials at the IdP.
	Username, Password string
	// AuthServer is AuthPlane's issuer URL: the ID-JAG's audience.
	AuthServer string
	// ClientID and ClientSecret are the agent's credentials at AuthPlane
	// (client_secret_post).
	ClientID, ClientSecret string
	// Resource is the MCP server's resource identifier (RFC 9728).
	Resource string
	// Endpoint is the MCP endpoint URL; default Resource.
	Endpoint string
	// Scopes are requested from the IdP for the ID-JAG; AuthPlane grants
	// at most these, narrowed by its policy.
	Scopes []string
	// HTTPClient carries every request of the agent; default a client
	// without an overall time-out (MCP streams are long-lived), so bound
	// calls with their context.
	HTTPClient *http.Client
	// Now is the clock for the ID token's expiry; default time.Now.
	Now func() time.Time
}

// check reports every missing field at once.
func (c Config) check() error {
	var errs []error
	for _, f := range []struct{ name, v string }{
		{"IdPIssuer", c.IdPIssuer}, {"IdPClientID", c.IdPClientID}, {"IdPClientSecret", c.IdPClientSecret},
		{"RedirectURI", c.RedirectURI}, {"Username", c.Username}, {"AuthServer", c.AuthServer},
		{"ClientID", c.ClientID}, {"ClientSecret", c.ClientSecret}, {"Resource", c.Resource},
	} {
		if f.v == "" {
			errs = append(errs, fmt.Errorf("xaaclient: %s is required", f.name))
		}
	}
	return errors.Join(errs...)
}

func (c Config) httpClient() *http.Client {
	if c.HTTPClient != nil {
		return c.HTTPClient
	}
	return &http.Client{}
}

// NewHandler returns the SDK's EnterpriseHandler for c, with a Fetcher
// signing the user in at the IdP.
func NewHandler(c Config) (*extauth.EnterpriseHandler, error) {
	if err := c.check(); err != nil {
		return nil, err
	}
	return extauth.NewEnterpriseHandler(&extauth.EnterpriseHandlerConfig{
		IdPIssuerURL: c.IdPIssuer,
		IdPCredentials: &oauthex.ClientCredentials{ClientID: c.IdPClientID,
			ClientSecretAuth: &oauthex.ClientSecretAuth{ClientSecret: c.IdPClientSecret}},
		MCPAuthServerURL: c.AuthServer,
		MCPResourceURI:   c.Resource,
		MCPCredentials: &oauthex.ClientCredentials{ClientID: c.ClientID,
			ClientSecretAuth: &oauthex.ClientSecretAuth{ClientSecret: c.ClientSecret}},
		MCPScopes:      c.Scopes,
		IDTokenFetcher: NewFetcher(c).Fetch,
		HTTPClient:     c.httpClient(),
	})
}

// Connect opens an MCP session with the server at c.Endpoint through the
// streamable HTTP transport, authorised by the EnterpriseHandler: the
// server's first 401 runs the Cross-App Access chain. The caller must Close
// the session.
func Connect(ctx context.Context, c Config) (*mcp.ClientSession, error) {
	h, err := NewHandler(c)
	if err != nil {
		return nil, err
	}
	endpoint := c.Endpoint
	if endpoint == "" {
		endpoint = c.Resource
	}
	client := mcp.NewClient(&mcp.Implementation{Name: "authplane-example-agent", Version: "v1"}, nil)
	return client.Connect(ctx, &mcp.StreamableClientTransport{
		Endpoint: endpoint, HTTPClient: c.httpClient(), OAuthHandler: h,
	}, nil)
}

// CallTool calls a tool and returns the text of its result. A result the
// tool marked as an error is returned as an error carrying that text.
func CallTool(ctx context.Context, s *mcp.ClientSession, name string, args any) (string, error) {
	res, err := s.CallTool(ctx, &mcp.CallToolParams{Name: name, Arguments: args})
	if err != nil {
		return "", err
	}
	var parts []string
	for _, c := range res.Content {
		if t, ok := c.(*mcp.TextContent); ok {
			parts = append(parts, t.Text)
		}
	}
	text := strings.Join(parts, "\n")
	if res.IsError {
		return "", fmt.Errorf("tool %s failed: %s", name, text)
	}
	return text, nil
}
