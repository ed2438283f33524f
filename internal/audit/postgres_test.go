package audit

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/authplane/authplane/internal/storage"
)

// waitForWatermarkWaiter polls pg_locks until a session waits for the
// schema's audit advisory lock (the sealer's AuditWatermark). The deadline
// only bounds a failure.
func waitForWatermarkWaiter(t *testing.T, conn *pgx.Conn) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		var n int
		err := conn.QueryRow(context.WithoutCancel(t.Context()), `SELECT count(*) FROM pg_locks
			WHERE locktype = 'advisory' AND NOT granted AND objsubid = 1
			AND ((classid::bigint << 32) | objid::bigint) = hashtextextended('authplane.audit.' || coalesce(current_schema(), ''), 0)`).Scan(&n)
		if err != nil {
			t.Fatalf("pg_locks: %v", err)
		}
		if n > 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the sealer never waited for the audit lock")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestSealer_PostgresLateCommitIsNotSkipped holds an append open (seq 1)
// while a second append (seq 2) commits, then seals with no minimum age:
// the watermark must wait for seq 1, so both are sealed and nothing is later
// reported as inserted.
func TestSealer_PostgresLateCommitIsNotSkipped(t *testing.T) {
	b := postgresBackend(t)
	ctx, c := t.Context(), newClock()
	held, release, done := make(chan struct{}), make(chan struct{}), make(chan error, 1)
	go func() {
		done <- b.store.WithTx(ctx, func(tx storage.Tx) error {
			if _, err := tx.AppendAudit(ctx, event(0, c.Now().Add(-time.Minute))); err != nil {
				return err
			}
			close(held)
			<-release
			return nil
		})
	}()
	<-held
	later := appendEvents(t, b.store, c, 1, 1)
	if visible, _ := b.store.ListAudit(ctx, storage.AuditFilter{}, storage.Page{}); len(visible) != 1 || later[0].Seq != 2 {
		t.Fatalf("setup: %d visible events, later seq %d; want seq 2 visible alone", len(visible), later[0].Seq)
	}
	s := newSealer(b.store, c, 0)
	s.MinAge = -1 // the watermark alone must hold the seal back
	type result struct {
		n   int
		err error
	}
	sealed := make(chan result, 1)
	go func() {
		n, err := s.SealOnce(ctx)
		sealed <- result{n, err}
	}()
	waitForWatermarkWaiter(t, rawConn(t, b))
	close(release)
	if err := <-done; err != nil {
		t.Fatalf("held transaction: %v", err)
	}
	if r := <-sealed; r.err != nil || r.n != 2 {
		t.Fatalf("SealOnce = %d, %v; want both events sealed", r.n, r.err)
	}
	if r := verify(t, b.store); !r.OK || r.Events != 2 || r.Unsealed != 0 {
		t.Errorf("report %+v problem %+v, want OK with 2 events", r, r.FirstProblem)
	}
}

// TestSealer_PostgresTwoInstancesRace runs two instances that append and
// seal concurrently on one schema: the seals must tile the log with no
// overlap and no gap, and verify.
func TestSealer_PostgresTwoInstancesRace(t *testing.T) {
	b := postgresBackend(t)
	stores := []storage.Store{b.store, b.open(t)}
	c := newClock()
	const writers, perWriter = 4, 30
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for i := range writers {
		wg.Go(func() {
			st := stores[i%2]
			for j := 0; j < perWriter; j += 3 {
				first := i*perWriter + j
				if _, err := st.AppendAudit(t.Context(), event(first, c.Now().Add(-time.Minute)),
					event(first+1, c.Now().Add(-time.Minute)), event(first+2, c.Now().Add(-time.Minute))); err != nil {
					t.Errorf("append: %v", err)
				}
			}
		})
	}
	var sw sync.WaitGroup
	for _, st := range stores {
		sw.Go(func() {
			s := newSealer(st, c, 7)
			s.MinAge = -1
			for {
				select {
				case <-stop:
					return
				default:
				}
				if _, err := s.SealOnce(t.Context()); err != nil {
					t.Errorf("SealOnce: %v", err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(stop)
	sw.Wait()
	sealAll(t, newSealer(stores[1], c, 7))
	checkTiling(t, b.store, writers*perWriter)
	if r := verify(t, b.store); !r.OK || r.Events != writers*perWriter || r.Unsealed != 0 {
		t.Errorf("report %+v problem %+v", r, r.FirstProblem)
	}
}

// checkTiling checks that the seals are contiguous and count total events.
func checkTiling(t *testing.T, st storage.Store, total int64) {
	t.Helper()
	seals, err := st.ListAuditSeals(t.Context(), storage.Page{Limit: storage.MaxPageLimit})
	if err != nil {
		t.Fatal(err)
	}
	var n int64
	next := int64(1)
	for _, s := range seals {
		if s.FromSeq != next {
			t.Errorf("seal [%d, %d] should start at %d", s.FromSeq, s.ToSeq, next)
		}
		next, n = s.ToSeq+1, n+s.Count
	}
	if n != total {
		t.Errorf("seals count %d events, want %d", n, total)
	}
}

// TestPurge_PostgresTwoInstancesPurgeOnce purges on two instances at once:
// the range goes once and one audit.purged event records it.
func TestPurge_PostgresTwoInstancesPurgeOnce(t *testing.T) {
	b := postgresBackend(t)
	stores := []storage.Store{b.store, b.open(t)}
	c := newClock()
	appendEvents(t, b.store, c, 0, 12)
	sealAll(t, newSealer(b.store, c, 4))
	c.Advance(time.Hour)
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		total int64
	)
	for _, st := range stores {
		wg.Go(func() {
			n, err := newSealer(st, c, 0).Purge(t.Context(), c.Now())
			if err != nil {
				t.Errorf("purge: %v", err)
			}
			mu.Lock()
			total += n
			mu.Unlock()
		})
	}
	wg.Wait()
	if total != 12 {
		t.Errorf("purged %d events in all, want 12", total)
	}
	purged, err := b.store.ListAudit(t.Context(), storage.AuditFilter{Type: EventPurged}, storage.Page{})
	if err != nil {
		t.Fatal(err)
	}
	var events int64
	for _, ev := range purged {
		events += purgeRecordOf(t, ev).Events
	}
	if events != 12 {
		t.Errorf("audit.purged events record %d purged events, want 12", events)
	}
	if r := verify(t, b.store); !r.OK || r.PurgedSeals != 3 {
		t.Errorf("report %+v problem %+v", r, r.FirstProblem)
	}
}
