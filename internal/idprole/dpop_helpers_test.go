package idprole

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"testing"

	jose "github.com/go-jose/go-jose/v4"
)

// proofKey is a client's DPoP key.
type proofKey struct {
	priv *ecdsa.PrivateKey
}

func newProofKey(t *testing.T) proofKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return proofKey{priv: k}
}

// jkt is the RFC 7638 thumbprint of the public key.
func (k proofKey) jkt(t *testing.T) string {
	t.Helper()
	tp, err := (&jose.JSONWebKey{Key: k.priv.Public()}).Thumbprint(crypto.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	return base64.RawURLEncoding.EncodeToString(tp)
}

// proof signs a DPoP proof with claims and header typ (embedding the
// public JWK).
func (k proofKey) proof(t *testing.T, typ string, claims map[string]any) string {
	t.Helper()
	opts := (&jose.SignerOptions{EmbedJWK: true}).WithType(jose.ContentType(typ))
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: k.priv}, opts)
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(claims)
	if err != nil {
		t.Fatal(err)
	}
	jws, err := s.Sign(b)
	if err != nil {
		t.Fatal(err)
	}
	out, err := jws.CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// proofClaims are valid proof claims for the env's token endpoint.
func (e *env) proofClaims() map[string]any {
	return map[string]any{"jti": "proof-" + base64.RawURLEncoding.EncodeToString([]byte(e.clock.Now().String())),
		"htm": "POST", "htu": e.issuer + "/token", "iat": e.clock.Now().Unix()}
}

// signForeign signs claims with a key the IdP does not publish.
func signForeign(t *testing.T, typ, kid string, claims any) string {
	t.Helper()
	k := newProofKey(t)
	opts := (&jose.SignerOptions{}).WithType(jose.ContentType(typ)).WithHeader("kid", kid)
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: k.priv}, opts)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(claims)
	jws, err := s.Sign(b)
	if err != nil {
		t.Fatal(err)
	}
	out, _ := jws.CompactSerialize()
	return out
}
