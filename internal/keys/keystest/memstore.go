// Package keystest provides an in-memory keys.Store for tests of packages
// that need a keys.Manager before a real storage backend is wired in. It
// follows the storage.SigningKeys contract: sentinel errors, newest-first
// listing and deep copies in and out.
package keystest

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/authplane/authplane/internal/storage"
)

// MemStore is an in-memory implementation of keys.Store, safe for
// concurrent use. The zero value is ready to use.
type MemStore struct {
	mu   sync.Mutex
	keys map[string]storage.SigningKey
}

// CreateSigningKey stores k; ErrInvalid for an empty id, ErrConflict for a
// duplicate.
func (s *MemStore) CreateSigningKey(_ context.Context, k storage.SigningKey) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if k.ID == "" {
		return fmt.Errorf("%w: empty signing key id", storage.ErrInvalid)
	}
	if _, ok := s.keys[k.ID]; ok {
		return fmt.Errorf("%w: signing key %s", storage.ErrConflict, k.ID)
	}
	if s.keys == nil {
		s.keys = map[string]storage.SigningKey{}
	}
	s.keys[k.ID] = clone(k)
	return nil
}

// UpdateSigningKey replaces the key with k.ID; ErrNotFound if absent.
func (s *MemStore) UpdateSigningKey(_ context.Context, k storage.SigningKey) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.keys[k.ID]; !ok {
		return fmt.Errorf("%w: signing key %s", storage.ErrNotFound, k.ID)
	}
	s.keys[k.ID] = clone(k)
	return nil
}

// ListSigningKeys returns every key, newest first (CreatedAt, then id).
func (s *MemStore) ListSigningKeys(_ context.Context) ([]storage.SigningKey, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]storage.SigningKey, 0, len(s.keys))
	for _, k := range s.keys {
		out = append(out, clone(k))
	}
	slices.SortFunc(out, func(a, b storage.SigningKey) int {
		if c := b.CreatedAt.Compare(a.CreatedAt); c != 0 {
			return c
		}
		return cmp.Compare(b.ID, a.ID)
	})
	return out, nil
}

// DeleteSigningKeysBefore removes retired keys whose PublishUntil is before
// t.
func (s *MemStore) DeleteSigningKeysBefore(_ context.Context, t time.Time) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var n int64
	for id, k := range s.keys {
		if k.State == storage.KeyRetired && k.PublishUntil.Before(t) {
			delete(s.keys, id)
			n++
		}
	}
	return n, nil
}

func clone(k storage.SigningKey) storage.SigningKey {
	k.PublicJWK = bytes.Clone(k.PublicJWK)
	k.PrivateSealed = bytes.Clone(k.PrivateSealed)
	return k
}
