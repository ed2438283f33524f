package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/pressly/goose/v3"
	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver

	"github.com/authplane/authplane/internal/storage"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

var _ storage.Store = (*Store)(nil)

// readerConns is the size of the read-only pool. WAL readers never block
// the writer nor each other.
const readerConns = 4

// Options configures Open.
type Options struct {
	// Logger receives migration and lifecycle messages; nil discards them.
	Logger *slog.Logger
	// SkipMigrate opens the database without applying pending migrations
	// (for example when an operator runs them separately).
	SkipMigrate bool

	// noLookupIndexer leaves the audit lookup to explicit indexLookups
	// calls (tests).
	noLookupIndexer bool
}

// Store is the SQLite storage backend. It is safe for concurrent use.
type Store struct {
	// writer has exactly one connection: every write and every
	// transaction runs on it, so SQLite never reports SQLITE_BUSY between
	// our own writers and BEGIN IMMEDIATE takes the lock at once.
	writer *sql.DB
	// reader is a read-only pool for the Store's own reads.
	reader *sql.DB
	log    *slog.Logger
	hub    *hub
	// grants batches ConsumeJTIWithAudit and ConsumeJTI (groupcommit.go).
	grants *committer
	// checkpoints copies the WAL into the database in the background
	// (checkpoint.go).
	checkpoints *checkpointer
	// lookups indexes audit events by subject and jti in the background
	// (lookup.go).
	lookups *lookupIndexer

	closeOnce sync.Once
	closeErr  error
}

// writerDSN and readerDSN configure every connection (doc.go explains the
// choices). Pragmas run on each new connection, busy_timeout first.
func writerDSN(path string) string {
	return path + "?_txlock=immediate&_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)" +
		"&_pragma=synchronous(FULL)&_pragma=foreign_keys(1)&_pragma=temp_store(MEMORY)" +
		"&_pragma=wal_autocheckpoint(" + strconv.Itoa(writerAutoCheckpoint) + ")"
}

func readerDSN(path string) string {
	return path + "?_pragma=busy_timeout(5000)&_pragma=foreign_keys(1)&_pragma=synchronous(FULL)&_query_only=1"
}

// Open opens (creating if needed) the database file at path, migrates it
// unless opts.SkipMigrate, and returns the Store. path must name a file:
// an in-memory database cannot be shared by the writer and the readers.
func Open(ctx context.Context, path string, opts Options) (*Store, error) {
	if path == "" || path == ":memory:" || strings.ContainsAny(path, "?#") || strings.HasPrefix(path, "file:") {
		return nil, fmt.Errorf("sqlite: open: %q is not a plain database file path", path)
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Store{log: log, hub: newHub()}
	var err error
	if s.writer, err = openWriter(ctx, path); err != nil {
		return nil, err
	}
	if !opts.SkipMigrate {
		if err := s.Migrate(ctx); err != nil {
			return nil, errors.Join(err, s.writer.Close())
		}
	}
	if s.reader, err = openPool(ctx, readerDSN(path), readerConns); err != nil {
		return nil, errors.Join(fmt.Errorf("sqlite: open readers: %w", err), s.writer.Close())
	}
	if s.checkpoints, err = startCheckpointer(ctx, path, log); err != nil {
		return nil, errors.Join(fmt.Errorf("sqlite: open checkpointer: %w", err), s.reader.Close(), s.writer.Close())
	}
	s.grants = newCommitter(s.writer, s.checkpoints)
	if !opts.noLookupIndexer {
		s.lookups = startLookupIndexer(s)
	}
	log.Debug("sqlite store opened", slog.String("path", path))
	return s, nil
}

// openWriter opens the writer pool. Switching a new file to WAL needs an
// exclusive lock and SQLite may report SQLITE_BUSY for it without waiting
// in busy_timeout (for example when several processes start on one new
// file), so that step is retried with a short backoff.
func openWriter(ctx context.Context, path string) (*sql.DB, error) {
	const attempts = 20
	for i := 1; ; i++ {
		db, err := openPool(ctx, writerDSN(path), 1)
		if err == nil {
			if err = checkWAL(ctx, db); err != nil {
				err = errors.Join(err, db.Close())
			} else {
				return db, nil
			}
		}
		if !isBusy(err) || i == attempts {
			return nil, fmt.Errorf("sqlite: open writer: %w", err)
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("sqlite: open writer: %w", errors.Join(err, ctx.Err()))
		case <-time.After(time.Duration(i) * 10 * time.Millisecond):
		}
	}
}

// openPool opens a pool of at most n long-lived connections and checks
// that one can be established.
func openPool(ctx context.Context, dsn string, n int) (*sql.DB, error) {
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(n)
	db.SetMaxIdleConns(n)
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)
	if err := db.PingContext(ctx); err != nil {
		return nil, errors.Join(err, db.Close())
	}
	return db, nil
}

// checkWAL verifies that the database really is in WAL mode; SQLite
// silently keeps another mode where WAL is impossible.
func checkWAL(ctx context.Context, db *sql.DB) error {
	var mode string
	if err := db.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		return fmt.Errorf("sqlite: read journal mode: %w", err)
	}
	if !strings.EqualFold(mode, "wal") {
		return fmt.Errorf("sqlite: journal mode is %q, want wal", mode)
	}
	return nil
}

// Migrate applies every pending embedded migration on the writer
// connection. It is idempotent and cheap when nothing is pending.
//
// Several processes may start on one file at once. goose itself retries
// creating its version table; beyond that, a migration that fails because
// another process applied it first is recognised by re-reading the applied
// versions: if nothing is pending any more, Migrate succeeds.
func (s *Store) Migrate(ctx context.Context) error {
	const attempts = 5
	err := s.migrateOnce(ctx)
	for i := 1; err != nil && i <= attempts; i++ {
		select {
		case <-ctx.Done():
			return fmt.Errorf("sqlite: migrate: %w", errors.Join(err, ctx.Err()))
		case <-time.After(time.Duration(i) * 50 * time.Millisecond):
		}
		p, perr := s.migrations()
		if perr != nil {
			return fmt.Errorf("sqlite: migrate: %w", perr)
		}
		pending, perr := p.HasPending(ctx)
		if perr == nil && !pending {
			s.log.Info("sqlite migrations applied by another process", slog.Any("first_error", err))
			return nil
		}
		err = s.migrateOnce(ctx)
	}
	if err != nil {
		return fmt.Errorf("sqlite: migrate: %w", err)
	}
	return nil
}

// migrations returns a goose provider over the embedded migrations; it
// uses no goose global state.
func (s *Store) migrations() (*goose.Provider, error) {
	fsys, err := fs.Sub(migrationFS, "migrations")
	if err != nil {
		return nil, err
	}
	return goose.NewProvider(goose.DialectSQLite3, s.writer, fsys, goose.WithDisableGlobalRegistry(true))
}

// migrateOnce runs goose Up once and logs what it applied.
func (s *Store) migrateOnce(ctx context.Context) error {
	p, err := s.migrations()
	if err != nil {
		return err
	}
	results, err := p.Up(ctx)
	for _, r := range results {
		s.log.Info("sqlite migration applied", slog.Int64("version", r.Source.Version),
			slog.Duration("duration", r.Duration))
	}
	return err
}

// Ping implements storage.Store: both pools must answer.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.reader.PingContext(ctx); err != nil {
		return fmt.Errorf("sqlite: ping readers: %w", err)
	}
	if err := s.writer.PingContext(ctx); err != nil {
		return fmt.Errorf("sqlite: ping writer: %w", err)
	}
	return nil
}

// Close implements storage.Store. It closes the Changes channels and both
// pools; it is safe to call more than once.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		s.grants.close()
		if s.lookups != nil {
			s.lookups.stop()
		}
		s.hub.close()
		s.closeErr = errors.Join(s.checkpoints.stop(), s.reader.Close(), s.writer.Close())
		if s.closeErr != nil {
			s.closeErr = fmt.Errorf("sqlite: close: %w", s.closeErr)
		}
	})
	return s.closeErr
}
