package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/authplane/authplane/internal/storage"
)

// querier is what both the writer's *sql.Tx and the reader *sql.DB offer.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// scanner is a *sql.Row or *sql.Rows.
type scanner interface {
	Scan(dest ...any) error
}

// millis encodes t as unix milliseconds UTC; the zero time is NULL so that
// it survives the round trip as the zero time.
func millis(t time.Time) sql.NullInt64 {
	if t.IsZero() {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: t.UnixMilli(), Valid: true}
}

// fromMillis decodes a millis column back into a UTC time.
func fromMillis(n sql.NullInt64) time.Time {
	if !n.Valid {
		return time.Time{}
	}
	return time.UnixMilli(n.Int64).UTC()
}

// jsonText encodes an optional list or map as JSON TEXT: a nil value
// becomes "null", an empty one "[]" or "{}", keeping "no restriction" and
// "deny all" apart.
func jsonText(v any) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("%w: %w", storage.ErrInvalid, err)
	}
	return string(b), nil
}

// fromJSON decodes a column written by jsonText into dst.
func fromJSON(s string, dst any) error {
	if err := json.Unmarshal([]byte(s), dst); err != nil {
		return fmt.Errorf("decode json column: %w", err)
	}
	return nil
}

// rawText stores a JSON document verbatim; an empty one is NULL.
func rawText(raw []byte) sql.NullString {
	if len(raw) == 0 {
		return sql.NullString{}
	}
	return sql.NullString{String: string(raw), Valid: true}
}

// fromRawText reverses rawText.
func fromRawText(s sql.NullString) json.RawMessage {
	if !s.Valid || s.String == "" {
		return nil
	}
	return json.RawMessage(s.String)
}

// blob stores bytes; empty bytes are NULL.
func blob(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return b
}

// fromBlob normalises an empty blob to nil.
func fromBlob(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return b
}

// isUnique reports whether err is a UNIQUE or PRIMARY KEY violation,
// judged by the SQLite extended result code rather than the message.
func isUnique(err error) bool {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return false
	}
	switch se.Code() {
	case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
		return true
	}
	return false
}

// isBusy reports whether err is SQLITE_BUSY or SQLITE_LOCKED (any extended
// code).
func isBusy(err error) bool {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return false
	}
	switch se.Code() & 0xff {
	case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
		return true
	}
	return false
}

// mapErr turns unique violations into storage.ErrConflict, keeping the
// driver error in the chain for the operator.
func mapErr(err error) error {
	if isUnique(err) {
		return fmt.Errorf("%w: %w", storage.ErrConflict, err)
	}
	return err
}

// oneRow maps the outcome of a single-row UPDATE or DELETE: no row affected
// means the record does not exist.
func oneRow(res sql.Result, err error) error {
	if err != nil {
		return mapErr(err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return storage.ErrNotFound
	}
	return nil
}

// noRows maps sql.ErrNoRows to storage.ErrNotFound.
func noRows(err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return storage.ErrNotFound
	}
	return err
}

// requireID returns storage.ErrInvalid when any of ids is empty.
func requireID(ids ...string) error {
	for _, id := range ids {
		if id == "" {
			return fmt.Errorf("%w: empty id", storage.ErrInvalid)
		}
	}
	return nil
}
