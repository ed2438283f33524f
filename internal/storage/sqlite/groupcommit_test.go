package sqlite

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/authplane/authplane/internal/secret"
	"github.com/authplane/authplane/internal/storage"
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
	jti     string // "" makes the write fail (NULL key)
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
	j := storage.ConsumedJTI{Issuer: "https://idp.example", JTI: bw.jti, ExpiresAt: time.Now().Add(time.Hour)}
	w, err := newWrite(j, ev)
	if err != nil {
		t.Fatal(err)
	}
	if bw.jti == "" {
		w.hash = nil
	}
	return w
}

// Writes committed together keep their own outcomes: a replay inside the
// batch and a failing write affect only themselves (DESIGN.md §2 "Single
// use", "Audit").
func TestGroupCommitBatch(t *testing.T) {
	cases := []struct {
		name       string
		writes     []batchWrite
		wantEvents int
	}{
		{"replay_of_a_pair_consumed_earlier_in_the_batch", []batchWrite{{"x", true, nil}, {"x", true, storage.ErrReplay}, {"y", true, nil}}, 2},
		{"plain_consume_then_audited_consume_of_the_same_pair", []batchWrite{{"x", false, nil}, {"x", true, storage.ErrReplay}}, 0},
		{"failing_write_fails_alone", []batchWrite{{"x", true, nil}, {"", true, errAny}, {"y", true, nil}}, 2},
		{"single_failing_write", []batchWrite{{"", true, errAny}}, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := openTemp(t)
			batch := make([]*write, len(tc.writes))
			for i, bw := range tc.writes {
				batch[i] = mustWrite(t, i, bw)
			}
			s.grants.commit(batch)
			for i, w := range batch {
				<-w.done
				checkWriteOutcome(t, i, w, tc.writes[i])
			}
			evs, err := s.ListAudit(t.Context(), storage.AuditFilter{}, storage.Page{})
			if err != nil || len(evs) != tc.wantEvents {
				t.Fatalf("%d audit events (%v), want %d", len(evs), err, tc.wantEvents)
			}
		})
	}
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
	s, err := Open(t.Context(), filepath.Join(t.TempDir(), "authplane.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	j := storage.ConsumedJTI{Issuer: "i", JTI: "j", ExpiresAt: time.Now().Add(time.Hour)}
	if _, err := s.ConsumeJTIWithAudit(t.Context(), j, grantEvent(1)); !errors.Is(err, errClosed) {
		t.Fatalf("ConsumeJTIWithAudit after Close: %v, want errClosed", err)
	}
}

// BenchmarkConsumeJTIWithAudit is the store stage of the jwt-bearer
// pipeline with one caller: every call is its own transaction and WAL
// sync (synchronous=FULL), so this is the latency floor of a grant.
func BenchmarkConsumeJTIWithAudit(b *testing.B) {
	benchConsume(b, 1)
}

// BenchmarkConsumeJTIWithAuditParallel is the same with 32 concurrent
// callers, as under `authplane bench --concurrency 32`: group commit
// shares one transaction and one sync among the callers queued.
func BenchmarkConsumeJTIWithAuditParallel(b *testing.B) {
	benchConsume(b, 32)
}

func benchConsume(b *testing.B, callers int) {
	s, err := Open(context.Background(), filepath.Join(b.TempDir(), "authplane.db"), Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	var n atomic.Int64
	exp := time.Now().Add(time.Hour)
	consume := func() error {
		i := int(n.Add(1))
		// As in a real grant: the IdP's jti and our token jti are random,
		// the subject one of many users.
		ev := grantEvent(i)
		ev.AssertionJTI, ev.TokenJTI, ev.Subject = secret.ID(), secret.ID(), fmt.Sprintf("idp|user-%d", i%5000)
		j := storage.ConsumedJTI{Issuer: "https://idp.example", JTI: ev.AssertionJTI, ExpiresAt: exp}
		_, err := s.ConsumeJTIWithAudit(context.Background(), j, ev)
		return err
	}
	b.ReportAllocs()
	cpu := processCPU()
	defer func() { reportCPU(b, cpu) }()
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

// reportCPU adds the process CPU time per operation since start as the
// metric cpu-ns/op: on a shared machine ns/op also counts time spent
// waiting for a core.
func reportCPU(b *testing.B, start time.Duration) {
	if used := processCPU() - start; used > 0 && start > 0 {
		b.ReportMetric(float64(used.Nanoseconds())/float64(b.N), "cpu-ns/op")
	}
}

// The event ConsumeJTIWithAudit returns without decoding is the one the
// stored document decodes to.
func TestStoredEventMatchesDecodedDocument(t *testing.T) {
	withNil := grantEvent(1)
	withNil.RequestedScopes, withNil.PolicyRuleIDs = nil, []string{}
	badUTF8 := grantEvent(2)
	badUTF8.UserAgent = "agent\xff"
	withDocs := grantEvent(3)
	withDocs.Before = []byte(`{"a": 1}`)
	cases := []struct {
		name string
		ev   storage.AuditEvent
	}{
		{"grant_event", grantEvent(0)},
		{"nil_and_empty_lists", withNil},
		{"invalid_utf8_is_decoded", badUTF8},
		{"before_document_is_decoded", withDocs},
		{"sub_millisecond_time", func() storage.AuditEvent { e := grantEvent(4); e.Time = e.Time.Add(1234567); return e }()},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w, err := newWrite(storage.ConsumedJTI{Issuer: "i", JTI: "j"}, &tc.ev)
			if err != nil {
				t.Fatal(err)
			}
			w.seq = 7
			got, err := storedEvent(w)
			if err != nil {
				t.Fatal(err)
			}
			want, err := decodeEvent(7, w.doc)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("stored event\n%#v\nwant\n%#v", got, want)
			}
		})
	}
}
