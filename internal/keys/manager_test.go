package keys

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/authplane/authplane/internal/clocktest"

	"github.com/authplane/authplane/internal/keys/keystest"
	"github.com/authplane/authplane/internal/storage"
)

// fakeClock is the shared fake clock.
type fakeClock = clocktest.Clock

func newClock() *fakeClock {
	return clocktest.New(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
}

const testMaxTTL = 15 * time.Minute

func newTestManager(t *testing.T, st Store, clk *fakeClock) *Manager {
	t.Helper()
	m, err := NewManager(context.Background(), st, testKEK(1), Options{Now: clk.Now, MaxTokenLifetime: testMaxTTL})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func storedKeys(t *testing.T, st Store) []storage.SigningKey {
	t.Helper()
	ks, err := st.ListSigningKeys(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return ks
}

// jwksKids returns the kids of m's JWKS document in order.
func jwksKids(t *testing.T, m *Manager) []string {
	t.Helper()
	var doc struct {
		Keys []struct {
			Kid string `json:"kid"`
		} `json:"keys"`
	}
	if err := json.Unmarshal(m.JWKS(), &doc); err != nil {
		t.Fatal(err)
	}
	var kids []string
	for _, k := range doc.Keys {
		kids = append(kids, k.Kid)
	}
	return kids
}

// assertSignerPublished signs with m's signer and verifies with the public
// key of the same kid from PublicKeys.
func assertSignerPublished(t *testing.T, m *Manager) {
	t.Helper()
	kid, key := m.Signer()
	set := m.PublicKeys()
	found := set.Key(kid)
	if len(found) != 1 {
		t.Fatalf("signer kid %s published %d times", kid, len(found))
	}
	digest := sha256.Sum256([]byte("payload"))
	sig, err := key.Sign(rand.Reader, digest[:], crypto.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	if !ecdsa.VerifyASN1(found[0].Key.(*ecdsa.PublicKey), digest[:], sig) {
		t.Fatal("signature by Signer() does not verify with the published key")
	}
}

func TestNewManagerCreatesOneActiveKey(t *testing.T) {
	st, clk := &keystest.MemStore{}, newClock()
	m := newTestManager(t, st, clk)
	ks := storedKeys(t, st)
	if len(ks) != 1 {
		t.Fatalf("store holds %d keys, want 1", len(ks))
	}
	k := ks[0]
	if k.State != storage.KeyActive || k.Alg != "ES256" || !k.CreatedAt.Equal(clk.Now()) {
		t.Fatalf("stored key = %+v", metadata(k))
	}
	kid, key := m.Signer()
	if kid != k.ID {
		t.Fatalf("Signer kid = %s, stored %s", kid, k.ID)
	}
	want, err := thumbprint(key.Public().(*ecdsa.PublicKey))
	if err != nil {
		t.Fatal(err)
	}
	if kid != want {
		t.Fatalf("kid = %s, want RFC 7638 thumbprint %s", kid, want)
	}
	if _, err := Open(testKEK(1), kid, k.PrivateSealed); err != nil {
		t.Fatalf("stored private key does not open under the KEK: %v", err)
	}
	assertSignerPublished(t, m)
}

func TestNewManagerReusesStoredKey(t *testing.T) {
	st, clk := &keystest.MemStore{}, newClock()
	first := newTestManager(t, st, clk)
	second := newTestManager(t, st, clk)
	k1, _ := first.Signer()
	k2, _ := second.Signer()
	if k1 != k2 {
		t.Fatalf("second instance signs with %s, first with %s", k2, k1)
	}
	if n := len(storedKeys(t, st)); n != 1 {
		t.Fatalf("store holds %d keys, want 1", n)
	}
}

func TestNewManagerRejects(t *testing.T) {
	st := &keystest.MemStore{}
	newTestManager(t, st, newClock())
	tests := []struct {
		name  string
		store Store
		kek   []byte
		opts  Options
		want  error
	}{
		{"wrong KEK for stored key", st, testKEK(2), Options{}, ErrUnseal},
		{"short KEK", st, testKEK(1)[:16], Options{}, ErrKEK},
		{"nil store", nil, testKEK(1), Options{}, nil},
		{"negative lifetime", st, testKEK(1), Options{MaxTokenLifetime: -time.Second}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := NewManager(context.Background(), tc.store, tc.kek, tc.opts)
			if err == nil || m != nil {
				t.Fatalf("NewManager = %v, %v; want an error", m, err)
			}
			if tc.want != nil && !errors.Is(err, tc.want) {
				t.Fatalf("error = %v, want %v", err, tc.want)
			}
		})
	}
}

// TestAT01_JWKSShape checks each published key: exactly the public EC
// members plus kid, use "sig" and alg "ES256"; never a private member.
func TestAT01_JWKSShape(t *testing.T) {
	st, clk := &keystest.MemStore{}, newClock()
	m := newTestManager(t, st, clk)
	if _, err := m.Rotate(context.Background()); err != nil {
		t.Fatal(err)
	}
	var doc map[string][]map[string]any
	if err := json.Unmarshal(m.JWKS(), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc) != 1 || len(doc["keys"]) != 2 {
		t.Fatalf("JWKS = %s", m.JWKS())
	}
	want := []string{"alg", "crv", "kid", "kty", "use", "x", "y"}
	for _, k := range doc["keys"] {
		var names []string
		for n := range k {
			names = append(names, n)
		}
		sort.Strings(names)
		if !slices.Equal(names, want) {
			t.Fatalf("key members = %v, want %v", names, want)
		}
		if k["kty"] != "EC" || k["crv"] != "P-256" || k["use"] != "sig" || k["alg"] != "ES256" {
			t.Fatalf("key = %v", k)
		}
	}
}

func TestAT01_RotateWithOverlap(t *testing.T) {
	ctx := context.Background()
	st, clk := &keystest.MemStore{}, newClock()
	m := newTestManager(t, st, clk)
	oldKid, _ := m.Signer()
	clk.Advance(time.Hour)
	rotatedAt := clk.Now()
	nk, err := m.Rotate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if kid, _ := m.Signer(); kid != nk.ID || kid == oldKid {
		t.Fatalf("after Rotate signer = %s, new key %s, old %s", kid, nk.ID, oldKid)
	}
	if nk.PrivateSealed != nil {
		t.Fatal("Rotate returned sealed private key material")
	}
	assertSignerPublished(t, m)
	if got := jwksKids(t, m); !slices.Equal(got, []string{nk.ID, oldKid}) {
		t.Fatalf("JWKS kids = %v, want [new old]", got)
	}
	old := m.List()[1]
	wantUntil := rotatedAt.Add(testMaxTTL + time.Minute)
	if old.ID != oldKid || old.State != storage.KeyRetired || !old.RetiredAt.Equal(rotatedAt) ||
		!old.PublishUntil.Equal(wantUntil) {
		t.Fatalf("retired key = %+v, want PublishUntil %v", old, wantUntil)
	}

	clk.Advance(testMaxTTL + time.Minute - time.Nanosecond)
	mustReload(t, m)
	if got := jwksKids(t, m); len(got) != 2 {
		t.Fatalf("just before PublishUntil JWKS kids = %v, want both", got)
	}
	clk.Advance(time.Nanosecond)
	mustReload(t, m)
	if got := jwksKids(t, m); !slices.Equal(got, []string{nk.ID}) {
		t.Fatalf("at PublishUntil JWKS kids = %v, want only the new key", got)
	}
	if n := len(m.List()); n != 2 {
		t.Fatalf("List has %d keys before the next rotation deletes the old one, want 2", n)
	}

	clk.Advance(time.Nanosecond)
	third, err := m.Rotate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ids := []string{}
	for _, k := range storedKeys(t, st) {
		ids = append(ids, k.ID)
	}
	if !slices.Equal(ids, []string{third.ID, nk.ID}) {
		t.Fatalf("stored keys after second rotation = %v, want [third second] (first deleted)", ids)
	}
}

func mustReload(t *testing.T, m *Manager) {
	t.Helper()
	if err := m.Reload(context.Background()); err != nil {
		t.Fatal(err)
	}
}
