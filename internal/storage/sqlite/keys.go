package sqlite

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"github.com/authplane/authplane/internal/storage"
)

func signingKeysTable() table[storage.SigningKey] {
	return table[storage.SigningKey]{
		name: "signing_keys",
		cols: []string{"id", "alg", "public_jwk", "private_sealed", "state", "created_at", "retired_at", "publish_until"},
		keys: 1,
		args: func(k storage.SigningKey) ([]any, error) {
			if err := requireID(k.ID); err != nil {
				return nil, err
			}
			return []any{k.ID, k.Alg, rawText(k.PublicJWK), blob(k.PrivateSealed), k.State,
				millis(k.CreatedAt), millis(k.RetiredAt), millis(k.PublishUntil)}, nil
		},
		scan: func(sc scanner) (storage.SigningKey, error) {
			var (
				k                       storage.SigningKey
				jwk                     sql.NullString
				created, retired, until sql.NullInt64
			)
			err := sc.Scan(&k.ID, &k.Alg, &jwk, &k.PrivateSealed, &k.State, &created, &retired, &until)
			k.PublicJWK, k.PrivateSealed = fromRawText(jwk), fromBlob(k.PrivateSealed)
			k.CreatedAt, k.RetiredAt, k.PublishUntil = fromMillis(created), fromMillis(retired), fromMillis(until)
			return k, err
		},
	}
}

// CreateSigningKey implements storage.SigningKeys.
func (o *ops) CreateSigningKey(ctx context.Context, k storage.SigningKey) error {
	return wrap("create signing key", signingKeysTable().create(ctx, o, k))
}

// UpdateSigningKey implements storage.SigningKeys.
func (o *ops) UpdateSigningKey(ctx context.Context, k storage.SigningKey) error {
	return wrap("update signing key", signingKeysTable().update(ctx, o, k))
}

// ListSigningKeys implements storage.SigningKeys: newest first, ties
// broken by id, descending.
func (o *ops) ListSigningKeys(ctx context.Context) ([]storage.SigningKey, error) {
	tb := signingKeysTable()
	q := "SELECT " + strings.Join(tb.cols, ", ") + " FROM signing_keys ORDER BY created_at DESC, id DESC"
	return wrapV[[]storage.SigningKey]("list signing keys")(queryAll(ctx, o, tb.scan, q))
}

// DeleteSigningKeysBefore implements storage.SigningKeys. Active keys and
// retired keys without a PublishUntil are never removed.
func (o *ops) DeleteSigningKeysBefore(ctx context.Context, t time.Time) (int64, error) {
	return wrapV[int64]("delete signing keys")(o.deleteCounting(ctx,
		"DELETE FROM signing_keys WHERE state = ? AND publish_until < ?", storage.KeyRetired, t.UnixMilli()))
}

// deleteCounting runs a multi-row DELETE and bumps the generation if it
// removed anything.
func (o *ops) deleteCounting(ctx context.Context, q string, args ...any) (int64, error) {
	res, err := o.q.ExecContext(ctx, q, args...)
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	if err != nil || n == 0 {
		return n, err
	}
	return n, o.bump(ctx)
}

func idpKeyStateCols() string {
	return "idp_id, jwks, jwks_uri, fetched_at, expires_at, last_attempt, last_error, refresh_requested"
}

// PutIdPKeyState implements storage.IdPKeys. Key state is operational
// data, not configuration: it does not bump the generation.
func (o *ops) PutIdPKeyState(ctx context.Context, s storage.IdPKeyState) error {
	if err := requireID(s.IdPID); err != nil {
		return wrap("put idp key state", err)
	}
	_, err := o.q.ExecContext(ctx, "INSERT OR REPLACE INTO idp_key_states ("+idpKeyStateCols()+") VALUES ("+marks(8)+")",
		s.IdPID, blob(s.JWKS), s.JWKSURI, millis(s.FetchedAt), millis(s.ExpiresAt), millis(s.LastAttempt),
		s.LastError, millis(s.RefreshRequested))
	return wrap("put idp key state", err)
}

// GetIdPKeyState implements storage.IdPKeys.
func (o *ops) GetIdPKeyState(ctx context.Context, idpID string) (storage.IdPKeyState, error) {
	var (
		s                                  storage.IdPKeyState
		fetched, expires, attempt, refresh sql.NullInt64
	)
	err := o.q.QueryRowContext(ctx, "SELECT "+idpKeyStateCols()+" FROM idp_key_states WHERE idp_id = ?", idpID).
		Scan(&s.IdPID, &s.JWKS, &s.JWKSURI, &fetched, &expires, &attempt, &s.LastError, &refresh)
	if err != nil {
		return storage.IdPKeyState{}, wrap("get idp key state", noRows(err))
	}
	s.JWKS = fromBlob(s.JWKS)
	s.FetchedAt, s.ExpiresAt = fromMillis(fetched), fromMillis(expires)
	s.LastAttempt, s.RefreshRequested = fromMillis(attempt), fromMillis(refresh)
	return s, nil
}

// DeleteIdPKeyState implements storage.IdPKeys.
func (o *ops) DeleteIdPKeyState(ctx context.Context, idpID string) error {
	return wrap("delete idp key state", oneRow(o.q.ExecContext(ctx, "DELETE FROM idp_key_states WHERE idp_id = ?", idpID)))
}
