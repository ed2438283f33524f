package idprole

import (
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Password hashing: PBKDF2-HMAC-SHA256 (crypto/pbkdf2) with a 16-byte random
// salt and a 32-byte output, stored as "pbkdf2-sha256$<iter>$<salt>$<hash>"
// (base64url without padding). The iteration count follows the OWASP
// recommendation for PBKDF2-HMAC-SHA256.
const (
	DefaultPasswordIterations = 600_000
	passwordPrefix            = "pbkdf2-sha256"
	saltLen                   = 16
	hashLen                   = 32
	// maxPasswordIterations bounds the work a stored hash can ask for.
	maxPasswordIterations = 10_000_000
	// MinPasswordLength and MaxPasswordLength bound passwords set through
	// the admin API and CLI.
	MinPasswordLength = 8
	MaxPasswordLength = 1024
)

// hashPassword returns the stored form of password with iter iterations.
func hashPassword(password string, iter int) (string, error) {
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("idprole: salt: %w", err)
	}
	dk, err := pbkdf2.Key(sha256.New, password, salt, iter, hashLen)
	if err != nil {
		return "", fmt.Errorf("idprole: pbkdf2: %w", err)
	}
	enc := base64.RawURLEncoding
	return strings.Join([]string{passwordPrefix, strconv.Itoa(iter), enc.EncodeToString(salt), enc.EncodeToString(dk)}, "$"), nil
}

var errBadHash = errors.New("idprole: malformed password hash")

// verifyPassword reports whether password matches stored, comparing in
// constant time. A malformed stored hash never matches.
func verifyPassword(password, stored string) bool {
	iter, salt, want, err := parseHash(stored)
	if err != nil {
		return false
	}
	got, err := pbkdf2.Key(sha256.New, password, salt, iter, len(want))
	if err != nil {
		return false
	}
	return subtle.ConstantTimeCompare(got, want) == 1
}

func parseHash(stored string) (iter int, salt, hash []byte, err error) {
	parts := strings.Split(stored, "$")
	if len(parts) != 4 || parts[0] != passwordPrefix {
		return 0, nil, nil, errBadHash
	}
	iter, err = strconv.Atoi(parts[1])
	if err != nil || iter < 1 || iter > maxPasswordIterations {
		return 0, nil, nil, errBadHash
	}
	enc := base64.RawURLEncoding.Strict()
	if salt, err = enc.DecodeString(parts[2]); err != nil || len(salt) < saltLen {
		return 0, nil, nil, errBadHash
	}
	if hash, err = enc.DecodeString(parts[3]); err != nil || len(hash) != hashLen {
		return 0, nil, nil, errBadHash
	}
	return iter, salt, hash, nil
}

// checkPassword validates a new password's length (in bytes).
func checkPassword(p string) error {
	if len(p) < MinPasswordLength || len(p) > MaxPasswordLength {
		return fmt.Errorf("idprole: a password must be %d to %d bytes long", MinPasswordLength, MaxPasswordLength)
	}
	return nil
}
