package keys

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/authplane/authplane/internal/keys/keystest"
	"github.com/authplane/authplane/internal/storage"
)

// failingStore fails ListSigningKeys when fail is set.
type failingStore struct {
	keystest.MemStore
	fail bool
}

var errStoreDown = errors.New("store down")

func (s *failingStore) ListSigningKeys(ctx context.Context) ([]storage.SigningKey, error) {
	if s.fail {
		return nil, errStoreDown
	}
	return s.MemStore.ListSigningKeys(ctx)
}

func TestReloadErrorKeepsPreviousKeys(t *testing.T) {
	st, clk := &failingStore{}, newClock()
	m := newTestManager(t, st, clk)
	kid, _ := m.Signer()
	jwks := string(m.JWKS())
	st.fail = true
	if err := m.Reload(context.Background()); !errors.Is(err, errStoreDown) {
		t.Fatalf("Reload error = %v, want the store error", err)
	}
	if got, _ := m.Signer(); got != kid || string(m.JWKS()) != jwks {
		t.Fatal("a failed Reload changed the keys in use")
	}
}

// TestReloadRejectsCorruptKeys: a row whose public JWK, sealed private key
// or state is inconsistent is never used or published.
func TestReloadRejectsCorruptKeys(t *testing.T) {
	ctx := context.Background()
	other, err := createKey(ctx, &keystest.MemStore{}, testKEK(1), newClock().Now())
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		corrupt func(k *storage.SigningKey)
		wantMsg string
	}{
		{"public JWK of another key", func(k *storage.SigningKey) { k.PublicJWK = other.PublicJWK }, "thumbprint"},
		{"public JWK not JSON", func(k *storage.SigningKey) { k.PublicJWK = json.RawMessage("{") }, "public JWK"},
		{"public JWK symmetric", func(k *storage.SigningKey) {
			k.PublicJWK = json.RawMessage(`{"kty":"oct","k":"c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0"}`)
		}, "not a P-256 public key"},
		{"sealed key of another row", func(k *storage.SigningKey) { k.PrivateSealed = other.PrivateSealed }, "cannot open"},
		{"no active key", func(k *storage.SigningKey) { k.State = storage.KeyRetired }, "no active signing key"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st, clk := &keystest.MemStore{}, newClock()
			m := newTestManager(t, st, clk)
			clk.Advance(time.Second)
			if _, err := m.Rotate(ctx); err != nil {
				t.Fatal(err)
			}
			k := storedKeys(t, st)[0]
			tc.corrupt(&k)
			if err := st.UpdateSigningKey(ctx, k); err != nil {
				t.Fatal(err)
			}
			m2 := &Manager{store: st, kek: testKEK(1), now: clk.Now, maxTTL: testMaxTTL, log: slog.New(slog.DiscardHandler)}
			err := m2.Reload(ctx)
			if err == nil || !strings.Contains(err.Error(), tc.wantMsg) {
				t.Fatalf("Reload error = %v, want one mentioning %q", err, tc.wantMsg)
			}
		})
	}
}

// TestSignerDuringRotation reads the snapshot from many goroutines while
// rotating; run with -race to check the lock-free hot path.
func TestSignerDuringRotation(t *testing.T) {
	st, clk := &keystest.MemStore{}, newClock()
	m := newTestManager(t, st, clk)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				kid, key := m.Signer()
				set := m.PublicKeys()
				if kid == "" || key == nil || len(m.JWKS()) == 0 || len(set.Key(kid)) != 1 {
					t.Error("inconsistent snapshot")
					return
				}
			}
		})
	}
	for range 5 {
		clk.Advance(time.Second)
		if _, err := m.Rotate(context.Background()); err != nil {
			t.Error(err)
		}
	}
	close(stop)
	wg.Wait()
}
