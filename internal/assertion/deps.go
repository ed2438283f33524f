package assertion

import (
	"context"
	"errors"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// TrustedIssuer is the part of a trusted IdP's configuration the validator needs.
type TrustedIssuer struct {
	// ID is the stable identifier of the trusted IdP; it selects the key set in KeyResolver.
	ID string
	// Issuer is the IdP's issuer identifier, compared exactly with the ID-JAG `iss` (RAS-13).
	Issuer string
	// AllowedAlgs is a subset of {"ES256","RS256"}; nil means both (JWT-01).
	AllowedAlgs []string
	// MaxLifetime caps exp − iat and now − iat (RAS-25); it is at most 5 min, 0 means 5 min.
	MaxLifetime time.Duration
	// ClockSkew is the tolerance applied to exp, iat and nbf; 0 means 60 s.
	ClockSkew time.Duration
	// ClientIDMap maps an IdP-side client id to the local client id (IDP-23 client_id).
	ClientIDMap map[string]string
	// GroupsClaim names the claim carrying group memberships; empty means none.
	GroupsClaim string
}

// IssuerLookup finds a trusted IdP by its exact issuer identifier.
type IssuerLookup interface {
	// LookupIssuer reports the trusted IdP whose issuer equals iss exactly.
	LookupIssuer(iss string) (TrustedIssuer, bool)
}

// KeyResolver returns the verification key with this kid from that issuer's key set only (JWT-06, RAS-29).
type KeyResolver interface {
	// ResolveKey returns the public key with this kid from the key set of the IdP with this ID.
	// It returns an error wrapping ErrUnknownKey when no such key exists (after a rate-limited
	// refetch) and one wrapping ErrKeysUnavailable when no keys are obtainable at all.
	ResolveKey(ctx context.Context, issuerID, kid, alg string) (*jose.JSONWebKey, error)
}

// ErrUnknownKey means the issuer's key set has no key with that kid, even after the rate-limited refetch.
var ErrUnknownKey = errors.New("assertion: unknown key id")

// ErrKeysUnavailable means no keys for the issuer could be obtained at all; the grant answers 503 (B.2 step 14).
var ErrKeysUnavailable = errors.New("assertion: issuer keys unavailable")
