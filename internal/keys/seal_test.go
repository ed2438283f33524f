package keys

import (
	"bytes"
	"errors"
	"testing"
)

func testKEK(b byte) []byte { return bytes.Repeat([]byte{b}, KEKSize) }

func TestSealOpenRoundTrip(t *testing.T) {
	kek := testKEK(1)
	pt := []byte("private key bytes")
	sealed, err := Seal(kek, "kid-1", pt)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(sealed, pt) {
		t.Fatal("sealed output contains the plaintext")
	}
	again, err := Seal(kek, "kid-1", pt)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(sealed, again) {
		t.Fatal("two seals of the same plaintext are identical: nonce reused")
	}
	got, err := Open(kek, "kid-1", sealed)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, pt) {
		t.Fatalf("Open = %q, want %q", got, pt)
	}
}

func TestOpenFails(t *testing.T) {
	kek := testKEK(1)
	sealed, err := Seal(kek, "kid-1", []byte("private key bytes"))
	if err != nil {
		t.Fatal(err)
	}
	flip := func(i int) []byte {
		b := bytes.Clone(sealed)
		b[i] ^= 0x01
		return b
	}
	tests := []struct {
		name   string
		kek    []byte
		kid    string
		sealed []byte
		want   error
	}{
		{"wrong KEK", testKEK(2), "kid-1", sealed, ErrUnseal},
		{"wrong kid", kek, "kid-2", sealed, ErrUnseal},
		{"empty kid", kek, "", sealed, ErrUnseal},
		{"tampered version", kek, "kid-1", flip(0), ErrUnseal},
		{"tampered nonce", kek, "kid-1", flip(1), ErrUnseal},
		{"tampered ciphertext", kek, "kid-1", flip(1 + nonceSize), ErrUnseal},
		{"tampered tag", kek, "kid-1", flip(len(sealed) - 1), ErrUnseal},
		{"truncated", kek, "kid-1", sealed[:len(sealed)-1], ErrUnseal},
		{"too short", kek, "kid-1", sealed[:nonceSize], ErrUnseal},
		{"empty", kek, "kid-1", nil, ErrUnseal},
		{"short KEK", kek[:16], "kid-1", sealed, ErrKEK},
		{"nil KEK", nil, "kid-1", sealed, ErrKEK},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Open(tc.kek, tc.kid, tc.sealed)
			if !errors.Is(err, tc.want) {
				t.Fatalf("Open error = %v, want %v", err, tc.want)
			}
			if got != nil {
				t.Fatalf("Open returned plaintext %q on failure", got)
			}
		})
	}
}

func TestSealRejectsBadKEK(t *testing.T) {
	for _, n := range []int{0, 16, 24, 31, 33} {
		if _, err := Seal(make([]byte, n), "kid", []byte("x")); !errors.Is(err, ErrKEK) {
			t.Errorf("Seal with %d-byte KEK: error = %v, want ErrKEK", n, err)
		}
	}
}
