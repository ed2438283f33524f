package bench

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/authplane/authplane/internal/adminclient"
	"github.com/authplane/authplane/internal/oauth"
	"github.com/authplane/authplane/internal/secret"
	"github.com/authplane/authplane/internal/testidp"
)

// benchScopes are the scopes of the bench resource; every grant asks for
// both and the policy grants both.
var benchScopes = []string{"bench:read", "bench:write"}

// registration is what setup created: the ids and how the client
// authenticates.
type registration struct {
	suffix     string
	idpID      string
	clientID   string
	resourceID string
	resource   string
	// authorization is the Authorization header of every token request
	// (client_secret_basic); "" for private_key_jwt.
	authorization string
	// clientKey signs client assertions (private_key_jwt only).
	clientKey *testidp.Key
}

// register creates the bench's resource, IdP, client and allow policy
// through the admin API, under ids unique to this run, and loads the IdP's
// keys.
func register(ctx context.Context, ac *adminclient.Client, p *idpServer, clientAuth string) (*registration, error) {
	sfx := secret.ID()[:8]
	r := &registration{
		suffix: sfx, idpID: "bench-idp-" + sfx, clientID: "bench-agent-" + sfx, resourceID: "bench-" + sfx,
		resource: "https://mcp.bench.example/" + sfx,
	}
	steps := []struct {
		path string
		body map[string]any
	}{
		{"/resources", map[string]any{"id": r.resourceID, "uri": r.resource, "name": "bench", "scopes": benchScopes}},
		{"/idps", map[string]any{"id": r.idpID, "issuer": p.issuer, "jwks_uri": p.jwksURI(), "allowed_algs": []string{string(p.key.Alg)}}},
		{"/clients", nil},
		{"/policies", map[string]any{"id": "bench-" + sfx, "effect": "allow", "description": "authplane bench",
			"idps": []string{r.idpID}, "clients": []string{r.clientID}, "resources": []string{r.resourceID}}},
	}
	for _, s := range steps {
		if s.path == "/clients" {
			if err := r.registerClient(ctx, ac, clientAuth); err != nil {
				return nil, err
			}
			continue
		}
		if err := ac.Do(ctx, "POST", s.path, s.body, nil); err != nil {
			return nil, fmt.Errorf("bench: register %s: %w", s.path[1:], err)
		}
	}
	if err := ac.Do(ctx, "POST", "/idps/"+r.idpID+"/refresh", nil, nil); err != nil {
		return nil, fmt.Errorf("bench: load the IdP's keys: %w", err)
	}
	return r, nil
}

// registerClient creates the agent client with a secret or a public key.
func (r *registration) registerClient(ctx context.Context, ac *adminclient.Client, clientAuth string) error {
	body := map[string]any{"id": r.clientID, "name": "bench agent", "grant_types": []string{oauth.GrantJWTBearer}}
	if clientAuth == ClientAuthPrivateKeyJWT {
		k := testidp.NewKey(jose.ES256)
		set, err := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{k.PublicJWK()}})
		if err != nil {
			return fmt.Errorf("bench: client key set: %w", err)
		}
		body["token_endpoint_auth_method"], body["jwks"] = "private_key_jwt", json.RawMessage(set)
		r.clientKey = &k
	} else {
		body["token_endpoint_auth_method"] = "client_secret_basic"
	}
	var out struct {
		ClientSecret string `json:"client_secret"`
	}
	if err := ac.Do(ctx, "POST", "/clients", body, &out); err != nil {
		return fmt.Errorf("bench: register client: %w", err)
	}
	if r.clientKey == nil {
		cred := url.QueryEscape(r.clientID) + ":" + url.QueryEscape(out.ClientSecret)
		r.authorization = "Basic " + base64.StdEncoding.EncodeToString([]byte(cred))
	}
	return nil
}
