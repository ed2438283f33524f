package idprole

import (
	"net/http"

	"github.com/authplane/authplane/internal/oauth"
)

// Grant type of the authorization code flow.
const grantAuthorizationCode = "authorization_code"

// metadata is the RFC 8414 / OIDC Discovery document, served at both
// well-known locations (SPEC IDP-29).
type metadata struct {
	Issuer                            string   `json:"issuer"`
	AuthorizationEndpoint             string   `json:"authorization_endpoint"`
	TokenEndpoint                     string   `json:"token_endpoint"`
	JWKSURI                           string   `json:"jwks_uri"`
	UserinfoEndpoint                  string   `json:"userinfo_endpoint"`
	ResponseTypes                     []string `json:"response_types_supported"`
	ResponseModes                     []string `json:"response_modes_supported"`
	GrantTypes                        []string `json:"grant_types_supported"`
	CodeChallengeMethods              []string `json:"code_challenge_methods_supported"`
	TokenEndpointAuthMethods          []string `json:"token_endpoint_auth_methods_supported"`
	SubjectTypes                      []string `json:"subject_types_supported"`
	IDTokenSigningAlgs                []string `json:"id_token_signing_alg_values_supported"`
	ScopesSupported                   []string `json:"scopes_supported"`
	ClaimsSupported                   []string `json:"claims_supported"`
	IdentityChainingTokenTypes        []string `json:"identity_chaining_requested_token_types_supported"`
	DPoPSigningAlgs                   []string `json:"dpop_signing_alg_values_supported"`
	AuthorizationResponseISSSupported bool     `json:"authorization_response_iss_parameter_supported"`
}

func (s *Server) metadata() metadata {
	return metadata{
		Issuer:                            s.cfg.Issuer,
		AuthorizationEndpoint:             s.ep.authorize,
		TokenEndpoint:                     s.ep.token,
		JWKSURI:                           s.ep.jwks,
		UserinfoEndpoint:                  s.ep.uinfo,
		ResponseTypes:                     []string{"code"},
		ResponseModes:                     []string{"query"},
		GrantTypes:                        []string{grantAuthorizationCode, oauth.GrantTokenExchange},
		CodeChallengeMethods:              []string{"S256"},
		TokenEndpointAuthMethods:          []string{"client_secret_basic", "client_secret_post"},
		SubjectTypes:                      []string{"public"},
		IDTokenSigningAlgs:                []string{"ES256"},
		ScopesSupported:                   []string{"openid", "email", "groups"},
		ClaimsSupported:                   []string{"iss", "sub", "aud", "exp", "iat", "auth_time", "amr", "nonce", "email", "groups"},
		IdentityChainingTokenTypes:        []string{oauth.TokenTypeIDJAG},
		DPoPSigningAlgs:                   dpopAlgNames(),
		AuthorizationResponseISSSupported: true,
	}
}

func (s *Server) handleMetadata(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Cache-Control", "public, max-age=300")
	writeJSONBody(w, http.StatusOK, s.metadata())
}

// handleJWKS serves the IdP's public keys: the ID-JAG and ID token
// verification keys (SPEC IDP-22).
func (s *Server) handleJWKS(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/jwk-set+json")
	w.Header().Set("Cache-Control", "public, max-age=300")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(s.keys.JWKS())
}
