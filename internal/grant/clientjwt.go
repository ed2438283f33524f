package grant

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/authplane/authplane/internal/jsonx"
	"github.com/authplane/authplane/internal/oauth"
	"github.com/authplane/authplane/internal/storage"
)

// Client-assertion limits (CAUTH-05 (P)).
const (
	maxClientAssertionBytes = 8 << 10
	maxClientAssertionLife  = 5 * time.Minute
	clientAssertionSkew     = 30 * time.Second
	// clientJTIPrefix keeps client-assertion jtis apart from ID-JAG jtis in
	// the one replay table.
	clientJTIPrefix = "client-assertion:"
)

// clientAssertionAlgs is the allowlist for private_key_jwt (JWT-01).
var clientAssertionAlgs = []jose.SignatureAlgorithm{jose.ES256, jose.RS256}

// privateKeyJWT verifies an RFC 7523 §2.2 client assertion (CAUTH-05). Every
// failure is 401 invalid_client.
func (a *ClientAuth) privateKeyJWT(ctx context.Context, f Form) (Authenticated, string, error) {
	claimed := f.Get("client_id")
	fail := func(reason string, cause error) (Authenticated, string, error) {
		return Authenticated{}, claimed, oauth.InvalidClient(reason, false).WithCause(cause)
	}
	if f.Get("client_assertion_type") != oauth.ClientAssertionJWTBearer {
		return fail("bad_client_assertion_type", nil)
	}
	raw := f.Get("client_assertion")
	if raw == "" || len(raw) > maxClientAssertionBytes || strings.Count(raw, ".") != 2 {
		return fail("malformed_client_assertion", nil)
	}
	jws, err := jose.ParseSigned(raw, clientAssertionAlgs)
	if err != nil || len(jws.Signatures) != 1 {
		return fail("malformed_client_assertion", err)
	}
	hdr := jws.Signatures[0].Protected
	if err := checkClientAssertionHeader(raw); err != nil {
		return fail("bad_client_assertion_header", err)
	}
	claims, err := jsonx.DecodeStrictObject(jws.UnsafePayloadWithoutVerification())
	if err != nil {
		return fail("malformed_client_assertion", err)
	}
	iss, _ := claims["iss"].(string)
	sub, _ := claims["sub"].(string)
	if iss == "" || iss != sub || (claimed != "" && claimed != iss) {
		return fail("client_assertion_subject", nil)
	}
	claimed = iss
	c, ok := a.Catalog.Current().Clients[iss]
	if !ok || c.AuthMethod != storage.AuthPrivateKeyJWT {
		return fail("unknown_client", nil)
	}
	if !c.Enabled {
		return fail("client_disabled", nil)
	}
	// Cheap claim checks before any key lookup (which may fetch jwks_uri);
	// the signature check below binds these exact payload bytes.
	exp, err := a.checkClientAssertionClaims(claims)
	if err != nil {
		return fail("bad_client_assertion_claims", err)
	}
	key, err := a.Keys.Resolve(ctx, c, hdr.KeyID, hdr.Algorithm)
	if err != nil {
		return fail("client_key", err)
	}
	payload, err := jws.Verify(key)
	if err != nil {
		return fail("bad_client_assertion_signature", err)
	}
	if string(payload) != string(jws.UnsafePayloadWithoutVerification()) {
		return fail("bad_client_assertion_signature", nil)
	}
	jti := claims["jti"].(string) // checked above
	err = a.Replay.ConsumeJTI(ctx, storage.ConsumedJTI{Issuer: clientJTIPrefix + c.ID, JTI: jti, ExpiresAt: exp.Add(clientAssertionSkew)})
	if errors.Is(err, storage.ErrReplay) {
		return fail("client_assertion_replay", nil)
	}
	if err != nil {
		return Authenticated{}, claimed, err
	}
	return Authenticated{Client: c, Method: storage.AuthPrivateKeyJWT}, claimed, nil
}

// checkClientAssertionHeader reads the protected header of raw strictly
// (JWT-11) and checks it: typ absent, JWT or client-authentication+jwt (any
// other explicit type, such as an ID-JAG or an access token, is refused:
// JWT-09; a typ that is not a string is refused too); no crit, jku, x5u,
// jwk, x5c or b64 (JWT-08, JWT-10). The raw header is used because go-jose
// keeps x5c out of ExtraHeaders and a non-string typ reads as absent.
func checkClientAssertionHeader(raw string) error {
	seg, _, _ := strings.Cut(raw, ".")
	b, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		return err
	}
	h, err := jsonx.DecodeStrictObject(b)
	if err != nil {
		return err
	}
	for _, name := range [...]string{"crit", "jku", "x5u", "jwk", "x5c", "b64"} {
		if _, ok := h[name]; ok {
			return errors.New("forbidden header parameter " + name)
		}
	}
	typ, isString := h["typ"].(string)
	if _, present := h["typ"]; present && !isString {
		return errors.New("typ is not a string")
	}
	switch strings.TrimPrefix(strings.ToLower(typ), "application/") {
	case "", "jwt", "client-authentication+jwt":
		return nil
	}
	return errors.New("explicit typ " + typ + " is not a client assertion")
}

// checkClientAssertionClaims: aud is our issuer as the only value (7523bis
// direction; the token endpoint URL is refused), exp present and at most
// five minutes ahead, iat/nbf not in the future, jti present.
func (a *ClientAuth) checkClientAssertionClaims(claims map[string]any) (time.Time, error) {
	if !audienceIs(claims["aud"], a.Issuer) {
		return time.Time{}, errors.New("audience")
	}
	now := a.Now()
	exp, ok := numericDate(claims["exp"])
	if !ok || !now.Before(exp.Add(clientAssertionSkew)) || exp.After(now.Add(maxClientAssertionLife+clientAssertionSkew)) {
		return time.Time{}, errors.New("exp missing, expired or too far ahead")
	}
	for _, name := range []string{"iat", "nbf"} {
		if v, present := claims[name]; present {
			t, ok := numericDate(v)
			if !ok || t.After(now.Add(clientAssertionSkew)) {
				return time.Time{}, errors.New(name + " invalid or in the future")
			}
		}
	}
	jti, _ := claims["jti"].(string)
	if jti == "" || len(jti) > 256 {
		return time.Time{}, errors.New("jti missing or too long")
	}
	return exp, nil
}

// audienceIs reports whether aud is want, or an array of exactly want.
func audienceIs(aud any, want string) bool {
	switch v := aud.(type) {
	case string:
		return v == want
	case []any:
		if len(v) != 1 {
			return false
		}
		s, ok := v[0].(string)
		return ok && s == want
	}
	return false
}

// numericDate reads a JSON number of seconds (JWT-12).
func numericDate(v any) (time.Time, bool) {
	n, ok := v.(json.Number)
	if !ok {
		return time.Time{}, false
	}
	f, err := n.Float64()
	if err != nil || f < 0 || f > 253402300799 {
		return time.Time{}, false
	}
	return time.Unix(int64(f), 0), true
}
