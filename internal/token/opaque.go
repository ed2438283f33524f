package token

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"

	jose "github.com/go-jose/go-jose/v4"
)

// opaqueSigner adapts a crypto.Signer holding a P-256 key to
// jose.OpaqueSigner, converting its ASN.1 signature to the fixed-width
// R || S form of RFC 7518 §3.4.
type opaqueSigner struct {
	key crypto.Signer
	pub jose.JSONWebKey
}

func newOpaqueSigner(kid string, key crypto.Signer) (*opaqueSigner, error) {
	pub, ok := key.Public().(*ecdsa.PublicKey)
	if !ok || pub.Curve != elliptic.P256() {
		return nil, fmt.Errorf("token: key %s is not a P-256 ECDSA key", kid)
	}
	return &opaqueSigner{
		key: key,
		pub: jose.JSONWebKey{Key: pub, KeyID: kid, Algorithm: string(jose.ES256)},
	}, nil
}

// Public returns the public JWK, whose kid go-jose writes to the header.
func (o *opaqueSigner) Public() *jose.JSONWebKey { return &o.pub }

// Algs returns ES256 only.
func (o *opaqueSigner) Algs() []jose.SignatureAlgorithm {
	return []jose.SignatureAlgorithm{jose.ES256}
}

// SignPayload signs SHA-256(payload) and returns R || S, 32 bytes each.
func (o *opaqueSigner) SignPayload(payload []byte, alg jose.SignatureAlgorithm) ([]byte, error) {
	if alg != jose.ES256 {
		return nil, jose.ErrUnsupportedAlgorithm
	}
	digest := sha256.Sum256(payload)
	der, err := o.key.Sign(rand.Reader, digest[:], crypto.SHA256)
	if err != nil {
		return nil, err
	}
	var sig struct{ R, S *big.Int }
	rest, err := asn1.Unmarshal(der, &sig)
	if err != nil || len(rest) != 0 || sig.R == nil || sig.S == nil {
		return nil, errors.New("token: signer returned a malformed ECDSA signature")
	}
	out := make([]byte, 64)
	if sig.R.Sign() <= 0 || sig.S.Sign() <= 0 || sig.R.BitLen() > 256 || sig.S.BitLen() > 256 {
		return nil, errors.New("token: signer returned an out-of-range ECDSA signature")
	}
	sig.R.FillBytes(out[:32])
	sig.S.FillBytes(out[32:])
	return out, nil
}
