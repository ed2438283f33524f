package assertion

import "errors"

// Sentinel errors. Every error returned by Validator.Validate wraps exactly one of these (or
// ErrUnknownKey / ErrKeysUnavailable); callers branch with errors.Is and record Reason(err).
// All of them mean 400 invalid_grant at the token endpoint except ErrKeysUnavailable (503) and
// ErrMisconfigured (500).
var (
	// ErrTooLarge means the assertion exceeds the size cap (B.2 step 9).
	ErrTooLarge error = &sentinel{"assertion: too large", "too_large"}
	// ErrMalformed means the assertion is not a strict JWS Compact serialization or its header is
	// not a strict JSON object (B.2 steps 9-10, JWT-05, JWT-11).
	ErrMalformed error = &sentinel{"assertion: malformed", "malformed"}
	// ErrBadAlg means alg is absent, not ES256/RS256, or not allowed for the issuer (JWT-01, JWT-02).
	ErrBadAlg error = &sentinel{"assertion: algorithm not allowed", "bad_alg"}
	// ErrBadType means typ is not oauth-id-jag+jwt (B.2 step 11, JWT-09).
	ErrBadType error = &sentinel{"assertion: wrong typ", "bad_typ"}
	// ErrForbiddenHeader means crit, jku, x5u, jwk, x5c or b64 is present (JWT-08, JWT-10).
	ErrForbiddenHeader error = &sentinel{"assertion: forbidden header parameter", "forbidden_header"}
	// ErrBadKeyID means kid is absent, empty, not a string or too long (JWT-08).
	ErrBadKeyID error = &sentinel{"assertion: missing or invalid kid", "bad_kid"}
	// ErrBadClaims means the payload is not a strict JSON object, or a claim is missing or has the
	// wrong JSON type or an absurd value (B.2 step 12, JWT-11, JWT-12).
	ErrBadClaims error = &sentinel{"assertion: invalid claims", "bad_claims"}
	// ErrUnknownIssuer means iss is not a configured trusted issuer (B.2 step 13).
	ErrUnknownIssuer error = &sentinel{"assertion: untrusted issuer", "unknown_issuer"}
	// ErrOwnIssuer means iss is this server's own issuer (B.2 step 13, IDP-20).
	ErrOwnIssuer error = &sentinel{"assertion: issuer is this server", "own_issuer"}
	// ErrKeyMismatch means the resolved key does not fit the algorithm (JWT-01, JWT-02).
	ErrKeyMismatch error = &sentinel{"assertion: key does not match algorithm", "key_mismatch"}
	// ErrBadSignature means the signature does not verify (B.2 step 14).
	ErrBadSignature error = &sentinel{"assertion: invalid signature", "bad_signature"}
	// ErrBadAudience means aud is missing, not exactly one string, or not this server (B.2 step 15).
	ErrBadAudience error = &sentinel{"assertion: invalid audience", "bad_audience"}
	// ErrExpired means now ≥ exp + skew (B.2 step 16).
	ErrExpired error = &sentinel{"assertion: expired", "expired"}
	// ErrNotYetValid means nbf > now + skew (B.2 step 17).
	ErrNotYetValid error = &sentinel{"assertion: not yet valid", "not_yet_valid"}
	// ErrIssuedInFuture means iat > now + skew (B.2 step 17).
	ErrIssuedInFuture error = &sentinel{"assertion: issued in the future", "issued_in_future"}
	// ErrLifetimeTooLong means exp − iat > the issuer's maximum lifetime (B.2 step 17, RAS-25).
	ErrLifetimeTooLong error = &sentinel{"assertion: lifetime too long", "lifetime_too_long"}
	// ErrTooOld means now − iat > maximum lifetime + skew (B.2 step 17).
	ErrTooOld error = &sentinel{"assertion: issued too long ago", "too_old"}
	// ErrBadJTI means jti is missing, empty or longer than 256 bytes (B.2 step 18).
	ErrBadJTI error = &sentinel{"assertion: invalid jti", "bad_jti"}
	// ErrBadSubject means sub is missing or empty (B.2 step 19).
	ErrBadSubject error = &sentinel{"assertion: invalid sub", "bad_sub"}
	// ErrBadClientID means the client_id claim is missing or empty (B.2 step 19).
	ErrBadClientID error = &sentinel{"assertion: invalid client_id claim", "bad_client_id"}
	// ErrClientMismatch means the (mapped) client_id claim is not the authenticated client (B.2 step 20).
	ErrClientMismatch error = &sentinel{"assertion: client_id does not match the authenticated client", "client_mismatch"}
	// ErrMisconfigured means the Validator itself lacks a required field; a server fault, not the client's.
	ErrMisconfigured error = &sentinel{"assertion: validator misconfigured", "misconfigured"}
)

// sentinel is an error value that carries its stable reason code.
type sentinel struct{ msg, code string }

func (e *sentinel) Error() string { return e.msg }

// Reason returns the stable snake_case reason code for err, for audit records and metric labels:
// "" for nil, "unknown" for an error that wraps none of this package's sentinels. Codes are part of
// the audit schema and never change meaning.
func Reason(err error) string {
	switch {
	case err == nil:
		return ""
	case errors.Is(err, ErrKeysUnavailable):
		return "keys_unavailable"
	case errors.Is(err, ErrUnknownKey):
		return "unknown_kid"
	}
	var s *sentinel
	if errors.As(err, &s) {
		return s.code
	}
	return "unknown"
}
