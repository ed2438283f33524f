package server

import (
	"encoding/json"
	"net/http"
	"slices"
	"sync/atomic"

	"github.com/authplane/authplane/internal/oauth"
	"github.com/authplane/authplane/internal/storage"
)

// Endpoint paths on the public listener.
const (
	pathJWKS       = "/.well-known/jwks.json"
	pathToken      = "/oauth/token"
	pathIntrospect = "/oauth/introspect"
	pathRevoke     = "/oauth/revoke"
)

// Metadata is the RFC 8414 authorization server metadata document this
// server publishes (SPEC D.1). Members whose value would be empty are
// omitted (META-03). Trusted IdPs are never listed (RAS-22).
type Metadata struct {
	Issuer                                string   `json:"issuer"`
	TokenEndpoint                         string   `json:"token_endpoint"`
	JWKSURI                               string   `json:"jwks_uri"`
	ScopesSupported                       []string `json:"scopes_supported,omitempty"`
	GrantTypesSupported                   []string `json:"grant_types_supported"`
	TokenEndpointAuthMethodsSupported     []string `json:"token_endpoint_auth_methods_supported"`
	TokenEndpointAuthSigningAlgsSupported []string `json:"token_endpoint_auth_signing_alg_values_supported"`
	IntrospectionEndpoint                 string   `json:"introspection_endpoint"`
	IntrospectionEndpointAuthMethods      []string `json:"introspection_endpoint_auth_methods_supported"`
	RevocationEndpoint                    string   `json:"revocation_endpoint"`
	RevocationEndpointAuthMethods         []string `json:"revocation_endpoint_auth_methods_supported"`
	AuthorizationGrantProfilesSupported   []string `json:"authorization_grant_profiles_supported"`
	// CodeChallengeMethodsSupported is MUST(P) in both documents (MCP-03):
	// MCP clients refuse an authorization server that omits it.
	CodeChallengeMethodsSupported []string `json:"code_challenge_methods_supported"`
}

// clientAuthMethods are the token endpoint client authentication methods
// (SPEC D.3; client_secret_jwt is deliberately absent, CAUTH-04).
var clientAuthMethods = []string{storage.AuthClientSecretBasic, storage.AuthClientSecretPost, storage.AuthPrivateKeyJWT}

// BuildMetadata returns the metadata document for issuer, with the union of
// the scopes of enabled resources.
func BuildMetadata(issuer string, resources map[string]storage.Resource) Metadata {
	var scopes []string
	for _, r := range resources {
		if r.Enabled {
			scopes = append(scopes, r.Scopes...)
		}
	}
	slices.Sort(scopes)
	scopes = slices.Compact(scopes)
	return Metadata{
		Issuer:                                issuer,
		TokenEndpoint:                         issuer + pathToken,
		JWKSURI:                               issuer + pathJWKS,
		ScopesSupported:                       scopes,
		GrantTypesSupported:                   []string{oauth.GrantJWTBearer},
		TokenEndpointAuthMethodsSupported:     clientAuthMethods,
		TokenEndpointAuthSigningAlgsSupported: []string{"ES256", "RS256"},
		IntrospectionEndpoint:                 issuer + pathIntrospect,
		IntrospectionEndpointAuthMethods:      clientAuthMethods,
		RevocationEndpoint:                    issuer + pathRevoke,
		RevocationEndpointAuthMethods:         clientAuthMethods,
		AuthorizationGrantProfilesSupported:   []string{oauth.ProfileIDJAG},
		CodeChallengeMethodsSupported:         []string{"S256"},
	}
}

// metadataDoc holds the serialized document, swapped when resources change.
type metadataDoc struct {
	body atomic.Pointer[[]byte]
}

func (m *metadataDoc) set(md Metadata) {
	b, err := json.MarshalIndent(md, "", "  ")
	if err != nil {
		panic("server: metadata does not marshal: " + err.Error()) // plain strings always marshal
	}
	b = append(b, '\n')
	m.body.Store(&b)
}

// ServeHTTP serves the document (META-01). It is public and cacheable for
// a short time.
func (m *metadataDoc) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "public, max-age=300")
	h.Set("Access-Control-Allow-Origin", "*")
	_, _ = w.Write(*m.body.Load())
}

// jwksSource is where the published key set comes from.
type jwksSource interface {
	JWKS() []byte
}

// handleJWKS serves our public keys. The short max-age lets resource servers
// pick up a rotation quickly; they also refetch on an unknown kid.
func handleJWKS(keys jwksSource) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		h := w.Header()
		h.Set("Content-Type", "application/jwk-set+json")
		h.Set("Cache-Control", "public, max-age=60")
		h.Set("Access-Control-Allow-Origin", "*")
		_, _ = w.Write(keys.JWKS())
	}
}
