package admin

import (
	"context"
	"time"

	"github.com/authplane/authplane/internal/storage"
)

// Items is the shape of an unpaged list response.
type Items[T any] struct {
	Items []T `json:"items"`
}

// KeyDTO is the public metadata of one of AuthPlane's signing keys; the key
// material never leaves the keys package through the admin API.
type KeyDTO struct {
	Kid          string    `json:"kid"`
	Alg          string    `json:"alg"`
	State        string    `json:"state"`
	CreatedAt    time.Time `json:"created_at"`
	RetiredAt    time.Time `json:"retired_at,omitzero"`
	PublishUntil time.Time `json:"publish_until,omitzero"`
}

// KeyRotation is the outcome of a key rotation: the new active key and the
// keys it retired (still published until their last token expires).
type KeyRotation struct {
	Kid     string   `json:"kid"`
	Retired []string `json:"retired"`
}

// KeyFromStorage converts a stored signing key's metadata.
func KeyFromStorage(k storage.SigningKey) KeyDTO {
	return KeyDTO{Kid: k.ID, Alg: k.Alg, State: k.State, CreatedAt: k.CreatedAt, RetiredAt: k.RetiredAt, PublishUntil: k.PublishUntil}
}

// ListKeys lists the signing keys, newest first: those the key manager
// knows, or without one, those in the store.
func (s *Service) ListKeys(ctx context.Context) (Items[KeyDTO], error) {
	var ks []storage.SigningKey
	if s.d.Keys != nil {
		ks = s.d.Keys.List()
	} else {
		var err error
		if ks, err = s.d.Store.ListSigningKeys(ctx); err != nil {
			return Items[KeyDTO]{}, err
		}
	}
	out := Items[KeyDTO]{Items: make([]KeyDTO, 0, len(ks))}
	for _, k := range ks {
		out.Items = append(out.Items, KeyFromStorage(k))
	}
	return out, nil
}

// RotateKeys creates a new active signing key and retires the previous
// ones, in one transaction with the audit event, then reloads the key
// manager. A failed reload is logged: the rotation is committed and every
// instance picks it up on its next reload.
func (s *Service) RotateKeys(ctx context.Context, c Caller) (KeyRotation, error) {
	if s.d.Keys == nil {
		return KeyRotation{}, ErrUnavailable
	}
	var out KeyRotation
	err := s.d.Store.WithTx(ctx, func(tx storage.Tx) error {
		nk, retired, err := s.d.Keys.RotateIn(ctx, tx)
		if err != nil {
			return err
		}
		out = KeyRotation{Kid: nk.ID, Retired: make([]string, 0, len(retired))}
		for _, k := range retired {
			out.Retired = append(out.Retired, k.ID)
		}
		return s.record(ctx, tx, c, "admin.key.rotate", nil, out, nil)
	})
	if err != nil {
		return KeyRotation{}, err
	}
	if err := s.d.Keys.Reload(ctx); err != nil {
		s.d.Logger.Error("admin: reload signing keys after rotation", "kid", out.Kid, "err", err)
	}
	return out, nil
}
