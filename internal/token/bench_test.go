package token

import (
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"testing"
)

// BenchmarkMint measures one access token with a cached signer: claims
// JSON, ES256 signature and serialization.
func BenchmarkMint(b *testing.B) {
	m := newMinter(newStaticKey(b))
	c := fullClaims()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := m.Mint(c); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkMintParallel is BenchmarkMint from GOMAXPROCS goroutines sharing
// one Minter, as the token endpoint does.
func BenchmarkMintParallel(b *testing.B) {
	m := newMinter(newStaticKey(b))
	c := fullClaims()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := m.Mint(c); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkNewSigner is the per-token cost the signer cache avoids.
func BenchmarkNewSigner(b *testing.B) {
	k := newStaticKey(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := newSigner(k.kid, k.key); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerify measures full verification of one token.
func BenchmarkVerify(b *testing.B) {
	k := newStaticKey(b)
	tok := mustMint(b, newMinter(k), fullClaims())
	v := newVerifier(k)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.Verify(tok, testAudience); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkES256Baseline is the raw ECDSA P-256 signature alone, the floor
// under BenchmarkMint.
func BenchmarkES256Baseline(b *testing.B) {
	k := newStaticKey(b)
	digest := sha256.Sum256([]byte(validPayload()))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ecdsa.SignASN1(rand.Reader, k.key, digest[:]); err != nil {
			b.Fatal(err)
		}
	}
}
