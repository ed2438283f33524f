package sqlite

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"fmt"
	"time"

	"github.com/authplane/authplane/internal/storage"
)

// jtiHash is the bounded key of a consumed pair (RAS-24): the jti itself,
// up to 256 bytes of attacker-chosen text, is never stored.
func jtiHash(issuer, jti string) []byte {
	h := sha256.New()
	h.Write([]byte(issuer))
	h.Write([]byte{0})
	h.Write([]byte(jti))
	return h.Sum(nil)
}

// ConsumeJTI implements storage.JTIs with one INSERT … ON CONFLICT DO
// NOTHING: the statement either records the pair or changes nothing, so
// there is no check-then-insert window (STYLE.md).
func (o *ops) ConsumeJTI(ctx context.Context, j storage.ConsumedJTI) error {
	res, err := o.q.ExecContext(ctx,
		"INSERT INTO consumed_jtis (hash, expires_at) VALUES (?, ?) ON CONFLICT (hash) DO NOTHING",
		jtiHash(j.Issuer, j.JTI), j.ExpiresAt.UnixMilli())
	if err != nil {
		return wrap("consume jti", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return wrap("consume jti", err)
	}
	if n == 0 {
		return wrap("consume jti", storage.ErrReplay)
	}
	return nil
}

// PurgeExpiredJTIs implements storage.JTIs.
func (o *ops) PurgeExpiredJTIs(ctx context.Context, now time.Time) (int64, error) {
	res, err := o.q.ExecContext(ctx, "DELETE FROM consumed_jtis WHERE expires_at < ?", now.UnixMilli())
	if err != nil {
		return 0, wrap("purge jtis", err)
	}
	n, err := res.RowsAffected()
	return n, wrap("purge jtis", err)
}

// AddRevocation implements storage.Revocations.
func (o *ops) AddRevocation(ctx context.Context, r storage.Revocation) error {
	if r.Kind == "" || r.Value == "" {
		return wrap("add revocation", fmt.Errorf("%w: empty kind or value", storage.ErrInvalid))
	}
	_, err := o.q.ExecContext(ctx, `INSERT INTO revocations (kind, value, revoked_at, expires_at, reason)
		VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (kind, value) DO UPDATE SET
			revoked_at = excluded.revoked_at, expires_at = excluded.expires_at, reason = excluded.reason`,
		r.Kind, r.Value, millis(r.At), r.ExpiresAt.UnixMilli(), r.Reason)
	if err != nil {
		return wrap("add revocation", err)
	}
	return wrap("add revocation", o.bump(ctx))
}

// ListRevocations implements storage.Revocations: every revocation not yet
// purgeable at now (ExpiresAt not before now), ordered by kind and value.
func (o *ops) ListRevocations(ctx context.Context, now time.Time) ([]storage.Revocation, error) {
	const q = `SELECT kind, value, revoked_at, expires_at, reason FROM revocations
		WHERE expires_at >= ? ORDER BY kind, value`
	return wrapV[[]storage.Revocation]("list revocations")(queryAll(ctx, o, scanRevocation, q, now.UnixMilli()))
}

func scanRevocation(sc scanner) (storage.Revocation, error) {
	var (
		r       storage.Revocation
		at      sql.NullInt64
		expires int64
	)
	err := sc.Scan(&r.Kind, &r.Value, &at, &expires, &r.Reason)
	r.At, r.ExpiresAt = fromMillis(at), time.UnixMilli(expires).UTC()
	return r, err
}

// PurgeExpiredRevocations implements storage.Revocations.
func (o *ops) PurgeExpiredRevocations(ctx context.Context, now time.Time) (int64, error) {
	return wrapV[int64]("purge revocations")(o.deleteCounting(ctx,
		"DELETE FROM revocations WHERE expires_at < ?", now.UnixMilli()))
}
