package postgres

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/authplane/authplane/internal/secret"
	"github.com/authplane/authplane/internal/storage"
	"github.com/authplane/authplane/internal/storage/pgtest"
)

// grantEvent is a token.issued event like the grant writes.
func grantEvent(i int) storage.AuditEvent {
	return storage.AuditEvent{
		ID: fmt.Sprintf("evt-%d", i), Time: time.Date(2031, 3, 14, 15, 9, 26, 0, time.UTC), Type: "token.issued",
		Outcome: "success", IdPID: "idp", Issuer: "https://idp.example", AssertionJTI: fmt.Sprintf("a-%d", i),
		Subject: "idp|alice", ClientID: "agent", Resource: "https://mcp.example", GrantedScopes: []string{"read"},
		TokenJTI: fmt.Sprintf("t-%d", i), TokenExp: time.Date(2031, 3, 14, 15, 19, 26, 0, time.UTC),
	}
}

// batchWrite is one write of a batch in TestGroupCommitBatch.
type batchWrite struct {
	jti     string // "" makes the write fail (a key of the wrong length)
	audit   bool
	wantErr error // nil, storage.ErrReplay, or errAny
}

var errAny = errors.New("any error other than a replay")

func mustWrite(t *testing.T, i int, bw batchWrite) *write {
	t.Helper()
	var ev *storage.AuditEvent
	if bw.audit {
		e := grantEvent(i)
		ev = &e
	}
	w, err := newWrite(storage.ConsumedJTI{Issuer: "https://idp.example", JTI: bw.jti, ExpiresAt: time.Now().Add(time.Hour)}, ev)
	if err != nil {
		t.Fatal(err)
	}
	if bw.jti == "" {
		w.key = []byte("short")
	}
	return w
}

// Writes committed in one batch keep their own outcomes: a replay inside
// the batch and a failing write affect only themselves (DESIGN.md §2
// "Single use", "Audit").
func TestGroupCommitBatch(t *testing.T) {
	_, dsn := pgtest.Schema(t)
	cases := []struct {
		name       string
		writes     []batchWrite
		wantEvents int
	}{
		{"replay_of_a_pair_consumed_earlier_in_the_batch", []batchWrite{{"x1", true, nil}, {"x1", true, storage.ErrReplay}, {"y1", true, nil}}, 2},
		{"plain_consume_then_audited_consume_of_the_same_pair", []batchWrite{{"x2", false, nil}, {"x2", true, storage.ErrReplay}}, 0},
		{"failing_write_fails_alone", []batchWrite{{"x3", true, nil}, {"", true, errAny}, {"y3", true, nil}}, 2},
		{"single_failing_write", []batchWrite{{"", true, errAny}}, 0},
	}
	s := openStore(t, dsn, Options{})
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := countEvents(t, s)
			batch := make([]*write, len(tc.writes))
			for i, bw := range tc.writes {
				batch[i] = mustWrite(t, i, bw)
			}
			s.grants.commit(batch)
			for i, w := range batch {
				<-w.done
				checkWriteOutcome(t, i, w, tc.writes[i])
			}
			if n := countEvents(t, s) - before; n != tc.wantEvents {
				t.Fatalf("%d audit events written, want %d", n, tc.wantEvents)
			}
		})
	}
}

func countEvents(t *testing.T, s *Store) int {
	t.Helper()
	var n int
	if err := s.pool.QueryRow(t.Context(), `SELECT count(*) FROM audit_events`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func checkWriteOutcome(t *testing.T, i int, w *write, bw batchWrite) {
	t.Helper()
	switch {
	case bw.wantErr == nil && w.err != nil:
		t.Errorf("write %d: %v, want success", i, w.err)
	case bw.wantErr == nil && bw.audit && w.seq <= 0:
		t.Errorf("write %d: seq %d, want > 0", i, w.seq)
	case bw.wantErr == storage.ErrReplay && !errors.Is(w.err, storage.ErrReplay):
		t.Errorf("write %d: %v, want ErrReplay", i, w.err)
	case bw.wantErr == errAny && (w.err == nil || errors.Is(w.err, storage.ErrReplay)):
		t.Errorf("write %d: %v, want a non-replay error", i, w.err)
	}
}

func TestGroupCommitAfterClose(t *testing.T) {
	_, dsn := pgtest.Schema(t)
	s := openStore(t, dsn, Options{})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	j := storage.ConsumedJTI{Issuer: "i", JTI: "j", ExpiresAt: time.Now().Add(time.Hour)}
	if _, err := s.ConsumeJTIWithAudit(t.Context(), j, grantEvent(1)); !errors.Is(err, errClosed) {
		t.Fatalf("ConsumeJTIWithAudit after Close: %v, want errClosed", err)
	}
}

// BenchmarkConsumeJTIWithAudit is the store stage of the jwt-bearer
// pipeline with one caller: one batch, one commit per call.
func BenchmarkConsumeJTIWithAudit(b *testing.B) { benchConsume(b, 1) }

// BenchmarkConsumeJTIWithAuditParallel is the same with 32 concurrent
// callers, as under `authplane bench --concurrency 32`.
func BenchmarkConsumeJTIWithAuditParallel(b *testing.B) { benchConsume(b, 32) }

func benchConsume(b *testing.B, callers int) {
	_, dsn := pgtest.Schema(b)
	s, err := Open(context.Background(), dsn, Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	var n atomic.Int64
	exp := time.Now().Add(time.Hour)
	consume := func() error {
		i := int(n.Add(1))
		ev := grantEvent(i)
		ev.AssertionJTI, ev.Subject = secret.ID(), fmt.Sprintf("idp|user-%d", i%5000)
		j := storage.ConsumedJTI{Issuer: "https://idp.example", JTI: ev.AssertionJTI, ExpiresAt: exp}
		_, err := s.ConsumeJTIWithAudit(context.Background(), j, ev)
		return err
	}
	b.ReportAllocs()
	if callers == 1 {
		for b.Loop() {
			if err := consume(); err != nil {
				b.Fatal(err)
			}
		}
		return
	}
	procs := runtime.GOMAXPROCS(0)
	b.SetParallelism((callers + procs - 1) / procs)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := consume(); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
