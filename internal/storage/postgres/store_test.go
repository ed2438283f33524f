package postgres

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/authplane/authplane/internal/storage"
	"github.com/authplane/authplane/internal/storage/storagetest"
)

// testDSN returns the admin DSN of the test database or skips the test.
func testDSN(t *testing.T) string {
	t.Helper()
	dsn := os.Getenv("AUTHPLANE_TEST_POSTGRES_DSN")
	if dsn == "" {
		t.Skip("AUTHPLANE_TEST_POSTGRES_DSN not set; skipping PostgreSQL suite")
	}
	return dsn
}

// withParams returns dsn with extra runtime parameters (URL or keyword
// form).
func withParams(t *testing.T, dsn string, params map[string]string) string {
	t.Helper()
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			t.Fatalf("parse dsn: %v", err)
		}
		q := u.Query()
		for k, v := range params {
			q.Set(k, v)
		}
		u.RawQuery = q.Encode()
		return u.String()
	}
	for k, v := range params {
		dsn += " " + k + "=" + v
	}
	return dsn
}

// adminExec runs sql on a short-lived admin connection to the test database.
func adminExec(t *testing.T, sql string, args ...any) {
	t.Helper()
	ctx := context.WithoutCancel(t.Context())
	conn, err := pgx.Connect(ctx, testDSN(t))
	if err != nil {
		t.Fatalf("admin connect: %v", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql, args...); err != nil {
		t.Fatalf("admin %q: %v", sql, err)
	}
}

// newSchema creates an empty schema authplane_t_<random hex>, drops it with
// CASCADE when the test ends and returns its name and a DSN whose
// search_path selects it.
func newSchema(t *testing.T) (string, string) {
	t.Helper()
	dsn := testDSN(t)
	var b [8]byte
	_, _ = rand.Read(b[:])
	schema := "authplane_t_" + hex.EncodeToString(b[:])
	adminExec(t, `CREATE SCHEMA `+pgx.Identifier{schema}.Sanitize())
	t.Cleanup(func() { adminExec(t, `DROP SCHEMA `+pgx.Identifier{schema}.Sanitize()+` CASCADE`) })
	return schema, withParams(t, dsn, map[string]string{"search_path": schema})
}

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
	_, dsn := newSchema(t)
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
