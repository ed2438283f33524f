package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/authplane/authplane/internal/storage"
)

const signingKeyCols = `id, alg, public_jwk, private_sealed, state, created_at, retired_at, publish_until`

func signingKeyArgs(k storage.SigningKey) []any {
	return []any{k.ID, k.Alg, rawDoc(k.PublicJWK), k.PrivateSealed, k.State,
		ts(k.CreatedAt), ts(k.RetiredAt), ts(k.PublishUntil)}
}

func scanSigningKey(row pgx.Row) (storage.SigningKey, error) {
	var (
		k                                 storage.SigningKey
		jwk                               []byte
		createdAt, retiredAt, publishedTo pgtype.Timestamptz
	)
	err := row.Scan(&k.ID, &k.Alg, &jwk, &k.PrivateSealed, &k.State, &createdAt, &retiredAt, &publishedTo)
	k.PublicJWK = fromRaw(jwk)
	k.CreatedAt, k.RetiredAt, k.PublishUntil = fromTS(createdAt), fromTS(retiredAt), fromTS(publishedTo)
	return k, err
}

// CreateSigningKey inserts k; ErrConflict if its id exists.
func (q queries) CreateSigningKey(ctx context.Context, k storage.SigningKey) error {
	_, err := q.db.Exec(ctx, `INSERT INTO signing_keys (`+signingKeyCols+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, signingKeyArgs(k)...)
	return wrapErr("create signing key", err)
}

// UpdateSigningKey replaces the key k.ID;
// ErrNotFound if absent.
func (q queries) UpdateSigningKey(ctx context.Context, k storage.SigningKey) error {
	return q.execOne(ctx, "update signing key", `UPDATE signing_keys SET alg = $2, public_jwk = $3,
		private_sealed = $4, state = $5, created_at = $6, retired_at = $7,
		publish_until = $8 WHERE id = $1`, signingKeyArgs(k)...)
}

// ListSigningKeys returns every key, newest first.
func (q queries) ListSigningKeys(ctx context.Context) ([]storage.SigningKey, error) {
	return listRows(ctx, q, "list signing keys", scanSigningKey, `SELECT `+signingKeyCols+`
		FROM signing_keys ORDER BY created_at DESC NULLS LAST, id DESC`)
}

// DeleteSigningKeysBefore removes retired keys whose PublishUntil is before
// t. A retired key without PublishUntil is kept: it may still verify tokens.
func (q queries) DeleteSigningKeysBefore(ctx context.Context, t time.Time) (int64, error) {
	return q.execCount(ctx, "delete signing keys", `DELETE FROM signing_keys
		WHERE state = $1 AND publish_until < $2`, storage.KeyRetired, t.UTC())
}

const idpKeyStateCols = `idp_id, jwks, jwks_uri, fetched_at, expires_at, last_attempt, last_error,
	refresh_requested`

// PutIdPKeyState upserts the key state of s.IdPID.
func (q queries) PutIdPKeyState(ctx context.Context, s storage.IdPKeyState) error {
	_, err := q.db.Exec(ctx, `INSERT INTO idp_key_states (`+idpKeyStateCols+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
		ON CONFLICT (idp_id) DO UPDATE SET jwks = EXCLUDED.jwks, jwks_uri = EXCLUDED.jwks_uri,
			fetched_at = EXCLUDED.fetched_at, expires_at = EXCLUDED.expires_at,
			last_attempt = EXCLUDED.last_attempt, last_error = EXCLUDED.last_error,
			refresh_requested = EXCLUDED.refresh_requested`,
		s.IdPID, s.JWKS, s.JWKSURI, ts(s.FetchedAt), ts(s.ExpiresAt), ts(s.LastAttempt), s.LastError,
		ts(s.RefreshRequested))
	return wrapErr("put idp key state", err)
}

// GetIdPKeyState returns the key state of idpID; ErrNotFound if absent.
func (q queries) GetIdPKeyState(ctx context.Context, idpID string) (storage.IdPKeyState, error) {
	var (
		s                                        storage.IdPKeyState
		fetched, expires, attempted, refreshedAt pgtype.Timestamptz
	)
	err := q.db.QueryRow(ctx, `SELECT `+idpKeyStateCols+` FROM idp_key_states WHERE idp_id = $1`, idpID).
		Scan(&s.IdPID, &s.JWKS, &s.JWKSURI, &fetched, &expires, &attempted, &s.LastError, &refreshedAt)
	if err != nil {
		return storage.IdPKeyState{}, wrapErr("get idp key state", err)
	}
	s.FetchedAt, s.ExpiresAt = fromTS(fetched), fromTS(expires)
	s.LastAttempt, s.RefreshRequested = fromTS(attempted), fromTS(refreshedAt)
	return s, nil
}

// DeleteIdPKeyState removes the key state of idpID; ErrNotFound if absent.
func (q queries) DeleteIdPKeyState(ctx context.Context, idpID string) error {
	return q.execOne(ctx, "delete idp key state", `DELETE FROM idp_key_states WHERE idp_id = $1`, idpID)
}
