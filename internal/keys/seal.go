package keys

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"fmt"
)

// KEKSize is the length in bytes of the key-encryption key (AES-256).
const KEKSize = 32

// sealVersion prefixes every sealed blob so that a later format (for
// example a KEK identifier for KEK rotation) can be told apart.
const sealVersion byte = 1

const nonceSize = 12

// ErrKEK means the key-encryption key has the wrong length or format.
var ErrKEK = errors.New("keys: invalid key-encryption key")

// ErrUnseal means a sealed private key could not be opened: wrong KEK,
// wrong kid, or tampered ciphertext. AES-GCM cannot tell these apart.
var ErrUnseal = errors.New("keys: cannot open sealed key (wrong KEK, wrong kid or tampered data)")

// Seal encrypts plaintext under kek with AES-256-GCM and a random 12-byte
// nonce. The kid is the additional authenticated data, so a sealed key
// copied onto another key's row does not open. The result is
// version || nonce || ciphertext || tag.
func Seal(kek []byte, kid string, plaintext []byte) ([]byte, error) {
	aead, err := newAEAD(kek)
	if err != nil {
		return nil, err
	}
	out := make([]byte, 1+nonceSize, 1+nonceSize+len(plaintext)+aead.Overhead())
	out[0] = sealVersion
	if _, err := rand.Read(out[1:]); err != nil {
		return nil, fmt.Errorf("keys: nonce: %w", err)
	}
	return aead.Seal(out, out[1:], plaintext, []byte(kid)), nil
}

// Open reverses Seal. It fails with ErrUnseal if kek or kid differ from the
// ones used to seal or if sealed was modified.
func Open(kek []byte, kid string, sealed []byte) ([]byte, error) {
	aead, err := newAEAD(kek)
	if err != nil {
		return nil, err
	}
	if len(sealed) < 1+nonceSize+aead.Overhead() {
		return nil, fmt.Errorf("%w: too short", ErrUnseal)
	}
	if sealed[0] != sealVersion {
		return nil, fmt.Errorf("%w: unknown format version %d", ErrUnseal, sealed[0])
	}
	nonce, ct := sealed[1:1+nonceSize], sealed[1+nonceSize:]
	pt, err := aead.Open(nil, nonce, ct, []byte(kid))
	if err != nil {
		return nil, ErrUnseal
	}
	return pt, nil
}

func newAEAD(kek []byte) (cipher.AEAD, error) {
	if len(kek) != KEKSize {
		return nil, fmt.Errorf("%w: need %d bytes, got %d", ErrKEK, KEKSize, len(kek))
	}
	block, err := aes.NewCipher(kek)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrKEK, err)
	}
	return cipher.NewGCM(block)
}
