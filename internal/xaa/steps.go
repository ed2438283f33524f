package xaa

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"github.com/modelcontextprotocol/go-sdk/auth"
	"github.com/modelcontextprotocol/go-sdk/oauthex"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

// Grant types and token types of the flow.
const (
	grantJWTBearer = "urn:ietf:params:oauth:grant-type:jwt-bearer"
)

// Credentials are a client's id and secret at one server.
type Credentials struct {
	ClientID, ClientSecret string
}

// Discover fetches an authorization server's RFC 8414 / OIDC metadata.
func Discover(ctx context.Context, hc *http.Client, issuer string) (*oauthex.AuthServerMeta, error) {
	meta, err := auth.GetAuthServerMetadata(ctx, issuer, hc)
	if err != nil {
		return nil, err
	}
	if meta == nil {
		return nil, fmt.Errorf("no authorization server metadata at %s", issuer)
	}
	return meta, nil
}

// ExchangeRequest is the RFC 8693 request for an ID-JAG.
type ExchangeRequest struct {
	IdPTokenEndpoint string
	IdP              Credentials
	IDToken          string
	// Audience is the resource AS's issuer; Resource the MCP server.
	Audience, Resource string
	Scopes             []string
}

// ExchangeForIDJAG asks the IdP for an ID-JAG (SPEC part A).
func ExchangeForIDJAG(ctx context.Context, hc *http.Client, r ExchangeRequest) (*oauth2.Token, error) {
	return oauthex.ExchangeToken(ctx, r.IdPTokenEndpoint, &oauthex.TokenExchangeRequest{
		RequestedTokenType: oauthex.TokenTypeIDJAG,
		Audience:           r.Audience,
		Resource:           r.Resource,
		Scope:              r.Scopes,
		SubjectToken:       r.IDToken,
		SubjectTokenType:   oauthex.TokenTypeIDToken,
	}, &oauthex.ClientCredentials{ClientID: r.IdP.ClientID, ClientSecretAuth: &oauthex.ClientSecretAuth{ClientSecret: r.IdP.ClientSecret}}, hc)
}

// BearerRequest is the RFC 7523 jwt-bearer request at the resource AS.
type BearerRequest struct {
	ASTokenEndpoint string
	Client          Credentials
	IDJAG           string
	Resource        string
	Scopes          []string
}

// PresentIDJAG performs the jwt-bearer grant (client_secret_basic) and
// returns the access token. An OAuth error is returned as
// *oauth2.RetrieveError, whose ErrorCode Hint explains.
func PresentIDJAG(ctx context.Context, hc *http.Client, r BearerRequest) (*oauth2.Token, error) {
	params := url.Values{"grant_type": {grantJWTBearer}, "assertion": {r.IDJAG}}
	if r.Resource != "" {
		params.Set("resource", r.Resource)
	}
	cc := clientcredentials.Config{
		ClientID: r.Client.ClientID, ClientSecret: r.Client.ClientSecret, TokenURL: r.ASTokenEndpoint,
		AuthStyle: oauth2.AuthStyleInHeader, Scopes: r.Scopes, EndpointParams: params,
	}
	return cc.Token(context.WithValue(ctx, oauth2.HTTPClient, hc))
}

// OAuthError returns the OAuth error code of err, if it is one.
func OAuthError(err error) (code, description string, ok bool) {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		return re.ErrorCode, re.ErrorDescription, true
	}
	return "", "", false
}
