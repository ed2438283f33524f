package idprole

import (
	"context"
	"database/sql"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"time"

	"github.com/pressly/goose/v3"
	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver

	"github.com/authplane/authplane/internal/storage"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// store is the IdP role's own SQLite database. It is a compact,
// development-grade store: one pool, WAL, BEGIN IMMEDIATE for writes and a
// busy timeout that covers the CLI writing while `idp serve` runs.
type store struct {
	db *sql.DB
}

// dsn configures every connection of the pool.
func dsn(path string) string {
	return path + "?_txlock=immediate&_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)" +
		"&_pragma=synchronous(FULL)&_pragma=foreign_keys(1)"
}

// openStore opens (creating if needed) and migrates the database at path.
func openStore(ctx context.Context, path string) (*store, error) {
	db, err := sql.Open("sqlite", dsn(path))
	if err != nil {
		return nil, fmt.Errorf("idprole: open store: %w", err)
	}
	db.SetMaxOpenConns(4)
	db.SetMaxIdleConns(4)
	db.SetConnMaxLifetime(0)
	if err := db.PingContext(ctx); err != nil {
		return nil, errors.Join(fmt.Errorf("idprole: open store: %w", err), db.Close())
	}
	fsys, err := fs.Sub(migrationFS, "migrations")
	if err != nil {
		return nil, errors.Join(err, db.Close())
	}
	p, err := goose.NewProvider(goose.DialectSQLite3, db, fsys, goose.WithDisableGlobalRegistry(true))
	if err != nil {
		return nil, errors.Join(fmt.Errorf("idprole: migrations: %w", err), db.Close())
	}
	if _, err := p.Up(ctx); err != nil {
		return nil, errors.Join(fmt.Errorf("idprole: migrate: %w", err), db.Close())
	}
	return &store{db: db}, nil
}

func (s *store) close() error { return s.db.Close() }

// inTx runs fn in one immediate transaction, committed if fn returns nil.
func (s *store) inTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("idprole: begin: %w", err)
	}
	if err := fn(tx); err != nil {
		return errors.Join(err, ignoreDone(tx.Rollback()))
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("idprole: commit: %w", err)
	}
	return nil
}

func ignoreDone(err error) error {
	if errors.Is(err, sql.ErrTxDone) {
		return nil
	}
	return err
}

// execOne runs an INSERT … ON CONFLICT DO NOTHING or an UPDATE/DELETE that
// must touch exactly one row: zero rows is none (ErrConflict for an insert,
// ErrNotFound otherwise).
func execOne(ctx context.Context, q interface {
	ExecContext(context.Context, string, ...any) (sql.Result, error)
}, none error, what, query string, args ...any) error {
	res, err := q.ExecContext(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("idprole: %s: %w", what, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("idprole: %s: %w", what, err)
	}
	if n == 0 {
		return fmt.Errorf("%w: %s", none, what)
	}
	return nil
}

// ms returns t as unix milliseconds, 0 for the zero time.
func ms(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

// fromMS reverses ms.
func fromMS(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return time.UnixMilli(v).UTC()
}

// toJSON encodes v for a JSON TEXT column.
func toJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic("idprole: marshal column: " + err.Error()) // only plain slices and maps are stored
	}
	return string(b)
}

// fromJSON decodes a JSON TEXT column into dst.
func fromJSON(col, s string, dst any) error {
	if err := json.Unmarshal([]byte(s), dst); err != nil {
		return fmt.Errorf("idprole: column %s: %w", col, err)
	}
	return nil
}

// errNotFound and errConflict are the storage sentinels, used by this
// package's own store too so callers test one set of errors.
var (
	errNotFound = storage.ErrNotFound
	errConflict = storage.ErrConflict
)
