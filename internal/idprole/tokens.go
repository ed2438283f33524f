package idprole

import (
	"crypto/ecdsa"
	"encoding/json"
	"errors"
	"fmt"

	jose "github.com/go-jose/go-jose/v4"
)

// JOSE typ values. Each kind of token the IdP role signs has its own typ,
// and every verifier requires exactly its own, so no token can be used as
// another kind (RFC 8725 §3.11; SPEC AT-06, JWT-09).
const (
	typIDToken     = "JWT"
	typAccessToken = "at+jwt"
	typIDJAG       = "oauth-id-jag+jwt"
)

// maxTokenBytes caps a token presented back to the IdP role.
const maxTokenBytes = 16 << 10

// idTokenClaims are the claims of an OIDC ID token this IdP issues.
type idTokenClaims struct {
	Issuer   string   `json:"iss"`
	Subject  string   `json:"sub"`
	Audience audience `json:"aud"`
	AZP      string   `json:"azp,omitempty"`
	Expiry   int64    `json:"exp"`
	IssuedAt int64    `json:"iat"`
	AuthTime int64    `json:"auth_time"`
	AMR      []string `json:"amr"`
	Nonce    string   `json:"nonce,omitempty"`
	Email    string   `json:"email,omitempty"`
	Groups   []string `json:"groups"`
	JTI      string   `json:"jti"`
}

// accessTokenClaims are the claims of an access token for userinfo
// (RFC 9068 shape).
type accessTokenClaims struct {
	Issuer   string `json:"iss"`
	Subject  string `json:"sub"`
	Audience string `json:"aud"`
	ClientID string `json:"client_id"`
	Scope    string `json:"scope"`
	Expiry   int64  `json:"exp"`
	IssuedAt int64  `json:"iat"`
	JTI      string `json:"jti"`
}

// idJAGClaims are the claims of an ID-JAG (SPEC IDP-23).
type idJAGClaims struct {
	Issuer   string   `json:"iss"`
	Subject  string   `json:"sub"`
	Audience string   `json:"aud"`
	ClientID string   `json:"client_id"`
	JTI      string   `json:"jti"`
	Expiry   int64    `json:"exp"`
	IssuedAt int64    `json:"iat"`
	Resource string   `json:"resource,omitempty"`
	Scope    string   `json:"scope,omitempty"`
	AuthTime int64    `json:"auth_time,omitempty"`
	AMR      []string `json:"amr,omitempty"`
	Email    string   `json:"email,omitempty"`
	Groups   []string `json:"groups,omitempty"`
	Cnf      *cnf     `json:"cnf,omitempty"`
}

// cnf is the RFC 7800 confirmation claim binding the ID-JAG to a DPoP key
// (SPEC IDP-30).
type cnf struct {
	JKT string `json:"jkt"`
}

// audience is an aud claim: a string or an array of strings.
type audience []string

// UnmarshalJSON accepts a string or an array of strings.
func (a *audience) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*a = audience{s}
		return nil
	}
	var l []string
	if err := json.Unmarshal(b, &l); err != nil {
		return errors.New("aud is neither a string nor an array of strings")
	}
	*a = l
	return nil
}

// MarshalJSON writes a single audience as a string.
func (a audience) MarshalJSON() ([]byte, error) {
	if len(a) == 1 {
		return json.Marshal(a[0])
	}
	return json.Marshal([]string(a))
}

// sign signs claims with the current key as a compact JWS with typ and kid.
func (s *Server) sign(typ string, claims any) (string, error) {
	kid, key := s.keys.Signer()
	priv, ok := key.(*ecdsa.PrivateKey)
	if !ok {
		return "", fmt.Errorf("idprole: signing key %s is not an ECDSA key", kid)
	}
	signer, err := jose.NewSigner(
		jose.SigningKey{Algorithm: jose.ES256, Key: jose.JSONWebKey{Key: priv, KeyID: kid, Algorithm: string(jose.ES256)}},
		(&jose.SignerOptions{}).WithType(jose.ContentType(typ)))
	if err != nil {
		return "", fmt.Errorf("idprole: signer: %w", err)
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", fmt.Errorf("idprole: encode claims: %w", err)
	}
	jws, err := signer.Sign(payload)
	if err != nil {
		return "", fmt.Errorf("idprole: sign: %w", err)
	}
	return jws.CompactSerialize()
}

// Errors of verifyOwn; the callers map them to their protocol's error.
var (
	errTokenMalformed = errors.New("idprole: token malformed")
	errTokenType      = errors.New("idprole: token has the wrong typ")
	errTokenKey       = errors.New("idprole: token key unknown")
	errTokenSignature = errors.New("idprole: token signature invalid")
)

// verifyOwn verifies a token this IdP signed: ES256 only, the exact typ, a
// kid among the published keys and a valid signature. It decodes the
// verified payload into dst.
func (s *Server) verifyOwn(raw, typ string, dst any) error {
	if len(raw) > maxTokenBytes {
		return fmt.Errorf("%w: too large", errTokenMalformed)
	}
	jws, err := jose.ParseSigned(raw, []jose.SignatureAlgorithm{jose.ES256})
	if err != nil || len(jws.Signatures) != 1 {
		return errTokenMalformed
	}
	h := jws.Signatures[0].Protected
	if t, _ := h.ExtraHeaders[jose.HeaderType].(string); t != typ {
		return errTokenType
	}
	if h.KeyID == "" || h.JSONWebKey != nil || h.Nonce != "" || len(h.ExtraHeaders) != 1 {
		return fmt.Errorf("%w: unexpected header", errTokenMalformed)
	}
	set := s.keys.PublicKeys()
	ks := set.Key(h.KeyID)
	if len(ks) != 1 {
		return errTokenKey
	}
	payload, err := jws.Verify(ks[0].Key)
	if err != nil {
		return errTokenSignature
	}
	if err := json.Unmarshal(payload, dst); err != nil {
		return fmt.Errorf("%w: claims: %v", errTokenMalformed, err)
	}
	return nil
}
