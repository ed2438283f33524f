package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/authplane/authplane/internal/storage"
)

// dbtx is what the aggregate methods need; both *pgxpool.Pool and pgx.Tx
// satisfy it, so every method is written once and runs either on its own
// (the pool) or inside Store.WithTx.
type dbtx interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults
	Begin(ctx context.Context) (pgx.Tx, error)
}

// queries implements storage.Tx over a dbtx.
type queries struct {
	db dbtx
}

var _ storage.Tx = queries{}

// SQLSTATE codes mapped to storage sentinels (PostgreSQL Appendix A).
const (
	codeUniqueViolation   = "23505"
	codeNotNullViolation  = "23502"
	codeCheckViolation    = "23514"
	codeInvalidText       = "22P02"
	codeBadCharacter      = "22021"
	codeUntranslatable    = "22P05"
	codeStringTooLong     = "22001"
	codeInvalidJSONText   = "22032"
	codeDatetimeOverflow  = "22008"
	codeNumericOutOfRange = "22003"
)

// wrapErr adds the operation to err and maps it to a storage sentinel:
// missing rows to ErrNotFound, unique violations to ErrConflict and
// constraint or encoding violations to ErrInvalid. The driver error stays in
// the chain for the operator.
func wrapErr(op string, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("postgres: %s: %w", op, storage.ErrNotFound)
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch pgErr.Code {
		case codeUniqueViolation:
			return fmt.Errorf("postgres: %s: %w: %w", op, storage.ErrConflict, err)
		case codeNotNullViolation, codeCheckViolation, codeInvalidText, codeBadCharacter,
			codeUntranslatable, codeStringTooLong, codeInvalidJSONText, codeDatetimeOverflow,
			codeNumericOutOfRange:
			return fmt.Errorf("postgres: %s: %w: %w", op, storage.ErrInvalid, err)
		}
	}
	return fmt.Errorf("postgres: %s: %w", op, err)
}

// execOne runs a statement that must touch exactly one existing row;
// touching none is ErrNotFound.
func (q queries) execOne(ctx context.Context, op, sql string, args ...any) error {
	tag, err := q.db.Exec(ctx, sql, args...)
	if err != nil {
		return wrapErr(op, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("postgres: %s: %w", op, storage.ErrNotFound)
	}
	return nil
}

// execCount runs a statement and returns how many rows it touched.
func (q queries) execCount(ctx context.Context, op, sql string, args ...any) (int64, error) {
	tag, err := q.db.Exec(ctx, sql, args...)
	if err != nil {
		return 0, wrapErr(op, err)
	}
	return tag.RowsAffected(), nil
}

// inTx runs fn in a transaction on db (a savepoint when db is already a
// transaction): committed if fn returns nil, rolled back otherwise and on
// panic. Errors from fn are returned unchanged.
func inTx(ctx context.Context, db dbtx, op string, fn func(q queries) error) error {
	tx, err := db.Begin(ctx)
	if err != nil {
		return fmt.Errorf("postgres: %s: begin: %w", op, err)
	}
	// Rollback after a successful Commit is a no-op; a detached context
	// lets it run even when ctx is already cancelled.
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
	if err := fn(queries{db: tx}); err != nil {
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return wrapErr(op+": commit", err)
	}
	return nil
}

// page normalises p and returns its cursor and limit.
func page(p storage.Page) (string, int) {
	p = p.Normalize()
	return p.After, p.Limit
}

// ts encodes t for a nullable TIMESTAMPTZ column: the zero time is NULL.
func ts(t time.Time) pgtype.Timestamptz {
	return pgtype.Timestamptz{Time: t.UTC(), Valid: !t.IsZero()}
}

// fromTS decodes a nullable TIMESTAMPTZ column into UTC (NULL is zero).
func fromTS(t pgtype.Timestamptz) time.Time {
	if !t.Valid {
		return time.Time{}
	}
	return t.Time.UTC()
}

// jsonDoc encodes a list, map or struct for a JSONB column; a nil slice or
// map becomes JSON null and an empty one [] or {}, so "no restriction" and
// "deny all" stay distinct.
func jsonDoc(v any) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	return string(b), nil
}

// rawDoc encodes a raw JSON document for a JSON column (kept byte for
// byte); empty is NULL.
func rawDoc(m json.RawMessage) any {
	if len(m) == 0 {
		return nil
	}
	return string(m)
}

// fromRaw decodes a JSON column scanned as bytes (NULL is nil).
func fromRaw(b []byte) json.RawMessage {
	if b == nil {
		return nil
	}
	return json.RawMessage(b)
}

// encodeLists encodes several lists (or maps) for JSONB columns.
func encodeLists(vs ...any) ([]string, error) {
	out := make([]string, len(vs))
	for i, v := range vs {
		s, err := jsonDoc(v)
		if err != nil {
			return nil, err
		}
		out[i] = s
	}
	return out, nil
}

// jsonField pairs a scanned JSONB column with the value it decodes into.
type jsonField struct {
	src []byte
	dst any
}

// decodeJSON decodes JSONB columns; JSON null leaves a slice or map nil.
func decodeJSON(fields ...jsonField) error {
	for _, f := range fields {
		if err := json.Unmarshal(f.src, f.dst); err != nil {
			return fmt.Errorf("decode json column: %w", err)
		}
	}
	return nil
}
