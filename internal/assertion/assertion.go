package assertion

import (
	"context"
	"fmt"
	"time"
)

// DefaultMaxSize is the assertion size cap used when Validator.MaxSize is 0 (B.2 step 9).
const DefaultMaxSize = 16 << 10

// Assertion is the outcome of validating one ID-JAG. When Verified is false only Alg, KeyID,
// Issuer, Subject, JTI, ClientID and the time fields may be set: they are unverified, parsed for the
// audit record only, and must not drive any decision.
type Assertion struct {
	// Verified is true only when Validate returned a nil error.
	Verified bool
	// IdP is the trusted issuer configuration the assertion was validated against.
	IdP TrustedIssuer
	// Alg and KeyID are the JOSE header alg and kid.
	Alg, KeyID string
	// Issuer is the iss claim.
	Issuer string
	// Subject is the sub claim: the IdP's identifier for the user (RAS-32).
	Subject string
	// ClientID is the raw client_id claim as the IdP wrote it.
	ClientID string
	// LocalClientID is ClientID mapped through IdP.ClientIDMap; it equals the authenticated client.
	LocalClientID string
	// JTI is the jti claim; the caller enforces single use (B.2 step 29).
	JTI string
	// IssuedAt and ExpiresAt are the iat and exp claims.
	IssuedAt, ExpiresAt time.Time
	// NotBefore is the nbf claim, nil when absent.
	NotBefore *time.Time
	// Resources is the resource claim (a string or an array of strings), nil when absent.
	Resources []string
	// Scopes is the space-separated scope claim split into scope tokens, nil when absent.
	Scopes []string
	// Tenant is the tenant claim (IDJAG §6), "" when absent.
	Tenant string
	// AuthTime is the auth_time claim, nil when absent.
	AuthTime *time.Time
	// ACR is the acr claim.
	ACR string
	// AMR is the amr claim.
	AMR []string
	// Email is the email claim.
	Email string
	// EmailVerified is the email_verified claim, nil when absent.
	EmailVerified *bool
	// Groups is read from the claim named by IdP.GroupsClaim (a string or an array of strings).
	Groups []string
	// Cnf is the raw cnf claim (for the DPoP checks of B.6), nil when absent.
	Cnf map[string]any
	// Claims holds every verified claim, numbers as json.Number, for policy conditions.
	Claims map[string]any
}

// Validator validates ID-JAGs for one authorization server (B.2 steps 9-20). Its fields are read
// only; a Validator is safe for concurrent use when its IssuerLookup and KeyResolver are.
type Validator struct {
	// Issuer is this server's issuer identifier: the only accepted aud, and an ID-JAG whose iss
	// equals it is rejected (IDP-20, RAS-39).
	Issuer string
	// Issuers finds trusted IdPs by issuer.
	Issuers IssuerLookup
	// Keys resolves verification keys from a trusted IdP's key set.
	Keys KeyResolver
	// Now is the clock.
	Now func() time.Time
	// MaxSize caps the assertion length in bytes; 0 means DefaultMaxSize.
	MaxSize int
}

// Validate validates raw, an ID-JAG presented by the authenticated client clientID, and returns its
// verified content. On any failure it returns a non-nil *Assertion with Verified false, carrying
// whatever it could parse for the audit record, and an error wrapping one of this package's
// sentinels. Checks run cheapest first; the issuer must be trusted before any key is resolved, and
// no claim is trusted before the signature verifies. Resource, scope, policy and replay (B.2 steps
// 21-29) are the caller's.
func (v *Validator) Validate(ctx context.Context, raw, clientID string) (*Assertion, error) {
	a := &Assertion{}
	if err := v.checkConfig(); err != nil {
		return a, err
	}
	tok, err := parseToken(raw, v.maxSize(), a)
	if err != nil {
		return a, err
	}
	idp, err := v.trustIssuer(a.Issuer, tok.alg)
	a.IdP = idp // zero unless the issuer is trusted; tells the audit record which IdP it was
	if err != nil {
		return a, err
	}
	key, err := v.resolveKey(ctx, idp.ID, tok.kid, tok.alg)
	if err != nil {
		return a, err
	}
	if err := verifySignature(raw, tok, key); err != nil {
		return a, err
	}
	if err := v.checkClaims(tok, a, clientID); err != nil {
		return a, err
	}
	if err := readProfile(tok.claims, a); err != nil {
		return a, err
	}
	a.Claims = tok.claims
	a.Verified = true
	return a, nil
}

func (v *Validator) checkConfig() error {
	switch {
	case v.Issuer == "":
		return fmt.Errorf("%w: Issuer is empty", ErrMisconfigured)
	case v.Issuers == nil:
		return fmt.Errorf("%w: Issuers is nil", ErrMisconfigured)
	case v.Keys == nil:
		return fmt.Errorf("%w: Keys is nil", ErrMisconfigured)
	case v.Now == nil:
		return fmt.Errorf("%w: Now is nil", ErrMisconfigured)
	}
	return nil
}

func (v *Validator) maxSize() int {
	if v.MaxSize <= 0 {
		return DefaultMaxSize
	}
	return v.MaxSize
}

// checkClaims runs B.2 steps 15-20 on the verified claims.
func (v *Validator) checkClaims(tok *token, a *Assertion, clientID string) error {
	if err := checkAudience(tok.claims, v.Issuer); err != nil {
		return err
	}
	if err := checkTimes(tok, v.Now(), a.IdP); err != nil {
		return err
	}
	if err := checkIdentifiers(a); err != nil {
		return err
	}
	return checkClient(a, clientID)
}
