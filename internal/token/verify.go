package token

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// MaxTokenSize caps the length of a token accepted by Verify; ours are well
// under 1 KB.
const MaxTokenSize = 8 << 10

// Verification failures. Verify wraps one of them with detail; all of them
// mean 401 invalid_token for a resource server (AT-05, RFC 6750 §3.1).
var (
	// ErrMalformed: not a compact JWS, not strict base64url/JSON, a
	// forbidden header, or a required claim missing or mistyped.
	ErrMalformed = errors.New("token: malformed")
	// ErrType: the typ header is not at+jwt (JWT-09).
	ErrType = errors.New("token: wrong type")
	// ErrSignature: the alg is not ES256, or the signature does not verify.
	ErrSignature = errors.New("token: bad signature")
	// ErrExpired: exp has passed or nbf is still ahead, beyond the leeway.
	ErrExpired = errors.New("token: expired or not yet valid")
	// ErrIssuer: iss is not exactly our issuer.
	ErrIssuer = errors.New("token: wrong issuer")
	// ErrAudience: aud is not exactly the expected audience.
	ErrAudience = errors.New("token: wrong audience")
	// ErrUnknownKey: no usable ES256 key with the token's kid is published.
	ErrUnknownKey = errors.New("token: unknown key")
)

// Verifier checks access tokens issued by this server. Issuer and Keys are
// required; Now defaults to time.Now.
type Verifier struct {
	Issuer string
	// Keys returns our published keys (keys.Manager.PublicKeys).
	Keys func() jose.JSONWebKeySet
	Now  func() time.Time
	// Leeway tolerates clock skew on exp and nbf.
	Leeway time.Duration
}

// header is the protected header of a token.
type header struct {
	Alg string `json:"alg"`
	Typ string `json:"typ"`
	Kid string `json:"kid"`
}

// Verify checks raw per RFC 9068 §4 and returns its claims. audience is
// the resource the caller serves; "" accepts any audience (introspection
// checks the audience itself). Checks run cheapest first: size and
// encoding, header (alg, typ, forbidden members, kid), key lookup,
// signature, payload, iss, aud, exp/nbf.
func (v *Verifier) Verify(raw, audience string) (Claims, error) {
	if v.Issuer == "" || v.Keys == nil {
		return Claims{}, errors.New("token: verifier has no issuer or keys")
	}
	h, err := parseCompact(raw)
	if err != nil {
		return Claims{}, err
	}
	key, err := findKey(v.Keys(), h.Kid)
	if err != nil {
		return Claims{}, err
	}
	// The algorithm allowlist is the verifier's, never the header's
	// (JWT-01, JWT-02).
	jws, err := jose.ParseSignedCompact(raw, []jose.SignatureAlgorithm{jose.ES256})
	if err != nil {
		return Claims{}, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	payload, err := jws.Verify(key)
	if err != nil {
		return Claims{}, fmt.Errorf("%w: %v", ErrSignature, err)
	}
	c, err := parseClaims(payload)
	if err != nil {
		return Claims{}, err
	}
	if err := v.checkClaims(&c, audience); err != nil {
		return Claims{}, err
	}
	return c, nil
}

// parseCompact checks the compact serialization strictly (JWT-11: three
// segments of unpadded base64url with no stray characters, strict JSON
// header) and returns the checked header.
func parseCompact(raw string) (header, error) {
	if len(raw) > MaxTokenSize {
		return header{}, fmt.Errorf("%w: longer than %d bytes", ErrMalformed, MaxTokenSize)
	}
	segs := strings.Split(raw, ".")
	if len(segs) != 3 {
		return header{}, fmt.Errorf("%w: not a compact JWS (%d segments)", ErrMalformed, len(segs))
	}
	var hb []byte
	for i, s := range segs {
		b, err := base64.RawURLEncoding.Strict().DecodeString(s)
		if err != nil || strings.ContainsAny(s, "\r\n") {
			return header{}, fmt.Errorf("%w: segment %d is not strict base64url", ErrMalformed, i)
		}
		if i == 0 {
			hb = b
		}
	}
	if err := checkStrictJSON(hb); err != nil {
		return header{}, fmt.Errorf("%w: header: %v", ErrMalformed, err)
	}
	return checkHeader(hb)
}

func checkHeader(hb []byte) (header, error) {
	var members map[string]json.RawMessage
	var h header
	if err := json.Unmarshal(hb, &members); err != nil {
		return header{}, fmt.Errorf("%w: header: %v", ErrMalformed, err)
	}
	if err := json.Unmarshal(hb, &h); err != nil {
		return header{}, fmt.Errorf("%w: header: %v", ErrMalformed, err)
	}
	if h.Alg != string(jose.ES256) {
		return header{}, fmt.Errorf("%w: alg %q is not accepted", ErrSignature, h.Alg)
	}
	if !strings.EqualFold(h.Typ, Type) && !strings.EqualFold(h.Typ, "application/"+Type) {
		return header{}, fmt.Errorf("%w: typ %q is not %s", ErrType, h.Typ, Type)
	}
	// None of these is ever in our tokens: crit names nothing we implement
	// (JWT-10), b64 changes what is signed, and keys come only from our own
	// set (JWT-08).
	for _, name := range []string{"crit", "b64", "jku", "jwk", "x5u", "x5c"} {
		if _, ok := members[name]; ok {
			return header{}, fmt.Errorf("%w: header %q is not allowed", ErrMalformed, name)
		}
	}
	if h.Kid == "" {
		return header{}, fmt.Errorf("%w: no kid", ErrUnknownKey)
	}
	return h, nil
}

// findKey returns the P-256 public key published under kid. kid is used
// only as a lookup key (JWT-08).
func findKey(set jose.JSONWebKeySet, kid string) (*ecdsa.PublicKey, error) {
	for _, k := range set.Key(kid) {
		pub, ok := k.Key.(*ecdsa.PublicKey)
		if !ok || pub.Curve != elliptic.P256() {
			continue
		}
		if (k.Algorithm == "" || k.Algorithm == string(jose.ES256)) && (k.Use == "" || k.Use == "sig") {
			return pub, nil
		}
	}
	return nil, fmt.Errorf("%w: kid %q", ErrUnknownKey, kid)
}

// parseClaims decodes the verified payload strictly: no duplicate members,
// NumericDates as integers (JWT-12), aud as a single string, and every
// claim RFC 9068 §2.2 requires present.
func parseClaims(payload []byte) (Claims, error) {
	if err := checkStrictJSON(payload); err != nil {
		return Claims{}, fmt.Errorf("%w: payload: %v", ErrMalformed, err)
	}
	var c Claims
	if err := json.Unmarshal(payload, &c); err != nil {
		return Claims{}, fmt.Errorf("%w: payload: %v", ErrMalformed, err)
	}
	if name := c.missing(); name != "" {
		return Claims{}, fmt.Errorf("%w: claim %s missing or invalid", ErrMalformed, name)
	}
	return c, nil
}

// checkClaims applies the issuer, audience and time checks of RFC 9068 §4.
func (v *Verifier) checkClaims(c *Claims, audience string) error {
	if c.Issuer != v.Issuer {
		return fmt.Errorf("%w: %q", ErrIssuer, c.Issuer)
	}
	if audience != "" && c.Audience != audience {
		return fmt.Errorf("%w: %q", ErrAudience, c.Audience)
	}
	now := time.Now
	if v.Now != nil {
		now = v.Now
	}
	t := now()
	if !t.Before(time.Unix(c.Expiry, 0).Add(v.Leeway)) {
		return fmt.Errorf("%w: expired at %d", ErrExpired, c.Expiry)
	}
	if c.NotBefore != 0 && t.Add(v.Leeway).Before(time.Unix(c.NotBefore, 0)) {
		return fmt.Errorf("%w: not valid before %d", ErrExpired, c.NotBefore)
	}
	return nil
}
