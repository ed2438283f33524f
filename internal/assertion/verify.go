package assertion

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"errors"
	"fmt"
	"slices"

	"github.com/go-jose/go-jose/v4"
)

// RSA modulus bounds for RS256: at least 2048 bits (JWT-02), and at most 8192 so that a hostile
// or broken key set cannot make every verification expensive.
const (
	minRSABits = 2048
	maxRSABits = 8192
)

// trustIssuer applies B.2 step 13 and the per-issuer alg allowlist (JWT-01). It performs no I/O:
// an unknown issuer fails before any key is resolved.
func (v *Validator) trustIssuer(iss, alg string) (TrustedIssuer, error) {
	if iss == "" {
		return TrustedIssuer{}, fmt.Errorf("%w: iss missing or empty", ErrBadClaims)
	}
	if iss == v.Issuer {
		return TrustedIssuer{}, ErrOwnIssuer
	}
	idp, ok := v.Issuers.LookupIssuer(iss)
	if !ok || idp.Issuer != iss {
		return TrustedIssuer{}, fmt.Errorf("%w: %q", ErrUnknownIssuer, truncate(iss))
	}
	if idp.AllowedAlgs != nil && !slices.Contains(idp.AllowedAlgs, alg) {
		return idp, fmt.Errorf("%w: %s not allowed for issuer %s", ErrBadAlg, alg, idp.ID)
	}
	return idp, nil
}

// resolveKey fetches the key with kid from the issuer's own key set (B.2 step 14, JWT-06) and
// checks that it fits alg. Resolver failures other than an unknown kid mean the keys cannot be
// obtained, which the grant answers with 503.
func (v *Validator) resolveKey(ctx context.Context, issuerID, kid, alg string) (any, error) {
	jwk, err := v.Keys.ResolveKey(ctx, issuerID, kid, alg)
	switch {
	case errors.Is(err, ErrKeysUnavailable):
		return nil, err
	case errors.Is(err, ErrUnknownKey):
		return nil, err
	case err != nil:
		return nil, fmt.Errorf("%w: %w", ErrKeysUnavailable, err)
	case jwk == nil:
		return nil, fmt.Errorf("%w: resolver returned no key", ErrUnknownKey)
	}
	return publicKeyFor(jwk, kid, alg)
}

// publicKeyFor returns the public key in jwk if its kid, alg, use and type fit the token
// (JWT-01, JWT-02): an EC P-256 key for ES256, an RSA key of 2048-8192 bits for RS256.
func publicKeyFor(jwk *jose.JSONWebKey, kid, alg string) (any, error) {
	switch {
	case jwk.KeyID != "" && jwk.KeyID != kid:
		return nil, fmt.Errorf("%w: resolver returned a different kid", ErrKeyMismatch)
	case jwk.Algorithm != "" && jwk.Algorithm != alg:
		return nil, fmt.Errorf("%w: key is for %s", ErrKeyMismatch, jwk.Algorithm)
	case jwk.Use != "" && jwk.Use != "sig":
		return nil, fmt.Errorf("%w: key use is %q", ErrKeyMismatch, jwk.Use)
	}
	switch alg {
	case algES256:
		k, ok := jwk.Key.(*ecdsa.PublicKey)
		if !ok || k.Curve != elliptic.P256() || k.X == nil || k.Y == nil {
			return nil, fmt.Errorf("%w: ES256 needs an EC P-256 public key", ErrKeyMismatch)
		}
		if _, err := k.ECDH(); err != nil {
			return nil, fmt.Errorf("%w: invalid EC point", ErrKeyMismatch)
		}
		return k, nil
	case algRS256:
		k, ok := jwk.Key.(*rsa.PublicKey)
		if !ok || k.N == nil {
			return nil, fmt.Errorf("%w: RS256 needs an RSA public key", ErrKeyMismatch)
		}
		if n := k.N.BitLen(); n < minRSABits || n > maxRSABits {
			return nil, fmt.Errorf("%w: RSA key of %d bits", ErrKeyMismatch, n)
		}
		return k, nil
	}
	return nil, fmt.Errorf("%w: %q", ErrBadAlg, alg)
}

// verifySignature verifies raw with key using go-jose restricted to the header's (already
// allowlisted) alg, and requires the verified payload to equal the payload that was parsed, so no
// claim is read from bytes the signature does not cover.
func verifySignature(raw string, tok *token, key any) error {
	jws, err := jose.ParseSignedCompact(raw, []jose.SignatureAlgorithm{jose.SignatureAlgorithm(tok.alg)})
	if err != nil {
		return fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if len(jws.Signatures) != 1 || jws.Signatures[0].Protected.Algorithm != tok.alg ||
		jws.Signatures[0].Protected.KeyID != tok.kid {
		return fmt.Errorf("%w: header changed between parses", ErrMalformed)
	}
	verified, err := jws.Verify(key)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrBadSignature, err)
	}
	if !bytes.Equal(verified, tok.payload) {
		return fmt.Errorf("%w: verified payload differs from parsed payload", ErrBadSignature)
	}
	return nil
}
