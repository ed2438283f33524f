package postgres

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/authplane/authplane/internal/storage"
)

// DefaultPollInterval is how often Changes re-reads the generation when
// Options.PollInterval is zero.
const DefaultPollInterval = 5 * time.Second

// Options configures Open.
type Options struct {
	// Logger receives operational messages (listener reconnects, migrations);
	// nil discards them.
	Logger *slog.Logger
	// SkipMigrate leaves the schema alone on Open; run Migrate (or
	// `authplane migrate`) separately.
	SkipMigrate bool
	// PollInterval is how often Changes re-reads the generation as a fallback
	// to LISTEN/NOTIFY (which a transaction-pooling proxy silently breaks);
	// zero means DefaultPollInterval and a negative value disables polling.
	PollInterval time.Duration
}

// Store is the PostgreSQL storage backend. Its aggregate methods each run in
// their own implicit transaction; WithTx groups several. It is safe for
// concurrent use.
type Store struct {
	queries
	pool *pgxpool.Pool
	log  *slog.Logger
	poll time.Duration

	mu     sync.Mutex
	closed bool
	done   chan struct{}  // closed by Close; stops Changes goroutines
	wg     sync.WaitGroup // Changes goroutines
	// grants batches ConsumeJTIWithAudit and ConsumeJTI (groupcommit.go).
	grants *committer
}

var _ storage.Store = (*Store)(nil)

// Open connects to the database at dsn (a pgx connection string; its
// search_path selects the schema) and, unless opts.SkipMigrate, migrates the
// schema to the latest version. Several instances may Open at once.
func Open(ctx context.Context, dsn string, opts Options) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("postgres: parse dsn: %w", err)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: connect: %w", err)
	}
	s := &Store{
		queries: queries{db: pool},
		pool:    pool,
		log:     opts.Logger,
		poll:    opts.PollInterval,
		done:    make(chan struct{}),
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.poll == 0 {
		s.poll = DefaultPollInterval
	}
	if err := s.Ping(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	if !opts.SkipMigrate {
		if err := s.Migrate(ctx); err != nil {
			pool.Close()
			return nil, err
		}
	}
	s.grants = newCommitter(pool)
	return s, nil
}

// Ping checks that the database is reachable.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.pool.Ping(ctx); err != nil {
		return fmt.Errorf("postgres: ping: %w", err)
	}
	return nil
}

// Close stops every Changes listener and closes the connection pool.
func (s *Store) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	close(s.done)
	s.mu.Unlock()
	s.grants.close()
	s.wg.Wait()
	s.pool.Close()
	return nil
}

// WithTx runs fn in one transaction: committed if fn returns nil, rolled back
// otherwise and on panic. Errors from fn are returned unchanged.
func (s *Store) WithTx(ctx context.Context, fn func(tx storage.Tx) error) error {
	return inTx(ctx, s.pool, "transaction", func(q queries) error { return fn(q) })
}

// ConsumeJTIWithAudit consumes j and appends ev in one transaction (the
// grant hot path, DESIGN.md §7). On ErrReplay nothing is written.
// Concurrent calls share one transaction (groupcommit.go); each returns
// only after the commit that holds its rows.
func (s *Store) ConsumeJTIWithAudit(ctx context.Context, j storage.ConsumedJTI, ev storage.AuditEvent) (storage.AuditEvent, error) {
	w, err := newWrite(j, &ev)
	if err != nil {
		return storage.AuditEvent{}, err
	}
	if err := s.grants.submit(ctx, w); err != nil {
		return storage.AuditEvent{}, err
	}
	return w.stored(), nil
}

// ConsumeJTI records (j.Issuer, j.JTI), group-committed like
// ConsumeJTIWithAudit; ErrReplay if the pair was already consumed.
func (s *Store) ConsumeJTI(ctx context.Context, j storage.ConsumedJTI) error {
	w, err := newWrite(j, nil)
	if err != nil {
		return err
	}
	return s.grants.submit(ctx, w)
}

// Generation returns the counter that the schema's triggers bump, in the
// same transaction, with every change to clients, resources, IdPs, policies,
// subject mappings, signing keys and revocations.
func (s *Store) Generation(ctx context.Context) (int64, error) {
	var g int64
	err := s.pool.QueryRow(ctx, `SELECT value FROM generation`).Scan(&g)
	return g, wrapErr("generation", err)
}
