package audit

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/authplane/authplane/internal/clocktest"

	"github.com/jackc/pgx/v5"

	"github.com/authplane/authplane/internal/storage"
	"github.com/authplane/authplane/internal/storage/pgtest"
	"github.com/authplane/authplane/internal/storage/postgres"
	"github.com/authplane/authplane/internal/storage/sqlite"
)

// testKey is the seal MAC key of the tests.
var testKey = []byte("0123456789abcdef0123456789abcdef")

// backend is a store under test plus raw SQL access to its database, for
// tampering behind the store's back. SQL is written with "?" placeholders;
// exec rewrites them for PostgreSQL.
type backend struct {
	name  string
	store storage.Store
	exec  func(t *testing.T, sql string, args ...any)
	// open opens a second store on the same database (a second instance).
	open func(t *testing.T) storage.Store
	// pg is the PostgreSQL dialect flag for SQL that differs; dsn selects
	// the test's schema.
	pg  bool
	dsn string
}

// forEachBackend runs fn on a fresh SQLite store and, when
// AUTHPLANE_TEST_POSTGRES_DSN is set, on a fresh PostgreSQL schema.
func forEachBackend(t *testing.T, fn func(t *testing.T, b *backend)) {
	t.Run("sqlite", func(t *testing.T) { fn(t, sqliteBackend(t)) })
	t.Run("postgres", func(t *testing.T) { fn(t, postgresBackend(t)) })
}

func sqliteBackend(t *testing.T) *backend {
	t.Helper()
	path := filepath.Join(t.TempDir(), "authplane.db")
	openStore := func(t *testing.T) storage.Store {
		s, err := sqlite.Open(t.Context(), path, sqlite.Options{})
		if err != nil {
			t.Fatalf("open sqlite: %v", err)
		}
		t.Cleanup(func() { _ = s.Close() })
		return s
	}
	st := openStore(t)
	raw, err := sql.Open("sqlite", path+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatalf("open raw sqlite: %v", err)
	}
	t.Cleanup(func() { _ = raw.Close() })
	return &backend{name: "sqlite", store: st, open: openStore, exec: func(t *testing.T, q string, args ...any) {
		t.Helper()
		if _, err := raw.ExecContext(context.WithoutCancel(t.Context()), q, args...); err != nil {
			t.Fatalf("raw %q: %v", q, err)
		}
	}}
}

func postgresBackend(t *testing.T) *backend {
	t.Helper()
	_, dsn := pgtest.Schema(t)
	openStore := func(t *testing.T) storage.Store {
		s, err := postgres.Open(t.Context(), dsn, postgres.Options{})
		if err != nil {
			t.Fatalf("open postgres: %v", err)
		}
		t.Cleanup(func() { _ = s.Close() })
		return s
	}
	st := openStore(t)
	ctx := context.WithoutCancel(t.Context())
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatalf("raw connect: %v", err)
	}
	t.Cleanup(func() { _ = conn.Close(ctx) })
	return &backend{name: "postgres", store: st, open: openStore, pg: true, dsn: dsn, exec: func(t *testing.T, q string, args ...any) {
		t.Helper()
		if _, err := conn.Exec(ctx, dollars(q), args...); err != nil {
			t.Fatalf("raw %q: %v", q, err)
		}
	}}
}

// dollars rewrites "?" placeholders as $1, $2, ….
func dollars(q string) string {
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			fmt.Fprintf(&b, "$%d", n)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// clock is the shared fake clock.
type clock = clocktest.Clock

func newClock() *clock { return clocktest.New(time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)) }

// event returns a token.issued event i with most fields set, at time at.
func event(i int, at time.Time) storage.AuditEvent {
	return storage.AuditEvent{
		ID: fmt.Sprintf("evt-%04d", i), Time: at, Type: "token.issued", Outcome: "success",
		IdPID: "idp-a", Issuer: "https://idp.example", AssertionJTI: fmt.Sprintf("a-%d", i),
		Subject: fmt.Sprintf("user-%d", i%3), ClientID: "client-1", Resource: "https://mcp.example/mcp",
		RequestedScopes: []string{"read", "write"}, GrantedScopes: []string{"read"}, PolicyRuleIDs: []string{},
		TokenJTI: fmt.Sprintf("t-%d", i), TokenExp: at.Add(5 * time.Minute), RemoteIP: "127.0.0.1",
		UserAgent: "agent/1.0", RequestID: fmt.Sprintf("req-%d", i),
		After: []byte(`{"k": [1, 2], "s": "v"}`),
	}
}

// appendEvents appends n events timed a minute before the clock's now and
// returns them as stored.
func appendEvents(t *testing.T, st storage.Store, c *clock, first, n int) []storage.AuditEvent {
	t.Helper()
	evs := make([]storage.AuditEvent, n)
	for i := range evs {
		evs[i] = event(first+i, c.Now().Add(-time.Minute))
	}
	out, err := st.AppendAudit(t.Context(), evs...)
	if err != nil {
		t.Fatalf("append: %v", err)
	}
	return out
}

// newSealer returns a Sealer on st with the test key and clock.
func newSealer(st storage.Store, c *clock, batch int) *Sealer {
	return &Sealer{Store: st, Key: testKey, Now: c.Now, MaxBatch: batch}
}

// sealAll runs SealOnce until it seals nothing and returns the total.
func sealAll(t *testing.T, s *Sealer) int {
	t.Helper()
	total := 0
	for {
		n, err := s.SealOnce(t.Context())
		if err != nil {
			t.Fatalf("SealOnce: %v", err)
		}
		if n == 0 {
			return total
		}
		total += n
	}
}

// verify runs Verify with the test key.
func verify(t *testing.T, st storage.Store) Report {
	t.Helper()
	r, err := Verify(t.Context(), st, testKey)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	return r
}

// rawConn opens a connection to b's PostgreSQL schema, closed with the test.
func rawConn(t *testing.T, b *backend) *pgx.Conn {
	t.Helper()
	ctx := context.WithoutCancel(t.Context())
	conn, err := pgx.Connect(ctx, b.dsn)
	if err != nil {
		t.Fatalf("raw connect: %v", err)
	}
	t.Cleanup(func() { _ = conn.Close(ctx) })
	return conn
}
