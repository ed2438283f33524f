package postgres

import (
	"context"
	"crypto/sha256"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/authplane/authplane/internal/storage"
)

// jtiKey is the bounded replay key of (issuer, jti): sha256(iss || 0x00 ||
// jti) (RAS-24). The separator keeps ("ab", "c") and ("a", "bc") apart.
func jtiKey(issuer, jti string) []byte {
	h := sha256.New()
	h.Write([]byte(issuer))
	h.Write([]byte{0})
	h.Write([]byte(jti))
	return h.Sum(nil)
}

// ConsumeJTI records (j.Issuer, j.JTI) in one INSERT … ON CONFLICT DO
// NOTHING; no row inserted means the pair was already consumed (ErrReplay).
// The unique index makes this atomic across connections and instances.
func (q queries) ConsumeJTI(ctx context.Context, j storage.ConsumedJTI) error {
	tag, err := q.db.Exec(ctx, `INSERT INTO consumed_jtis (key, expires_at) VALUES ($1, $2)
		ON CONFLICT (key) DO NOTHING`, jtiKey(j.Issuer, j.JTI), j.ExpiresAt.UTC())
	if err != nil {
		return wrapErr("consume jti", err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("postgres: consume jti: %w", storage.ErrReplay)
	}
	return nil
}

// PurgeExpiredJTIs removes pairs whose ExpiresAt is before now.
func (q queries) PurgeExpiredJTIs(ctx context.Context, now time.Time) (int64, error) {
	return q.execCount(ctx, "purge expired jtis", `DELETE FROM consumed_jtis WHERE expires_at < $1`, now.UTC())
}

// AddRevocation records r, replacing an earlier revocation of the same
// (Kind, Value).
func (q queries) AddRevocation(ctx context.Context, r storage.Revocation) error {
	_, err := q.db.Exec(ctx, `INSERT INTO revocations (kind, value, at, expires_at, reason)
		VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (kind, value) DO UPDATE SET at = EXCLUDED.at, expires_at = EXCLUDED.expires_at,
			reason = EXCLUDED.reason`,
		r.Kind, r.Value, ts(r.At), r.ExpiresAt.UTC(), r.Reason)
	return wrapErr("add revocation", err)
}

// ListRevocations returns every revocation not yet expired at now (ExpiresAt
// not before now), ordered by (Kind, Value).
func (q queries) ListRevocations(ctx context.Context, now time.Time) ([]storage.Revocation, error) {
	return listRows(ctx, q, "list revocations", scanRevocation, `SELECT kind, value, at, expires_at, reason
		FROM revocations WHERE expires_at >= $1 ORDER BY kind, value`, now.UTC())
}

// PurgeExpiredRevocations removes revocations whose ExpiresAt is before now.
func (q queries) PurgeExpiredRevocations(ctx context.Context, now time.Time) (int64, error) {
	return q.execCount(ctx, "purge expired revocations", `DELETE FROM revocations WHERE expires_at < $1`, now.UTC())
}

func scanRevocation(row pgx.Row) (storage.Revocation, error) {
	var (
		r         storage.Revocation
		at        pgtype.Timestamptz
		expiresAt time.Time
	)
	err := row.Scan(&r.Kind, &r.Value, &at, &expiresAt, &r.Reason)
	r.At, r.ExpiresAt = fromTS(at), expiresAt.UTC()
	return r, err
}
