package keys

import (
	"context"
	"errors"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/authplane/authplane/internal/keys/keystest"
	"github.com/authplane/authplane/internal/storage"
)

// racingStore makes the first two ListSigningKeys calls wait for each other
// after reading, so two starting instances both see an empty store and
// both create a key.
type racingStore struct {
	keystest.MemStore
	arrived sync.WaitGroup
	calls   atomic.Int32
}

func (s *racingStore) ListSigningKeys(ctx context.Context) ([]storage.SigningKey, error) {
	ks, err := s.MemStore.ListSigningKeys(ctx)
	if s.calls.Add(1) <= 2 {
		s.arrived.Done()
		s.arrived.Wait()
	}
	return ks, err
}

func TestConcurrentStartConvergesOnOneSigner(t *testing.T) {
	ctx := context.Background()
	st, clk := &racingStore{}, newClock()
	st.arrived.Add(2)
	ms := make([]*Manager, 2)
	errs := make([]error, 2)
	var wg sync.WaitGroup
	for i := range ms {
		wg.Go(func() {
			ms[i], errs[i] = NewManager(ctx, st, testKEK(1), Options{Now: clk.Now, MaxTokenLifetime: testMaxTTL})
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	ks := storedKeys(t, st)
	if len(ks) != 2 || ks[0].State != storage.KeyActive || ks[1].State != storage.KeyActive {
		t.Fatalf("store = %v, want two active keys (both instances created one)", ks)
	}
	// Each instance signs with a published key at every moment…
	for _, m := range ms {
		assertSignerPublished(t, m)
	}
	// …and after the generation-triggered Reload both sign with the newest
	// and publish both.
	for _, m := range ms {
		mustReload(t, m)
	}
	newest, _ := newestActive(ks)
	for i, m := range ms {
		if kid, _ := m.Signer(); kid != newest.ID {
			t.Fatalf("instance %d signs with %s, want newest %s", i, kid, newest.ID)
		}
		if got := jwksKids(t, m); len(got) != 2 || got[0] != newest.ID {
			t.Fatalf("instance %d JWKS kids = %v, want newest first and both", i, got)
		}
	}
	// A rotation retires both extra keys.
	clk.Advance(time.Second)
	nk, err := ms[0].Rotate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	mustReload(t, ms[1])
	active := 0
	for _, k := range storedKeys(t, st) {
		if k.State == storage.KeyActive {
			active++
		}
	}
	if kid, _ := ms[1].Signer(); active != 1 || kid != nk.ID {
		t.Fatalf("after Rotate: %d active keys, other instance signs with %s, want 1 and %s", active, kid, nk.ID)
	}
	if got := jwksKids(t, ms[1]); len(got) != 3 {
		t.Fatalf("JWKS kids after rotation = %v, want new + two retired", got)
	}
}

func TestNewestActiveKeyWins(t *testing.T) {
	ctx := context.Background()
	t0 := newClock().Now()
	tests := []struct {
		name   string
		times  []time.Time
		newest func(ks []storage.SigningKey) string
	}{
		{"later CreatedAt", []time.Time{t0, t0.Add(time.Millisecond)}, func(ks []storage.SigningKey) string {
			return ks[1].ID
		}},
		{"same CreatedAt, greater kid", []time.Time{t0, t0}, func(ks []storage.SigningKey) string {
			return max(ks[0].ID, ks[1].ID)
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st := &keystest.MemStore{}
			var created []storage.SigningKey
			for _, at := range tc.times {
				k, err := createKey(ctx, st, testKEK(1), at)
				if err != nil {
					t.Fatal(err)
				}
				created = append(created, k)
			}
			want := tc.newest(created)
			for range 2 {
				m := newTestManager(t, st, newClock())
				if kid, _ := m.Signer(); kid != want {
					t.Fatalf("signer = %s, want %s", kid, want)
				}
				if got := jwksKids(t, m); len(got) != 2 || got[0] != want {
					t.Fatalf("JWKS kids = %v, want both with %s first", got, want)
				}
			}
		})
	}
}

func TestReloadSeesRotationByAnotherInstance(t *testing.T) {
	st, clk := &keystest.MemStore{}, newClock()
	a, b := newTestManager(t, st, clk), newTestManager(t, st, clk)
	clk.Advance(time.Second)
	nk, err := a.Rotate(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if kid, _ := b.Signer(); kid == nk.ID {
		t.Fatal("b switched keys before Reload")
	}
	mustReload(t, b)
	if kid, _ := b.Signer(); kid != nk.ID {
		t.Fatalf("b signs with %s after Reload, want %s", kid, nk.ID)
	}
	if !slices.Equal(jwksKids(t, a), jwksKids(t, b)) {
		t.Fatalf("JWKS differ: a %v, b %v", jwksKids(t, a), jwksKids(t, b))
	}
}

func TestRotateInTransaction(t *testing.T) {
	ctx := context.Background()
	st, clk := &keystest.MemStore{}, newClock()
	m := newTestManager(t, st, clk)
	oldKid, _ := m.Signer()
	clk.Advance(time.Second)
	nk, retired, err := RotateIn(ctx, st, testKEK(1), clk.Now(), testMaxTTL)
	if err != nil {
		t.Fatal(err)
	}
	if len(retired) != 1 || retired[0].ID != oldKid || retired[0].State != storage.KeyRetired {
		t.Fatalf("retired = %+v, want the old key", retired)
	}
	if nk.PrivateSealed != nil || retired[0].PrivateSealed != nil {
		t.Fatal("RotateIn returned sealed private key material")
	}
	mustReload(t, m)
	if kid, _ := m.Signer(); kid != nk.ID {
		t.Fatalf("signer after RotateIn+Reload = %s, want %s", kid, nk.ID)
	}
}

func TestRotateInRejects(t *testing.T) {
	st := &keystest.MemStore{}
	now := newClock().Now()
	if _, _, err := RotateIn(context.Background(), st, testKEK(1)[:31], now, testMaxTTL); !errors.Is(err, ErrKEK) {
		t.Fatalf("short KEK: error = %v, want ErrKEK", err)
	}
	if _, _, err := RotateIn(context.Background(), st, testKEK(1), now, 0); err == nil {
		t.Fatal("zero max token lifetime accepted")
	}
	if n := len(storedKeys(t, st)); n != 0 {
		t.Fatalf("a rejected RotateIn stored %d keys", n)
	}
}

func TestListHasNoPrivateMaterial(t *testing.T) {
	st, clk := &keystest.MemStore{}, newClock()
	m := newTestManager(t, st, clk)
	if _, err := m.Rotate(context.Background()); err != nil {
		t.Fatal(err)
	}
	ks := m.List()
	if len(ks) != 2 {
		t.Fatalf("List has %d keys, want 2", len(ks))
	}
	for _, k := range ks {
		if k.PrivateSealed != nil || len(k.PublicJWK) == 0 {
			t.Fatalf("List entry %s: sealed=%d bytes, public=%d bytes", k.ID, len(k.PrivateSealed), len(k.PublicJWK))
		}
	}
}
