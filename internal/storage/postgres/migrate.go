package postgres

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"

	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// migrationTable is goose's version table, named so that it cannot collide
// with another application's goose table in a shared schema.
const migrationTable = "authplane_migrations"

// Migrate applies every pending migration. It holds a session advisory lock
// (see schemaLocker) for the whole run, so instances starting at once migrate
// one after the other and the later ones find nothing to do.
func (s *Store) Migrate(ctx context.Context) error {
	fsys, err := fs.Sub(migrationFiles, "migrations")
	if err != nil {
		return fmt.Errorf("postgres: migrate: %w", err)
	}
	// goose speaks database/sql; the adapter borrows connections from the
	// pool, so they carry the DSN's search_path. Closing it leaves the pool.
	db := stdlib.OpenDBFromPool(s.pool)
	defer db.Close()
	p, err := goose.NewProvider(goose.DialectPostgres, db, fsys,
		goose.WithTableName(migrationTable),
		goose.WithSessionLocker(schemaLocker{}),
		goose.WithDisableGlobalRegistry(true),
	)
	if err != nil {
		return fmt.Errorf("postgres: migrate: %w", err)
	}
	results, err := p.Up(ctx)
	if err != nil {
		return fmt.Errorf("postgres: migrate: %w", err)
	}
	for _, r := range results {
		s.log.Info("postgres: applied migration", "version", r.Source.Version,
			"file", r.Source.Path, "duration", r.Duration)
	}
	return nil
}

// lockKey names the migration advisory lock of the current schema, so that
// deployments in different schemas of one database do not wait for each
// other. hashtextextended maps it onto the bigint key space.
const lockKey = `hashtextextended('authplane.migrate.' || coalesce(current_schema(), ''), 0)`

// schemaLocker is a goose session locker that blocks in pg_advisory_lock
// (rather than polling pg_try_advisory_lock every few seconds, as goose's
// NewPostgresSessionLocker does) on a key scoped to the schema. The lock
// belongs to the session, so it is released if the migrating process dies.
type schemaLocker struct{}

var _ lock.SessionLocker = schemaLocker{}

// SessionLock waits for the schema's migration lock on conn.
func (schemaLocker) SessionLock(ctx context.Context, conn *sql.Conn) error {
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock(`+lockKey+`)`); err != nil {
		return fmt.Errorf("acquire migration lock: %w", err)
	}
	return nil
}

// SessionUnlock releases the schema's migration lock held by conn.
func (schemaLocker) SessionUnlock(ctx context.Context, conn *sql.Conn) error {
	var released bool
	if err := conn.QueryRowContext(ctx, `SELECT pg_advisory_unlock(`+lockKey+`)`).Scan(&released); err != nil {
		return fmt.Errorf("release migration lock: %w", err)
	}
	if !released {
		return fmt.Errorf("release migration lock: lock was not held")
	}
	return nil
}
