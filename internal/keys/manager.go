package keys

import (
	"context"
	"crypto"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/authplane/authplane/internal/storage"
)

// DefaultMaxTokenLifetime is used when Options.MaxTokenLifetime is zero.
const DefaultMaxTokenLifetime = 24 * time.Hour

// Options configures a Manager.
type Options struct {
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// MaxTokenLifetime is the longest lifetime of any token the keys sign;
	// a retired key stays published this long (plus PublishMargin). Zero
	// means DefaultMaxTokenLifetime.
	MaxTokenLifetime time.Duration
	// Logger receives key lifecycle events (kids only); nil discards them.
	Logger *slog.Logger
}

// Manager holds AuthPlane's signing keys for one server instance.
//
// Concurrent start: two instances starting at once on an empty store may
// each create a key, leaving two active keys. Rather than racing to retire
// one another's key (which could retire a key another instance is already
// signing with), every instance signs with the newest active key (by
// CreatedAt, then kid) and publishes all active keys. An instance that did
// not yet see the other key still signs with its own, which is published
// by everyone; it switches on its next Reload, which the server triggers
// because creating a key bumps the store generation. The next Rotate retires
// every extra active key.
type Manager struct {
	store  Store
	kek    []byte
	now    func() time.Time
	maxTTL time.Duration
	log    *slog.Logger

	mu   sync.Mutex // serializes Reload and Rotate
	snap atomic.Pointer[snapshot]
}

// NewManager loads the keys from store, creating an active key if there is
// none, and returns a Manager ready to sign. kek is the 32-byte
// key-encryption key that seals private keys at rest.
func NewManager(ctx context.Context, store Store, kek []byte, opts Options) (*Manager, error) {
	if store == nil {
		return nil, errors.New("keys: nil store")
	}
	if len(kek) != KEKSize {
		return nil, fmt.Errorf("%w: need %d bytes, got %d", ErrKEK, KEKSize, len(kek))
	}
	if opts.MaxTokenLifetime < 0 {
		return nil, errors.New("keys: negative max token lifetime")
	}
	m := &Manager{
		store:  store,
		kek:    slices.Clone(kek),
		now:    opts.Now,
		maxTTL: opts.MaxTokenLifetime,
		log:    opts.Logger,
	}
	if m.now == nil {
		m.now = time.Now
	}
	if m.maxTTL == 0 {
		m.maxTTL = DefaultMaxTokenLifetime
	}
	if m.log == nil {
		m.log = slog.New(slog.DiscardHandler)
	}
	if err := m.start(ctx); err != nil {
		return nil, err
	}
	return m, nil
}

// start creates a key if the store has no active one, then loads.
func (m *Manager) start(ctx context.Context) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	ks, err := m.store.ListSigningKeys(ctx)
	if err != nil {
		return fmt.Errorf("keys: list: %w", err)
	}
	if _, ok := newestActive(ks); !ok {
		k, err := createKey(ctx, m.store, m.kek, m.now())
		if err != nil {
			return err
		}
		m.log.Info("created signing key", "kid", k.ID)
	}
	// Reload after creating: another instance may have created one too.
	return m.reloadLocked(ctx)
}

// Reload re-reads the store and atomically swaps in the new key set. The
// server calls it when the store generation changes, so every instance sees
// a rotation made by any other. On error the previous keys stay in use.
func (m *Manager) Reload(ctx context.Context) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.reloadLocked(ctx)
}

func (m *Manager) reloadLocked(ctx context.Context) error {
	ks, err := m.store.ListSigningKeys(ctx)
	if err != nil {
		return fmt.Errorf("keys: list: %w", err)
	}
	prev := m.snap.Load()
	s, err := buildSnapshot(ks, m.kek, m.now(), prev)
	if err != nil {
		return err
	}
	m.snap.Store(s)
	if prev == nil || prev.kid != s.kid {
		m.log.Info("signing key in use", "kid", s.kid, "published", len(s.public.Keys))
	}
	return nil
}

// Rotate creates a new active key that signs at once, retires the previous
// one (published for MaxTokenLifetime + PublishMargin) and deletes keys
// whose publication has ended. See RotateIn for rotating inside a
// transaction.
func (m *Manager) Rotate(ctx context.Context) (storage.SigningKey, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	k, retired, err := RotateIn(ctx, m.store, m.kek, m.now(), m.maxTTL)
	if err != nil {
		return storage.SigningKey{}, err
	}
	if err := m.reloadLocked(ctx); err != nil {
		return storage.SigningKey{}, err
	}
	m.log.Info("rotated signing key", "kid", k.ID, "retired", len(retired))
	return k, nil
}

// Signer returns the kid and private key to sign with. It does not touch
// the store and takes no lock.
func (m *Manager) Signer() (kid string, key crypto.Signer) {
	s := m.snap.Load()
	return s.kid, s.signer
}

// JWKS returns the public JWK Set document (RFC 7517 §5) to serve at
// jwks_uri: the signing key, any other active key and the retired keys
// whose PublishUntil was in the future at the last load. Each key has kid,
// use "sig" and alg "ES256". The slice is a copy.
func (m *Manager) JWKS() []byte {
	return slices.Clone(m.snap.Load().jwks)
}

// PublicKeys returns the published keys as a key set, for verifying our own
// tokens. The Keys slice is a copy; the keys themselves are shared and must
// not be modified.
func (m *Manager) PublicKeys() jose.JSONWebKeySet {
	return jose.JSONWebKeySet{Keys: slices.Clone(m.snap.Load().public.Keys)}
}

// List returns the metadata of every stored key at the last load, newest
// first, without private material.
func (m *Manager) List() []storage.SigningKey {
	ks := slices.Clone(m.snap.Load().keys)
	for i := range ks {
		ks[i].PublicJWK = slices.Clone(ks[i].PublicJWK)
	}
	return ks
}
