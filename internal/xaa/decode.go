package xaa

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
)

// Decoded is a JWT's header and claims, decoded WITHOUT verifying the
// signature: for display and diagnosis only.
type Decoded struct {
	Header map[string]any `json:"header"`
	Claims map[string]any `json:"claims"`
}

// Decode splits a compact JWS and decodes its header and claims.
func Decode(jwt string) (Decoded, error) {
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		return Decoded{}, errors.New("not a compact JWS (want 3 dot-separated parts)")
	}
	var d Decoded
	for i, dst := range []*map[string]any{&d.Header, &d.Claims} {
		raw, err := base64.RawURLEncoding.DecodeString(parts[i])
		if err != nil {
			return Decoded{}, errors.New("a part is not base64url")
		}
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		if err := dec.Decode(dst); err != nil {
			return Decoded{}, errors.New("a part is not a JSON object")
		}
	}
	return d, nil
}

// String renders the JWT readably with the signature elided.
func (d Decoded) String() string {
	h, _ := json.MarshalIndent(d.Header, "    ", "  ")
	c, _ := json.MarshalIndent(d.Claims, "    ", "  ")
	return "    header: " + string(h) + "\n    claims: " + string(c) + "\n    signature: <elided>"
}

// Str returns a string claim or "".
func (d Decoded) Str(name string) string {
	s, _ := d.Claims[name].(string)
	return s
}

// Int returns a numeric claim.
func (d Decoded) Int(name string) (int64, bool) {
	n, ok := d.Claims[name].(json.Number)
	if !ok {
		return 0, false
	}
	v, err := n.Int64()
	return v, err == nil
}
