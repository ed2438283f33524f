package token

import (
	"crypto"
	"crypto/ecdsa"
	"encoding/json"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/authplane/authplane/internal/secret"
)

// Type is the JWS typ of access tokens (RFC 9068 §2.1).
const Type = "at+jwt"

// KeySource yields the key to sign with. keys.Manager satisfies it.
type KeySource interface {
	Signer() (kid string, key crypto.Signer)
}

// Minter signs access tokens. Issuer and Keys are required; Now defaults to
// time.Now. A Minter must not be copied after first use.
type Minter struct {
	Issuer string
	Keys   KeySource
	Now    func() time.Time

	// cached is the go-jose signer of the last kid: building one costs more
	// than the JSON work of a token, and the kid changes only on rotation.
	cached atomic.Pointer[cachedSigner]
}

type cachedSigner struct {
	kid    string
	signer jose.Signer
}

// Mint sets iss to m.Issuer, fills jti (128 random bits), iat and nbf (the
// current time) when empty, checks that every claim RFC 9068 §2.2 requires
// is present and that exp is after iat, and returns the compact JWS with
// header typ "at+jwt", alg "ES256" and kid.
func (m *Minter) Mint(c Claims) (string, error) {
	if m.Issuer == "" || m.Keys == nil {
		return "", errors.New("token: minter needs an issuer and a key source")
	}
	c.Issuer = m.Issuer
	if c.JTI == "" {
		c.JTI = secret.ID()
	}
	if c.IssuedAt == 0 {
		c.IssuedAt = m.now().Unix()
	}
	if c.NotBefore == 0 {
		c.NotBefore = c.IssuedAt
	}
	if name := c.missing(); name != "" {
		return "", fmt.Errorf("token: cannot mint without a valid %s claim", name)
	}
	if c.Expiry <= c.IssuedAt {
		return "", errors.New("token: cannot mint with exp not after iat")
	}
	payload, err := json.Marshal(c)
	if err != nil {
		return "", fmt.Errorf("token: marshal claims: %w", err)
	}
	signer, err := m.signer()
	if err != nil {
		return "", err
	}
	jws, err := signer.Sign(payload)
	if err != nil {
		return "", fmt.Errorf("token: sign: %w", err)
	}
	return jws.CompactSerialize()
}

func (m *Minter) now() time.Time {
	if m.Now != nil {
		return m.Now()
	}
	return time.Now()
}

// signer returns the go-jose signer for the current key, building and
// caching it when the kid changed. The kid is the key's thumbprint, so the
// same kid always means the same key.
func (m *Minter) signer() (jose.Signer, error) {
	kid, key := m.Keys.Signer()
	if kid == "" || key == nil {
		return nil, errors.New("token: key source has no signing key")
	}
	if c := m.cached.Load(); c != nil && c.kid == kid {
		return c.signer, nil
	}
	s, err := newSigner(kid, key)
	if err != nil {
		return nil, err
	}
	m.cached.Store(&cachedSigner{kid: kid, signer: s})
	return s, nil
}

// newSigner builds an ES256 signer that writes typ and kid. An
// *ecdsa.PrivateKey is used directly; any other crypto.Signer with a P-256
// public key (an HSM or KMS handle) goes through go-jose's OpaqueSigner.
func newSigner(kid string, key crypto.Signer) (jose.Signer, error) {
	var k any
	if priv, ok := key.(*ecdsa.PrivateKey); ok {
		k = jose.JSONWebKey{Key: priv, KeyID: kid, Algorithm: string(jose.ES256)}
	} else {
		o, err := newOpaqueSigner(kid, key)
		if err != nil {
			return nil, err
		}
		k = o
	}
	opts := (&jose.SignerOptions{}).WithType(Type)
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: k}, opts)
	if err != nil {
		return nil, fmt.Errorf("token: signer for key %s: %w", kid, err)
	}
	return s, nil
}
