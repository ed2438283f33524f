package idprole

import (
	"context"
	"fmt"
	"time"

	"github.com/authplane/authplane/internal/keys"
	"github.com/authplane/authplane/internal/storage"
)

// keyStore implements keys.Store on the IdP role's database, so the IdP's
// signing keys are sealed at rest under its own KEK like AuthPlane's.
type keyStore struct{ s *store }

var _ keys.Store = keyStore{}

const keyCols = "id, alg, public_jwk, private_sealed, state, created_at, retired_at, publish_until"

// CreateSigningKey implements keys.Store.
func (k keyStore) CreateSigningKey(ctx context.Context, sk storage.SigningKey) error {
	if sk.ID == "" {
		return fmt.Errorf("%w: empty signing key id", storage.ErrInvalid)
	}
	return execOne(ctx, k.s.db, errConflict, "signing key "+sk.ID,
		"INSERT INTO signing_keys ("+keyCols+") VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
		sk.ID, sk.Alg, string(sk.PublicJWK), sk.PrivateSealed, sk.State,
		ms(sk.CreatedAt), ms(sk.RetiredAt), ms(sk.PublishUntil))
}

// UpdateSigningKey implements keys.Store.
func (k keyStore) UpdateSigningKey(ctx context.Context, sk storage.SigningKey) error {
	return execOne(ctx, k.s.db, errNotFound, "signing key "+sk.ID,
		`UPDATE signing_keys SET alg = ?, public_jwk = ?, private_sealed = ?, state = ?,
		 created_at = ?, retired_at = ?, publish_until = ? WHERE id = ?`,
		sk.Alg, string(sk.PublicJWK), sk.PrivateSealed, sk.State,
		ms(sk.CreatedAt), ms(sk.RetiredAt), ms(sk.PublishUntil), sk.ID)
}

// ListSigningKeys implements keys.Store: newest first.
func (k keyStore) ListSigningKeys(ctx context.Context) ([]storage.SigningKey, error) {
	rows, err := k.s.db.QueryContext(ctx, "SELECT "+keyCols+" FROM signing_keys ORDER BY created_at DESC, id DESC")
	if err != nil {
		return nil, fmt.Errorf("idprole: list signing keys: %w", err)
	}
	defer rows.Close()
	var out []storage.SigningKey
	for rows.Next() {
		var sk storage.SigningKey
		var pub string
		var created, retired, until int64
		if err := rows.Scan(&sk.ID, &sk.Alg, &pub, &sk.PrivateSealed, &sk.State, &created, &retired, &until); err != nil {
			return nil, fmt.Errorf("idprole: list signing keys: %w", err)
		}
		sk.PublicJWK = []byte(pub)
		sk.CreatedAt, sk.RetiredAt, sk.PublishUntil = fromMS(created), fromMS(retired), fromMS(until)
		out = append(out, sk)
	}
	return out, rows.Err()
}

// DeleteSigningKeysBefore implements keys.Store.
func (k keyStore) DeleteSigningKeysBefore(ctx context.Context, t time.Time) (int64, error) {
	res, err := k.s.db.ExecContext(ctx, "DELETE FROM signing_keys WHERE state = ? AND publish_until < ?",
		storage.KeyRetired, ms(t))
	if err != nil {
		return 0, fmt.Errorf("idprole: delete signing keys: %w", err)
	}
	return res.RowsAffected()
}
