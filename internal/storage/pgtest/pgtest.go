// Package pgtest gives PostgreSQL tests an isolated schema each. Tests that
// use it run when AUTHPLANE_TEST_POSTGRES_DSN is set and skip with a message
// otherwise; CI always sets it.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// EnvDSN names the variable holding the admin DSN of the test database.
const EnvDSN = "AUTHPLANE_TEST_POSTGRES_DSN"

// DSN returns the admin DSN of the test database or skips the test.
func DSN(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv(EnvDSN)
	if dsn == "" {
		t.Skip(EnvDSN + " not set; skipping PostgreSQL test")
	}
	return dsn
}

// WithParams returns dsn with extra runtime parameters (URL or keyword
// form).
func WithParams(t testing.TB, dsn string, params map[string]string) string {
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

// Exec runs sql on a short-lived admin connection to the test database.
func Exec(t testing.TB, sql string, args ...any) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, DSN(t))
	if err != nil {
		t.Fatalf("admin connect: %v", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql, args...); err != nil {
		t.Fatalf("admin %q: %v", sql, err)
	}
}

// Schema creates an empty schema authplane_t_<random hex>, drops it with
// CASCADE when the test ends, and returns its name and a DSN whose
// search_path selects it.
func Schema(t testing.TB) (name, dsn string) {
	t.Helper()
	admin := DSN(t)
	var b [8]byte
	_, _ = rand.Read(b[:])
	name = "authplane_t_" + hex.EncodeToString(b[:])
	Exec(t, `CREATE SCHEMA `+pgx.Identifier{name}.Sanitize())
	t.Cleanup(func() { Exec(t, `DROP SCHEMA `+pgx.Identifier{name}.Sanitize()+` CASCADE`) })
	return name, WithParams(t, admin, map[string]string{"search_path": name})
}
