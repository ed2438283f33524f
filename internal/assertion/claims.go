package assertion

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"time"
)

// maxNumericDate is 9999-12-31T23:59:59Z; later NumericDates are absurd (JWT-12).
const maxNumericDate = 253402300799

// maxJTILen bounds jti (B.2 step 18).
const maxJTILen = 256

// readDates parses exp, iat, nbf and auth_time, each a NumericDate when present (JWT-12).
func readDates(tok *token, a *Assertion) error {
	for _, f := range [...]struct {
		name string
		dst  **time.Time
	}{{"exp", &tok.exp}, {"iat", &tok.iat}, {"nbf", &tok.nbf}, {"auth_time", &tok.authTime}} {
		v, ok := tok.claims[f.name]
		if !ok {
			continue
		}
		t, err := numericDate(v)
		if err != nil {
			return fmt.Errorf("%w: %s: %v", ErrBadClaims, f.name, err)
		}
		*f.dst = &t
	}
	if tok.exp != nil {
		a.ExpiresAt = *tok.exp
	}
	if tok.iat != nil {
		a.IssuedAt = *tok.iat
	}
	a.NotBefore, a.AuthTime = tok.nbf, tok.authTime
	return nil
}

// numericDate converts a JSON number of seconds since the epoch (RFC 7519 §2) to a time. Strings,
// non-finite, negative and post-9999 values are rejected (JWT-12).
func numericDate(v any) (time.Time, error) {
	n, ok := v.(json.Number)
	if !ok {
		return time.Time{}, fmt.Errorf("not a JSON number")
	}
	f, err := strconv.ParseFloat(string(n), 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return time.Time{}, fmt.Errorf("not a finite number")
	}
	if f < 0 || f > maxNumericDate {
		return time.Time{}, fmt.Errorf("out of range")
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9)).UTC(), nil
}

// checkAudience requires aud to be this server's issuer, as a string or an array of exactly one
// string, compared exactly (B.2 step 15, RAS-09, RAS-26, JWT-07).
func checkAudience(claims map[string]any, issuer string) error {
	var aud string
	switch v := claims["aud"].(type) {
	case string:
		aud = v
	case []any:
		if len(v) != 1 {
			return fmt.Errorf("%w: array of %d audiences", ErrBadAudience, len(v))
		}
		s, ok := v[0].(string)
		if !ok {
			return fmt.Errorf("%w: audience is not a string", ErrBadAudience)
		}
		aud = s
	case nil:
		return fmt.Errorf("%w: missing or null", ErrBadAudience)
	default:
		return fmt.Errorf("%w: wrong JSON type", ErrBadAudience)
	}
	if aud != issuer {
		return fmt.Errorf("%w: not this server", ErrBadAudience)
	}
	return nil
}

// checkTimes applies B.2 steps 16-17 against now with the issuer's skew and maximum lifetime.
func checkTimes(tok *token, now time.Time, idp TrustedIssuer) error {
	skew, life := skewOf(idp), lifetimeOf(idp)
	if tok.exp == nil {
		return fmt.Errorf("%w: exp missing", ErrBadClaims)
	}
	if !now.Before(tok.exp.Add(skew)) {
		return fmt.Errorf("%w: exp %s", ErrExpired, tok.exp.Format(time.RFC3339))
	}
	if tok.iat == nil {
		return fmt.Errorf("%w: iat missing", ErrBadClaims)
	}
	if tok.iat.After(now.Add(skew)) {
		return fmt.Errorf("%w: iat %s", ErrIssuedInFuture, tok.iat.Format(time.RFC3339))
	}
	if now.Sub(*tok.iat) > life+skew {
		return fmt.Errorf("%w: iat %s", ErrTooOld, tok.iat.Format(time.RFC3339))
	}
	if tok.exp.Sub(*tok.iat) > life {
		return fmt.Errorf("%w: exp - iat = %s, limit %s", ErrLifetimeTooLong, tok.exp.Sub(*tok.iat), life)
	}
	if tok.nbf != nil && tok.nbf.After(now.Add(skew)) {
		return fmt.Errorf("%w: nbf %s", ErrNotYetValid, tok.nbf.Format(time.RFC3339))
	}
	return nil
}

// defaultSkew and maxLifetime are the B.2 step 16-17 defaults (P).
const (
	defaultSkew = 60 * time.Second
	maxLifetime = 5 * time.Minute
)

// skewOf returns the issuer's clock skew; zero or negative means the 60 s default.
func skewOf(idp TrustedIssuer) time.Duration {
	if idp.ClockSkew <= 0 {
		return defaultSkew
	}
	return idp.ClockSkew
}

// lifetimeOf returns the issuer's maximum ID-JAG lifetime: zero or negative means 5 min, and a
// configured value above 5 min is capped at 5 min (EMA §7.4.2 requires short-lived ID-JAGs).
func lifetimeOf(idp TrustedIssuer) time.Duration {
	if idp.MaxLifetime <= 0 || idp.MaxLifetime > maxLifetime {
		return maxLifetime
	}
	return idp.MaxLifetime
}

// checkIdentifiers applies B.2 steps 18-19 to jti, sub and client_id.
func checkIdentifiers(a *Assertion) error {
	switch {
	case a.JTI == "" || len(a.JTI) > maxJTILen:
		return fmt.Errorf("%w: must be a non-empty string of at most %d bytes", ErrBadJTI, maxJTILen)
	case a.Subject == "":
		return fmt.Errorf("%w: missing or empty", ErrBadSubject)
	case a.ClientID == "":
		return fmt.Errorf("%w: missing or empty", ErrBadClientID)
	}
	return nil
}

// checkClient maps the client_id claim through the issuer's ClientIDMap and requires the result to
// equal the authenticated client exactly (B.2 step 20, RAS-27).
func checkClient(a *Assertion, clientID string) error {
	local := a.ClientID
	if mapped, ok := a.IdP.ClientIDMap[a.ClientID]; ok {
		local = mapped
	}
	if local != clientID || clientID == "" {
		return fmt.Errorf("%w: claim maps to %q, client is %q", ErrClientMismatch, truncate(local), truncate(clientID))
	}
	a.LocalClientID = local
	return nil
}
