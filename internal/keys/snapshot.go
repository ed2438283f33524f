package keys

import (
	"crypto"
	"encoding/json"
	"fmt"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/authplane/authplane/internal/storage"
)

// snapshot is an immutable view of the keys at the last (re)load. It is
// replaced as a whole, never modified, so readers need no lock.
type snapshot struct {
	kid    string
	signer crypto.Signer
	// public holds the signer's public key first, then every other active
	// key and every retired key still to be published, newest first.
	public jose.JSONWebKeySet
	jwks   []byte
	// keys is every stored key, newest first, without private material.
	keys []storage.SigningKey
}

// newestActive returns the active key with the latest CreatedAt, ties
// broken by the greater kid, so every instance picks the same one.
func newestActive(ks []storage.SigningKey) (storage.SigningKey, bool) {
	var best storage.SigningKey
	found := false
	for _, k := range ks {
		if k.State != storage.KeyActive {
			continue
		}
		if !found || k.CreatedAt.After(best.CreatedAt) ||
			(k.CreatedAt.Equal(best.CreatedAt) && k.ID > best.ID) {
			best, found = k, true
		}
	}
	return best, found
}

// buildSnapshot turns the stored keys into a snapshot at now. prev, if not
// nil, lends its unsealed signer when the signing key has not changed, so a
// reload does not decrypt again.
func buildSnapshot(ks []storage.SigningKey, kek []byte, now time.Time, prev *snapshot) (*snapshot, error) {
	active, ok := newestActive(ks)
	if !ok {
		return nil, fmt.Errorf("keys: the store has no active signing key")
	}
	s := &snapshot{kid: active.ID, keys: make([]storage.SigningKey, 0, len(ks))}
	pub, err := parsePublic(active)
	if err != nil {
		return nil, err
	}
	if prev != nil && prev.kid == active.ID {
		s.signer = prev.signer
	} else if s.signer, err = openPrivate(kek, active, pub); err != nil {
		return nil, err
	}
	s.public.Keys = append(s.public.Keys, publicJWK(pub, active.ID))
	for _, k := range ks {
		s.keys = append(s.keys, metadata(k))
		if k.ID == active.ID || !published(k, now) {
			continue
		}
		p, err := parsePublic(k)
		if err != nil {
			return nil, err
		}
		s.public.Keys = append(s.public.Keys, publicJWK(p, k.ID))
	}
	if s.jwks, err = json.Marshal(s.public); err != nil {
		return nil, fmt.Errorf("keys: marshal JWKS: %w", err)
	}
	return s, nil
}

// published reports whether k belongs in the JWKS at now: every active key
// (see Manager on concurrent creation) and retired keys until PublishUntil.
func published(k storage.SigningKey, now time.Time) bool {
	switch k.State {
	case storage.KeyActive:
		return true
	case storage.KeyRetired:
		return now.Before(k.PublishUntil)
	default:
		return false
	}
}
