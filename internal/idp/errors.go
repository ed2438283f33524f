package idp

import "errors"

// Sentinel errors of the registry. Key resolution failures wrap
// assertion.ErrUnknownKey or assertion.ErrKeysUnavailable; these sentinels
// name the cause of a failed fetch (also recorded as LastError).
var (
	// ErrUnknownIdP means the id names no enabled IdP of the registry.
	ErrUnknownIdP = errors.New("idp: unknown or disabled IdP")
	// ErrDiscovery means the jwks_uri could not be discovered from the
	// issuer's metadata.
	ErrDiscovery = errors.New("idp: metadata discovery failed")
	// ErrIssuerMismatch means discovered metadata names another issuer
	// (RFC 8414 §3.3, NET-04).
	ErrIssuerMismatch = errors.New("idp: metadata issuer mismatch")
	// ErrBadJWKS means the key set document does not parse as a JWK Set.
	ErrBadJWKS = errors.New("idp: malformed JWK Set")
	// ErrNoUsableKeys means the key set holds no key that passes the filters.
	ErrNoUsableKeys = errors.New("idp: JWK Set has no usable key")
	// ErrTooLarge means a metadata or key set document exceeds
	// MaxDocumentBytes (NET-02).
	ErrTooLarge = errors.New("idp: document too large")
)
