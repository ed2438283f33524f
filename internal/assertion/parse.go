package assertion

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/authplane/authplane/internal/jsonx"
)

// Supported signature algorithms (IDP-22, JWT-01). HMAC and none are never accepted.
const (
	algES256 = "ES256"
	algRS256 = "RS256"
)

// idJAGType is the required typ, in its full media-type form (IDJAG §3.1, RFC 8725 §3.11).
const idJAGType = "application/oauth-id-jag+jwt"

// maxKeyIDLen bounds kid, which is only ever used as a map key (JWT-08).
const maxKeyIDLen = 256

// token is an ID-JAG whose structure has been checked but whose signature has not.
type token struct {
	alg, kid string
	payload  []byte         // decoded payload bytes, compared with the verified payload
	claims   map[string]any // strict decoding of payload
	exp, iat *time.Time
	nbf      *time.Time
	authTime *time.Time
}

// parseToken runs the structural checks of B.2 steps 9-12 and fills a with the unverified
// header and identity values it finds.
func parseToken(raw string, maxSize int, a *Assertion) (*token, error) {
	hdr, payload, err := splitCompact(raw, maxSize)
	if err != nil {
		return nil, err
	}
	tok := &token{payload: payload}
	if err := parseHeader(hdr, tok, a); err != nil {
		// The payload is still read, unverified, for the audit record.
		fillUnverifiedLenient(payload, a)
		return nil, err
	}
	claims, err := jsonx.DecodeStrictObject(payload)
	if err != nil {
		fillUnverifiedLenient(payload, a)
		return nil, fmt.Errorf("%w: payload: %v", ErrBadClaims, err)
	}
	tok.claims = claims
	if err := readIdentity(claims, a); err != nil {
		return nil, err
	}
	if err := readDates(tok, a); err != nil {
		return nil, err
	}
	return tok, nil
}

// splitCompact enforces the size cap and the strict JWS Compact Serialization (B.2 step 9,
// JWT-11): exactly three base64url parts without padding or whitespace. A five-part JWE is
// rejected: encrypted ID-JAGs are not configured (IDP-26 is a MAY).
func splitCompact(raw string, maxSize int) (hdr, payload []byte, err error) {
	if len(raw) > maxSize {
		return nil, nil, fmt.Errorf("%w: %d bytes, limit %d", ErrTooLarge, len(raw), maxSize)
	}
	parts := strings.Split(raw, ".")
	switch len(parts) {
	case 3:
	case 5:
		return nil, nil, fmt.Errorf("%w: JWE is not accepted", ErrMalformed)
	default:
		return nil, nil, fmt.Errorf("%w: %d parts, want 3", ErrMalformed, len(parts))
	}
	var dec [3][]byte
	for i, p := range parts {
		if dec[i], err = decodeSegment(p); err != nil {
			return nil, nil, fmt.Errorf("%w: part %d: %v", ErrMalformed, i+1, err)
		}
	}
	if len(dec[0]) == 0 || len(dec[1]) == 0 {
		return nil, nil, fmt.Errorf("%w: empty header or payload", ErrMalformed)
	}
	return dec[0], dec[1], nil
}

// decodeSegment decodes one base64url segment strictly. The base64 package skips CR and LF even
// in strict mode, so the alphabet is checked first.
func decodeSegment(s string) ([]byte, error) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return nil, fmt.Errorf("byte %d is not in the base64url alphabet", i)
		}
	}
	return base64.RawURLEncoding.Strict().DecodeString(s)
}

// parseHeader checks the JOSE header (B.2 steps 10-11): strict JSON, a supported alg, the ID-JAG
// typ, no forbidden parameter and a kid.
func parseHeader(data []byte, tok *token, a *Assertion) error {
	h, err := jsonx.DecodeStrictObject(data)
	if err != nil {
		return fmt.Errorf("%w: header: %v", ErrMalformed, err)
	}
	tok.alg, _ = h["alg"].(string)
	tok.kid, _ = h["kid"].(string)
	a.Alg, a.KeyID = tok.alg, tok.kid
	if tok.alg != algES256 && tok.alg != algRS256 {
		return fmt.Errorf("%w: %q", ErrBadAlg, truncate(tok.alg))
	}
	typ, _ := h["typ"].(string)
	if !isIDJAGType(typ) {
		return fmt.Errorf("%w: %q", ErrBadType, truncate(typ))
	}
	// We understand no crit extension (JWT-10), never take keys or key locations from the token
	// (JWT-08) and require a base64url-encoded payload (no RFC 7797 b64).
	for _, name := range [...]string{"crit", "jku", "x5u", "jwk", "x5c", "b64"} {
		if _, ok := h[name]; ok {
			return fmt.Errorf("%w: %s", ErrForbiddenHeader, name)
		}
	}
	if tok.kid == "" || len(tok.kid) > maxKeyIDLen {
		return fmt.Errorf("%w: kid must be a non-empty string of at most %d bytes", ErrBadKeyID, maxKeyIDLen)
	}
	return nil
}

// isIDJAGType compares typ with oauth-id-jag+jwt as media types: case-insensitively, with
// "application/" implied when typ contains no '/' (RFC 7515 §4.1.9). Parameters are not accepted.
func isIDJAGType(typ string) bool {
	t := strings.ToLower(typ)
	if !strings.Contains(t, "/") {
		t = "application/" + t
	}
	return t == idJAGType
}

// truncate shortens an attacker-supplied value quoted in an error message.
func truncate(s string) string {
	const limit = 64
	if len(s) > limit {
		return s[:limit] + "…"
	}
	return s
}

// readIdentity copies the string claims iss, sub, jti and client_id into a (B.2 step 12). Every
// claim of the right type is copied, for the audit record, before a wrongly typed one is reported.
func readIdentity(claims map[string]any, a *Assertion) error {
	var err error
	for _, f := range [...]struct {
		name string
		dst  *string
	}{{"iss", &a.Issuer}, {"sub", &a.Subject}, {"jti", &a.JTI}, {"client_id", &a.ClientID}} {
		v, ok := claims[f.name]
		if !ok {
			continue
		}
		s, ok := v.(string)
		if !ok {
			if err == nil {
				err = fmt.Errorf("%w: %s is not a string", ErrBadClaims, f.name)
			}
			continue
		}
		*f.dst = s
	}
	return err
}

// fillUnverifiedLenient recovers iss, sub, jti and client_id from a payload that failed strict
// decoding, for the audit record only.
func fillUnverifiedLenient(payload []byte, a *Assertion) {
	var claims map[string]any
	if json.Unmarshal(payload, &claims) == nil {
		_ = readIdentity(claims, a)
	}
}
