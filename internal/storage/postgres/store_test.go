package postgres

import (
	"context"
	"strings"
	"testing"

	"github.com/authplane/authplane/internal/storage/pgtest"

	"github.com/jackc/pgx/v5"

	"github.com/authplane/authplane/internal/storage"
	"github.com/authplane/authplane/internal/storage/storagetest"
)

// openStore opens a store on dsn and closes it when the test ends.
func openStore(t *testing.T, dsn string, opts Options) *Store {
	t.Helper()
	s, err := Open(t.Context(), dsn, opts)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// resetSchema empties the migrated schema that conn works in, so that the
// next store opened on it sees what a freshly migrated schema holds: no
// records, generation 0, audit Seq restarting at 1.
func resetSchema(t *testing.T, conn *pgx.Conn) {
	t.Helper()
	var sql strings.Builder
	for _, table := range wantTables {
		if table != migrationTable && table != "generation" {
			sql.WriteString("DELETE FROM " + table + "; ")
		}
	}
	sql.WriteString("UPDATE generation SET value = 0; ALTER TABLE audit_events ALTER COLUMN seq RESTART;")
	if _, err := conn.Exec(t.Context(), sql.String()); err != nil {
		t.Fatalf("reset schema: %v", err)
	}
}

// TestConformance runs the storage conformance suite in a schema of its own.
// The suite opens a fresh store for each of its ~150 subtests; creating and
// migrating a schema for each costs 0.3–1 s of DDL on a busy machine, so the
// schema is migrated once (the migration tests cover Open on fresh schemas)
// and emptied before each subtest instead.
func TestConformance(t *testing.T) {
	_, dsn := pgtest.Schema(t)
	if err := openStore(t, dsn, Options{}).Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	ctx := context.WithoutCancel(t.Context())
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(func() { _ = conn.Close(ctx) })
	storagetest.Run(t, func(t *testing.T) storage.Store {
		resetSchema(t, conn)
		return openStore(t, dsn, Options{SkipMigrate: true})
	})
}
