package admin

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/go-jose/go-jose/v4"

	"github.com/authplane/authplane/internal/storage"
)

// Limits of an inline client JWK Set.
const (
	maxJWKSBytes = 64 << 10
	maxJWKSKeys  = 20
	minRSABits   = 2048
)

// checkClient validates a client record, including that every allowed IdP
// exists in tx.
func (s *Service) checkClient(ctx context.Context, r *refs, c storage.Client) error {
	var p problems
	p.checkID("id", c.ID)
	if strings.HasPrefix(c.ID, "https://") {
		p.add("id", "must not start with https:// (reserved for client ID metadata documents)")
	}
	p.checkText("name", c.Name, maxNameLen)
	p.checkList("grant_types", c.GrantTypes, oneOf(GrantJWTBearer))
	s.checkClientKeys(&p, c)
	p.checkList("allowed_idps", c.AllowedIdPs, idReason)
	if err := p.checkIDs(ctx, "allowed_idps", "IdP", c.AllowedIdPs, r.idp); err != nil {
		return err
	}
	return p.err()
}

// checkClientKeys validates the authentication method and its key material:
// private_key_jwt needs exactly one of jwks and jwks_uri, the secret methods
// neither.
func (s *Service) checkClientKeys(p *problems, c storage.Client) {
	switch c.AuthMethod {
	case storage.AuthClientSecretBasic, storage.AuthClientSecretPost:
		if c.JWKS != nil {
			p.add("jwks", "is only for private_key_jwt clients")
		}
		if c.JWKSURI != "" {
			p.add("jwks_uri", "is only for private_key_jwt clients")
		}
	case storage.AuthPrivateKeyJWT:
		switch {
		case c.JWKS == nil && c.JWKSURI == "":
			p.add("jwks", "private_key_jwt clients need exactly one of jwks and jwks_uri")
		case c.JWKS != nil && c.JWKSURI != "":
			p.add("jwks_uri", "must not be set together with jwks")
		case c.JWKS != nil:
			p.checkJWKS("jwks", c.JWKS)
		default:
			if reason := urlReason(c.JWKSURI, s.d.InsecureAllowLoopback); reason != "" {
				p.add("jwks_uri", reason)
			}
		}
	default:
		p.add("token_endpoint_auth_method", "must be one of client_secret_basic, client_secret_post, private_key_jwt")
	}
}

// checkJWKS validates an inline JWK Set of client verification keys: public
// EC P-256 or RSA (≥ 2048 bits) signing keys with distinct kids.
func (p *problems) checkJWKS(field string, raw json.RawMessage) {
	if len(raw) > maxJWKSBytes {
		p.addf(field, "must be at most %d bytes", maxJWKSBytes)
		return
	}
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(raw, &set); err != nil {
		p.addf(field, "must be a JWK Set: %v", err)
		return
	}
	if len(set.Keys) == 0 || len(set.Keys) > maxJWKSKeys {
		p.addf(field, "must contain 1-%d keys", maxJWKSKeys)
		return
	}
	kids := map[string]bool{}
	for i, k := range set.Keys {
		f := fmt.Sprintf("%s.keys[%d]", field, i)
		if k.KeyID != "" && kids[k.KeyID] {
			p.addf(f, "duplicates kid %q", k.KeyID)
		}
		kids[k.KeyID] = true
		if reason := jwkReason(k); reason != "" {
			p.add(f, reason)
		}
	}
}

// jwkReason returns why k is not an acceptable client verification key, or "".
func jwkReason(k jose.JSONWebKey) string {
	if !k.IsPublic() || !k.Valid() {
		return "must be a valid public key (no private or symmetric keys)"
	}
	if k.Use != "" && k.Use != "sig" {
		return `use must be "sig"`
	}
	switch key := k.Key.(type) {
	case *ecdsa.PublicKey:
		if key.Curve != elliptic.P256() {
			return "EC keys must use the P-256 curve"
		}
		if k.Algorithm != "" && k.Algorithm != string(jose.ES256) {
			return "alg of an EC P-256 key must be ES256"
		}
	case *rsa.PublicKey:
		if key.N.BitLen() < minRSABits {
			return fmt.Sprintf("RSA keys must have at least %d bits", minRSABits)
		}
		if k.Algorithm != "" && k.Algorithm != string(jose.RS256) && k.Algorithm != string(jose.PS256) {
			return "alg of an RSA key must be RS256 or PS256"
		}
	default:
		return "must be an EC P-256 or RSA key"
	}
	return ""
}
