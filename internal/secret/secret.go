// Package secret generates high-entropy secrets and stores them only as keyed
// hashes (SPEC CAUTH-02, TEP-06): client secrets and the admin token are kept
// as HMAC-SHA256 under a server-side pepper and compared in constant time.
package secret

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
)

// MinPepperLen is the shortest pepper a Hasher accepts.
const MinPepperLen = 32

// Hasher hashes secrets under a pepper. The zero value is unusable; use
// NewHasher.
type Hasher struct {
	pepper []byte
}

// NewHasher returns a Hasher keyed by pepper, which must be at least
// MinPepperLen bytes of secret randomness.
func NewHasher(pepper []byte) (*Hasher, error) {
	if len(pepper) < MinPepperLen {
		return nil, errors.New("secret: pepper must be at least 32 bytes")
	}
	return &Hasher{pepper: append([]byte(nil), pepper...)}, nil
}

// Hash returns HMAC-SHA256(pepper, s).
func (h *Hasher) Hash(s string) []byte {
	m := hmac.New(sha256.New, h.pepper)
	m.Write([]byte(s))
	return m.Sum(nil)
}

// Verify reports whether s hashes to want, in constant time. An empty want
// never verifies.
func (h *Hasher) Verify(s string, want []byte) bool {
	if len(want) == 0 {
		return false
	}
	return subtle.ConstantTimeCompare(h.Hash(s), want) == 1
}

// Generate returns a new random secret of 256 bits, base64url-encoded
// without padding.
func Generate() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic("secret: crypto/rand failed: " + err.Error()) // rand.Read never fails on supported platforms
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// ID returns a new random identifier of 128 bits, base64url-encoded without
// padding, for jti values and event ids.
func ID() string {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		panic("secret: crypto/rand failed: " + err.Error())
	}
	return base64.RawURLEncoding.EncodeToString(b)
}
