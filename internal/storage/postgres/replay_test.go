package postgres

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/authplane/authplane/internal/storage/pgtest"

	"github.com/jackc/pgx/v5"

	"github.com/authplane/authplane/internal/storage"
)

// raceTwoInstances runs fn 64 times at once, alternating between two stores
// on one schema, and returns the number of successes and of ErrReplay.
func raceTwoInstances(t *testing.T, fn func(s *Store) error) (wins, replays int) {
	t.Helper()
	_, dsn := pgtest.Schema(t)
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
	schema, dsn := pgtest.Schema(t)
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
