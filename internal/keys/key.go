package keys

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/authplane/authplane/internal/storage"
)

// Alg is the JWS algorithm of every key this package creates.
const Alg = string(jose.ES256)

// Store is the part of storage.SigningKeys the keys package needs. Both
// storage.Store and storage.Tx satisfy it, so RotateIn can run inside a
// transaction.
type Store interface {
	CreateSigningKey(ctx context.Context, k storage.SigningKey) error
	UpdateSigningKey(ctx context.Context, k storage.SigningKey) error
	// ListSigningKeys returns every key, newest first.
	ListSigningKeys(ctx context.Context) ([]storage.SigningKey, error)
	// DeleteSigningKeysBefore removes retired keys whose PublishUntil is
	// before t.
	DeleteSigningKeysBefore(ctx context.Context, t time.Time) (int64, error)
}

// createKey generates an ES256 key, seals its private half under kek and
// stores it as active with CreatedAt = now.
func createKey(ctx context.Context, st Store, kek []byte, now time.Time) (storage.SigningKey, error) {
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return storage.SigningKey{}, fmt.Errorf("keys: generate: %w", err)
	}
	kid, err := thumbprint(&priv.PublicKey)
	if err != nil {
		return storage.SigningKey{}, err
	}
	pub, err := publicJWK(&priv.PublicKey, kid).MarshalJSON()
	if err != nil {
		return storage.SigningKey{}, fmt.Errorf("keys: marshal public key: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return storage.SigningKey{}, fmt.Errorf("keys: marshal private key: %w", err)
	}
	sealed, err := Seal(kek, kid, der)
	clear(der)
	if err != nil {
		return storage.SigningKey{}, err
	}
	k := storage.SigningKey{
		ID:            kid,
		Alg:           Alg,
		PublicJWK:     pub,
		PrivateSealed: sealed,
		State:         storage.KeyActive,
		CreatedAt:     now,
	}
	if err := st.CreateSigningKey(ctx, k); err != nil {
		return storage.SigningKey{}, fmt.Errorf("keys: store new key %s: %w", kid, err)
	}
	return k, nil
}

// thumbprint returns the RFC 7638 SHA-256 thumbprint of pub, base64url
// without padding: the kid of the key.
func thumbprint(pub *ecdsa.PublicKey) (string, error) {
	jwk := jose.JSONWebKey{Key: pub}
	t, err := jwk.Thumbprint(crypto.SHA256)
	if err != nil {
		return "", fmt.Errorf("keys: thumbprint: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(t), nil
}

func publicJWK(pub *ecdsa.PublicKey, kid string) jose.JSONWebKey {
	return jose.JSONWebKey{Key: pub, KeyID: kid, Algorithm: Alg, Use: "sig"}
}

// parsePublic decodes the stored public JWK of k and checks that it is a
// P-256 public key whose thumbprint is k.ID, so a swapped or corrupted row
// is never published.
func parsePublic(k storage.SigningKey) (*ecdsa.PublicKey, error) {
	var jwk jose.JSONWebKey
	if err := json.Unmarshal(k.PublicJWK, &jwk); err != nil {
		return nil, fmt.Errorf("keys: key %s: public JWK: %w", k.ID, err)
	}
	pub, ok := jwk.Key.(*ecdsa.PublicKey)
	if !ok || pub.Curve != elliptic.P256() {
		return nil, fmt.Errorf("keys: key %s: public JWK is not a P-256 public key", k.ID)
	}
	kid, err := thumbprint(pub)
	if err != nil {
		return nil, err
	}
	if kid != k.ID {
		return nil, fmt.Errorf("keys: key %s: public JWK thumbprint is %s", k.ID, kid)
	}
	return pub, nil
}

// openPrivate unseals the private key of k and checks that it matches pub.
func openPrivate(kek []byte, k storage.SigningKey, pub *ecdsa.PublicKey) (*ecdsa.PrivateKey, error) {
	der, err := Open(kek, k.ID, k.PrivateSealed)
	if err != nil {
		return nil, fmt.Errorf("keys: key %s: %w", k.ID, err)
	}
	defer clear(der)
	parsed, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, fmt.Errorf("keys: key %s: private key: %w", k.ID, err)
	}
	priv, ok := parsed.(*ecdsa.PrivateKey)
	if !ok || !priv.PublicKey.Equal(pub) {
		return nil, fmt.Errorf("keys: key %s: private key does not match its public JWK", k.ID)
	}
	return priv, nil
}

// metadata returns k without its sealed private key.
func metadata(k storage.SigningKey) storage.SigningKey {
	k.PrivateSealed = nil
	return k
}
