package token

import (
	"crypto/rand"
	"encoding/base64"
	"time"
)

// sortedEncoding is base64url's alphabet in ASCII order, so that encoded
// strings of equal length compare like the bytes they encode.
var sortedEncoding = base64.NewEncoding("-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz").WithPadding(base64.NoPadding)

// jtiRandomBytes is the random part of a NewJTI identifier (128 bits).
const jtiRandomBytes = 16

// NewJTI returns a new access-token identifier: the issue time in
// milliseconds (48 bits) followed by 128 random bits, 30 characters of
// base64url's alphabet sorted so that identifiers issued later sort later.
// The random part keeps identifiers unique and unguessable; the time prefix
// makes each new token.issued event append to the end of the audit trail's
// token_jti index instead of dirtying a random index page per grant
// (DESIGN.md §8). The identifier stays opaque to everyone else (RFC 9068).
func NewJTI(now time.Time) string {
	var b [6 + jtiRandomBytes]byte
	ms := uint64(now.UnixMilli())
	for i := range 6 {
		b[i] = byte(ms >> (8 * (5 - i)))
	}
	if _, err := rand.Read(b[6:]); err != nil {
		panic("token: crypto/rand failed: " + err.Error()) // never fails on supported platforms
	}
	return sortedEncoding.EncodeToString(b[:])
}
