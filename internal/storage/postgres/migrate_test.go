package postgres

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/authplane/authplane/internal/storage/pgtest"

	"github.com/jackc/pgx/v5"

	"github.com/authplane/authplane/internal/storage"
)

// adminQueryInt runs a query returning one integer on an admin connection.
func adminQueryInt(t *testing.T, sql string, args ...any) int64 {
	t.Helper()
	ctx := context.WithoutCancel(t.Context())
	conn, err := pgx.Connect(ctx, pgtest.DSN(t))
	if err != nil {
		t.Fatalf("admin connect: %v", err)
	}
	defer conn.Close(ctx)
	var n int64
	if err := conn.QueryRow(ctx, sql, args...).Scan(&n); err != nil {
		t.Fatalf("admin %q: %v", sql, err)
	}
	return n
}

// schemaTables lists the tables of schema.
func schemaTables(t *testing.T, schema string) []string {
	t.Helper()
	ctx := context.WithoutCancel(t.Context())
	conn, err := pgx.Connect(ctx, pgtest.DSN(t))
	if err != nil {
		t.Fatalf("admin connect: %v", err)
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, `SELECT table_name::text FROM information_schema.tables
		WHERE table_schema = $1 ORDER BY table_name`, schema)
	if err != nil {
		t.Fatalf("list tables: %v", err)
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatalf("list tables: %v", err)
	}
	return names
}

var wantTables = []string{"audit_events", "audit_seals", "authplane_migrations", "clients", "consumed_jtis",
	"generation", "idp_key_states", "idps", "policies", "resources", "revocations",
	"signing_keys", "subject_mappings"}

func TestMigrate_FourParallelOpensOnFreshSchemaAllSucceed(t *testing.T) {
	t.Parallel()
	schema, dsn := pgtest.Schema(t)
	const n = 4
	stores := make([]*Store, n)
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			stores[i], errs[i] = Open(t.Context(), dsn, Options{})
		})
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("open %d: %v", i, err)
		}
		t.Cleanup(func() { _ = stores[i].Close() })
	}
	if got := schemaTables(t, schema); !slices.Equal(got, wantTables) {
		t.Errorf("tables in %s:\n got %v\nwant %v", schema, got, wantTables)
	}
	applied := adminQueryInt(t, `SELECT count(*) FROM `+pgx.Identifier{schema, migrationTable}.Sanitize()+
		` WHERE version_id = 1 AND is_applied`)
	if applied != 1 {
		t.Errorf("migration 1 recorded %d times, want 1", applied)
	}
	// The instances share one schema: a write through one is read by another.
	ctx := t.Context()
	if err := stores[0].CreateClient(ctx, storage.Client{ID: "c1"}); err != nil {
		t.Fatalf("create: %v", err)
	}
	if _, err := stores[n-1].GetClient(ctx, "c1"); err != nil {
		t.Errorf("get through another instance: %v", err)
	}
	// Migrating an up-to-date schema is a no-op.
	if err := stores[1].Migrate(ctx); err != nil {
		t.Errorf("second migrate: %v", err)
	}
}

func TestMigrate_WaitsForTheSchemasLockOnly(t *testing.T) {
	t.Parallel()
	locked, lockedDSN := pgtest.Schema(t)
	_, otherDSN := pgtest.Schema(t)
	ctx := context.WithoutCancel(t.Context())
	conn, err := pgx.Connect(ctx, pgtest.DSN(t))
	if err != nil {
		t.Fatalf("admin connect: %v", err)
	}
	defer conn.Close(ctx)
	// Hold the migration lock of one schema, as a migrating instance would.
	key := `hashtextextended('authplane.migrate.' || $1::text, 0)`
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock(`+key+`)`, locked); err != nil {
		t.Fatalf("lock: %v", err)
	}

	openStore(t, otherDSN, Options{}) // another schema is not blocked

	short, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancel()
	if s, err := Open(short, lockedDSN, Options{}); err == nil {
		_ = s.Close()
		t.Fatal("open migrated while another session held the schema's migration lock")
	}
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_unlock(`+key+`)`, locked); err != nil {
		t.Fatalf("unlock: %v", err)
	}
	openStore(t, lockedDSN, Options{})
}

func TestOpen_SkipMigrateLeavesTheSchemaAlone(t *testing.T) {
	t.Parallel()
	schema, dsn := pgtest.Schema(t)
	s := openStore(t, dsn, Options{SkipMigrate: true})
	if got := schemaTables(t, schema); len(got) != 0 {
		t.Fatalf("tables after Open with SkipMigrate: %v", got)
	}
	_, err := s.GetClient(t.Context(), "c1")
	if err == nil || errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("get before migrate: %v, want a missing-table error", err)
	}
	if err := s.Migrate(t.Context()); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	if _, err := s.GetClient(t.Context(), "c1"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("get after migrate: %v, want ErrNotFound", err)
	}
}

func TestOpen_BadDSNFails(t *testing.T) {
	tests := []struct {
		name string
		dsn  string
	}{
		{"unparsable", "postgres://%zz"},
		{"nothing listening", "postgres://postgres@127.0.0.1:1/test?sslmode=disable&connect_timeout=2"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if s, err := Open(t.Context(), tc.dsn, Options{}); err == nil {
				_ = s.Close()
				t.Fatal("Open succeeded")
			}
		})
	}
}
