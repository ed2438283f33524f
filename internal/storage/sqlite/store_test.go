package sqlite

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/authplane/authplane/internal/storage"
	"github.com/authplane/authplane/internal/storage/storagetest"
)

// openTemp opens a fresh migrated store in a new temporary directory.
func openTemp(t *testing.T) *Store {
	t.Helper()
	return openAt(t, filepath.Join(t.TempDir(), "authplane.db"), Options{})
}

// openAt opens the store at path and closes it when the test ends.
func openAt(t *testing.T, path string, opts Options) *Store {
	t.Helper()
	s, err := Open(t.Context(), path, opts)
	if err != nil {
		t.Fatalf("Open(%q): %v", path, err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

func TestConformance(t *testing.T) {
	storagetest.Run(t, func(t *testing.T) storage.Store { return openTemp(t) })
}

func TestReopenKeepsDataAndConsumedJTIs(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "authplane.db")
	exp := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	j := storage.ConsumedJTI{Issuer: "https://idp.example", JTI: "persisted", ExpiresAt: exp}

	s1, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatalf("first Open: %v", err)
	}
	c := storage.Client{ID: "client-1", Name: "Agent", AllowedIdPs: []string{}, CreatedAt: exp}
	if err := s1.CreateClient(ctx, c); err != nil {
		t.Fatalf("create client: %v", err)
	}
	if err := s1.ConsumeJTI(ctx, j); err != nil {
		t.Fatalf("consume: %v", err)
	}
	ev, err := s1.ConsumeJTIWithAudit(ctx, storage.ConsumedJTI{Issuer: j.Issuer, JTI: "with-audit", ExpiresAt: exp},
		storage.AuditEvent{ID: "evt-1", Type: "token.issued", Time: exp})
	if err != nil {
		t.Fatalf("consume with audit: %v", err)
	}
	gen1, err := s1.Generation(ctx)
	if err != nil {
		t.Fatalf("generation: %v", err)
	}
	if err := s1.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}

	s2 := openAt(t, path, Options{})
	got, err := s2.GetClient(ctx, c.ID)
	if err != nil || got.Name != c.Name || got.AllowedIdPs == nil || !got.CreatedAt.Equal(exp) {
		t.Errorf("client after reopen = %+v, %v; want %+v", got, err, c)
	}
	for _, jti := range []string{"persisted", "with-audit"} {
		err := s2.ConsumeJTI(ctx, storage.ConsumedJTI{Issuer: j.Issuer, JTI: jti, ExpiresAt: exp})
		if !errors.Is(err, storage.ErrReplay) {
			t.Errorf("jti %q after reopen: %v, want ErrReplay", jti, err)
		}
	}
	evs, err := s2.ListAudit(ctx, storage.AuditFilter{}, storage.Page{})
	if err != nil || len(evs) != 1 || evs[0].Seq != ev.Seq || evs[0].ID != "evt-1" {
		t.Errorf("audit after reopen = %+v, %v; want the one event with Seq %d", evs, err, ev.Seq)
	}
	if gen2, err := s2.Generation(ctx); err != nil || gen2 != gen1 {
		t.Errorf("generation after reopen = %d, %v; want %d", gen2, err, gen1)
	}
}

func TestOpenOnMigratedDatabaseIsIdempotent(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "authplane.db")
	s1 := openAt(t, path, Options{})
	before := migrationRows(ctx, t, s1)
	if before == 0 {
		t.Fatal("no goose version rows after the first Open")
	}
	if err := s1.CreateClient(ctx, storage.Client{ID: "kept"}); err != nil {
		t.Fatalf("create: %v", err)
	}
	for i := range 3 {
		s := openAt(t, path, Options{})
		if n := migrationRows(ctx, t, s); n != before {
			t.Errorf("reopen %d: %d goose version rows, want %d (a migration ran again)", i, n, before)
		}
		if err := s.Migrate(ctx); err != nil {
			t.Errorf("reopen %d: Migrate: %v", i, err)
		}
		if _, err := s.GetClient(ctx, "kept"); err != nil {
			t.Errorf("reopen %d: data lost: %v", i, err)
		}
	}
}

// migrationRows counts goose's version records.
func migrationRows(ctx context.Context, t *testing.T, s *Store) int {
	t.Helper()
	var n int
	if err := s.reader.QueryRowContext(ctx, "SELECT count(*) FROM goose_db_version").Scan(&n); err != nil {
		t.Fatalf("count goose versions: %v", err)
	}
	return n
}
