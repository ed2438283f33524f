package sqlite

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/authplane/authplane/internal/storage"
)

func TestOpenRejectsNonFilePaths(t *testing.T) {
	for _, tc := range []struct{ name, path string }{
		{"empty", ""},
		{"in-memory", ":memory:"},
		{"query string", filepath.Join(t.TempDir(), "a.db?mode=ro")},
		{"fragment", filepath.Join(t.TempDir(), "a#b.db")},
		{"uri", "file:" + filepath.Join(t.TempDir(), "a.db")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if s, err := Open(t.Context(), tc.path, Options{}); err == nil {
				s.Close()
				t.Errorf("Open(%q) succeeded, want an error", tc.path)
			}
		})
	}
}

// TestConnectionPragmas pins the durability and locking settings doc.go
// explains: a regression here silently weakens RAS-24 after a crash.
func TestConnectionPragmas(t *testing.T) {
	s := openTemp(t)
	ctx := t.Context()
	for _, tc := range []struct {
		pool   string
		pragma string
		want   string
	}{
		{"writer", "journal_mode", "wal"},
		{"writer", "synchronous", "2"}, // FULL
		{"writer", "foreign_keys", "1"},
		{"writer", "busy_timeout", "5000"},
		{"writer", "query_only", "0"},
		{"reader", "synchronous", "2"},
		{"reader", "busy_timeout", "5000"},
		{"reader", "query_only", "1"},
	} {
		t.Run(tc.pool+" "+tc.pragma, func(t *testing.T) {
			db := s.writer
			if tc.pool == "reader" {
				db = s.reader
			}
			var got string
			if err := db.QueryRowContext(ctx, "PRAGMA "+tc.pragma).Scan(&got); err != nil {
				t.Fatalf("PRAGMA %s: %v", tc.pragma, err)
			}
			if !strings.EqualFold(got, tc.want) {
				t.Errorf("PRAGMA %s = %q, want %q", tc.pragma, got, tc.want)
			}
		})
	}
	if n := s.writer.Stats().MaxOpenConnections; n != 1 {
		t.Errorf("writer MaxOpenConnections = %d, want 1", n)
	}
	if n := s.reader.Stats().MaxOpenConnections; n != readerConns {
		t.Errorf("reader MaxOpenConnections = %d, want %d", n, readerConns)
	}
}

func TestReaderPoolCannotWrite(t *testing.T) {
	s := openTemp(t)
	_, err := s.reader.ExecContext(t.Context(), "INSERT INTO consumed_jtis (hash, expires_at) VALUES (x'00', 0)")
	if err == nil {
		t.Fatal("write through the read-only pool succeeded")
	}
}

func TestSkipMigrateLeavesSchemaAlone(t *testing.T) {
	path := filepath.Join(t.TempDir(), "authplane.db")
	s := openAt(t, path, Options{SkipMigrate: true})
	if _, err := s.Generation(t.Context()); err == nil {
		t.Fatal("Generation succeeded on an unmigrated database")
	}
	if err := s.Migrate(t.Context()); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	if _, err := s.Generation(t.Context()); err != nil {
		t.Fatalf("Generation after Migrate: %v", err)
	}
}

// TestChangesSignalsExactlyAfterConfigCommits relies on the in-process
// broadcast happening before the writing call returns.
func TestChangesSignalsExactlyAfterConfigCommits(t *testing.T) {
	s := openTemp(t)
	ctx := t.Context()
	ch := s.Changes(ctx)
	pending := func() bool {
		select {
		case <-ch:
			return true
		default:
			return false
		}
	}
	exp := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name   string
		do     func() error
		signal bool
	}{
		{"create client", func() error { return s.CreateClient(ctx, storage.Client{ID: "c1"}) }, true},
		{"consume jti", func() error {
			return s.ConsumeJTI(ctx, storage.ConsumedJTI{Issuer: "i", JTI: "j", ExpiresAt: exp})
		}, false},
		{"append audit", func() error { _, err := s.AppendAudit(ctx, storage.AuditEvent{ID: "e"}); return err }, false},
		{"failed create", func() error {
			if err := s.CreateClient(ctx, storage.Client{ID: "c1"}); !errors.Is(err, storage.ErrConflict) {
				return errors.New("no conflict")
			}
			return nil
		}, false},
		{"rolled-back transaction", func() error {
			boom := errors.New("boom")
			if err := s.WithTx(ctx, func(tx storage.Tx) error {
				if err := tx.CreateClient(ctx, storage.Client{ID: "c2"}); err != nil {
					return err
				}
				return boom
			}); !errors.Is(err, boom) {
				return err
			}
			return nil
		}, false},
		{"put idp key state", func() error { return s.PutIdPKeyState(ctx, storage.IdPKeyState{IdPID: "idp"}) }, false},
		{"delete client", func() error { return s.DeleteClient(ctx, "c1") }, true},
	} {
		if err := tc.do(); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if got := pending(); got != tc.signal {
			t.Errorf("%s: signal pending = %v, want %v", tc.name, got, tc.signal)
		}
	}
}

func TestCloseClosesChangeChannels(t *testing.T) {
	s, err := Open(t.Context(), filepath.Join(t.TempDir(), "authplane.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	ch := s.Changes(context.Background())
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if _, ok := <-ch; ok {
		t.Error("Changes channel still open after Close")
	}
	if _, ok := <-s.Changes(context.Background()); ok {
		t.Error("Changes after Close returned an open channel")
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

func TestUniqueViolationIsJudgedByCode(t *testing.T) {
	if isUnique(errors.New("UNIQUE constraint failed: clients.id")) {
		t.Error("a plain error mentioning UNIQUE was taken for a constraint violation")
	}
	s := openTemp(t)
	_, err := s.writer.ExecContext(t.Context(), "INSERT INTO generation (id, value) VALUES (1, 1)")
	if !isUnique(err) {
		t.Errorf("duplicate primary key %v not recognised", err)
	}
	if !errors.Is(mapErr(err), storage.ErrConflict) {
		t.Errorf("mapErr(%v) is not ErrConflict", err)
	}
}
