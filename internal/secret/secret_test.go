package secret

import (
	"bytes"
	"testing"
)

func TestHasherVerify(t *testing.T) {
	h, err := NewHasher(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	s := Generate()
	sum := h.Hash(s)
	cases := []struct {
		name   string
		secret string
		hash   []byte
		want   bool
	}{
		{"CAUTH02_right_secret", s, sum, true},
		{"CAUTH02_wrong_secret", s + "x", sum, false},
		{"CAUTH02_empty_hash_never_verifies", "", nil, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := h.Verify(tc.secret, tc.hash); got != tc.want {
				t.Fatalf("Verify = %v, want %v", got, tc.want)
			}
		})
	}
	other, _ := NewHasher(bytes.Repeat([]byte{8}, 32))
	if other.Verify(s, sum) {
		t.Fatal("a different pepper verified the secret")
	}
}

func TestNewHasherRejectsShortPepper(t *testing.T) {
	if _, err := NewHasher(make([]byte, 31)); err == nil {
		t.Fatal("31-byte pepper accepted")
	}
}

func TestTEP06_GeneratedSecretsAreDistinctAndLong(t *testing.T) {
	a, b := Generate(), Generate()
	if a == b || len(a) != 43 {
		t.Fatalf("Generate gave %q and %q", a, b)
	}
	if len(ID()) != 22 {
		t.Fatalf("ID length %d", len(ID()))
	}
}
