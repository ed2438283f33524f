package postgres

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/authplane/authplane/internal/storage"
)

// raceTwoInstances runs fn 64 times at once, alternating between two stores
// on one schema, and returns the number of successes and of ErrReplay.
func raceTwoInstances(t *testing.T, fn func(s *Store) error) (wins, replays int) {
	t.Helper()
	_, dsn := newSchema(t)
	stores := []*Store{openStore(t, dsn, Options{}), openStore(t, dsn, Options{})}
	const racers = 64
	errs := make([]error, racers)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range racers {
		wg.Go(func() {
			<-start
			errs[i] = fn(stores[i%2])
		})
	}
	close(start)
	wg.Wait()
	for _, err := range errs {
		switch {
		case err == nil:
			wins++
		case errors.Is(err, storage.ErrReplay):
			replays++
		default:
			t.Errorf("unexpected error: %v", err)
		}
	}
	return wins, replays
}

func TestRAS24_JTIRaceAcrossTwoInstancesHasOneWinner(t *testing.T) {
	t.Parallel()
	j := storage.ConsumedJTI{Issuer: "https://idp.example", JTI: "jti-1", ExpiresAt: time.Now().Add(time.Minute)}
	wins, replays := raceTwoInstances(t, func(s *Store) error { return s.ConsumeJTI(t.Context(), j) })
	if wins != 1 || replays != 63 {
		t.Errorf("%d winners and %d replays, want 1 and 63", wins, replays)
	}
}

func TestRAS24_JTIWithAuditRaceAcrossTwoInstancesWritesOneEvent(t *testing.T) {
	t.Parallel()
	j := storage.ConsumedJTI{Issuer: "https://idp.example", JTI: "jti-1", ExpiresAt: time.Now().Add(time.Minute)}
	var mu sync.Mutex
	var winner *Store
	wins, replays := raceTwoInstances(t, func(s *Store) error {
		_, err := s.ConsumeJTIWithAudit(t.Context(), j, storage.AuditEvent{Type: "token.issued", AssertionJTI: j.JTI})
		if err == nil {
			mu.Lock()
			winner = s
			mu.Unlock()
		}
		return err
	})
	if wins != 1 || replays != 63 {
		t.Fatalf("%d winners and %d replays, want 1 and 63", wins, replays)
	}
	evs, err := winner.ListAudit(t.Context(), storage.AuditFilter{JTI: j.JTI}, storage.Page{})
	if err != nil || len(evs) != 1 {
		t.Errorf("audit events for the jti: %d (%v), want 1", len(evs), err)
	}
}

func TestRAS24_OnlyABoundedHashOfTheJTIIsStored(t *testing.T) {
	t.Parallel()
	schema, dsn := newSchema(t)
	s := openStore(t, dsn, Options{})
	ctx := t.Context()
	long := string(bytes.Repeat([]byte("j"), 4096))
	for _, j := range []storage.ConsumedJTI{
		{Issuer: "ab", JTI: "c"}, {Issuer: "a", JTI: "bc"}, {Issuer: "https://idp.example", JTI: long},
	} {
		j.ExpiresAt = time.Now().Add(time.Minute)
		if err := s.ConsumeJTI(ctx, j); err != nil {
			t.Fatalf("consume (%q, %.8q): %v", j.Issuer, j.JTI, err)
		}
	}
	want := sha256.Sum256([]byte("https://idp.example\x00" + long))
	n := adminQueryInt(t, `SELECT count(*) FROM `+pgx.Identifier{schema, "consumed_jtis"}.Sanitize()+
		` WHERE key = $1 AND octet_length(key) = 32`, want[:])
	if n != 1 {
		t.Errorf("rows keyed by sha256(iss NUL jti): %d, want 1", n)
	}
}

func TestAudit_BeforeAfterKeepTheirBytesAndEventIsQueryableJSONB(t *testing.T) {
	t.Parallel()
	schema, dsn := newSchema(t)
	s := openStore(t, dsn, Options{})
	ctx := t.Context()
	before := json.RawMessage(`{"z": 1,  "a": [true, null]}`)
	out, err := s.AppendAudit(ctx, storage.AuditEvent{Type: "admin.client.update", ClientID: "c1",
		Before: before, After: json.RawMessage(`null`), RequestedScopes: []string{}})
	if err != nil {
		t.Fatalf("append: %v", err)
	}
	got, err := s.ListAudit(ctx, storage.AuditFilter{ClientID: "c1"}, storage.Page{})
	if err != nil || len(got) != 1 {
		t.Fatalf("list: %d events (%v), want 1", len(got), err)
	}
	if !bytes.Equal(got[0].Before, before) || string(got[0].After) != "null" {
		t.Errorf("before/after = %s / %s, want them byte for byte", got[0].Before, got[0].After)
	}
	if got[0].RequestedScopes == nil || got[0].GrantedScopes != nil {
		t.Errorf("scopes lost the nil/empty distinction: %#v / %#v", got[0].RequestedScopes, got[0].GrantedScopes)
	}
	n := adminQueryInt(t, `SELECT count(*) FROM `+pgx.Identifier{schema, "audit_events"}.Sanitize()+
		` WHERE seq = $1 AND event->>'client_id' = 'c1' AND event->>'type' = 'admin.client.update'`, out[0].Seq)
	if n != 1 {
		t.Errorf("event JSONB is not queryable by its field names")
	}
}

func TestWrapErr_MapsSQLStatesToSentinels(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want error
	}{
		{"no rows", pgx.ErrNoRows, storage.ErrNotFound},
		{"unique violation", &pgconn.PgError{Code: "23505"}, storage.ErrConflict},
		{"check violation", &pgconn.PgError{Code: "23514"}, storage.ErrInvalid},
		{"not null violation", &pgconn.PgError{Code: "23502"}, storage.ErrInvalid},
		{"NUL byte in text", &pgconn.PgError{Code: "22021"}, storage.ErrInvalid},
		{"invalid json", &pgconn.PgError{Code: "22P02"}, storage.ErrInvalid},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := wrapErr("create client", tc.err)
			if !errors.Is(err, tc.want) {
				t.Errorf("wrapErr(%v) = %v, want errors.Is %v", tc.err, err, tc.want)
			}
			if got := err.Error(); len(got) < 24 || got[:24] != "postgres: create client:" {
				t.Errorf("error %q lacks its context", got)
			}
		})
	}
	other := errors.New("connection reset")
	if err := wrapErr("get client", other); !errors.Is(err, other) {
		t.Errorf("unmapped error lost: %v", err)
	}
	if wrapErr("x", nil) != nil {
		t.Error("wrapErr(nil) != nil")
	}
}
