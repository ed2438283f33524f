package storagetest

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/authplane/authplane/internal/storage"
)

// sampleSeal returns seal number i of a contiguous chain of ten-seq ranges
// with every field set; the bytes are arbitrary (storage keeps them as
// given).
func sampleSeal(i int) storage.AuditSeal {
	from := int64(i*10 + 1)
	return storage.AuditSeal{
		FromSeq:  from,
		ToSeq:    from + 9,
		Count:    int64(8 + i%3),
		Head:     bytes.Repeat([]byte{byte(i + 1)}, 32),
		Prev:     bytes.Repeat([]byte{byte(i)}, 32),
		Digests:  bytes.Repeat([]byte{0x00, 0xff, byte(i)}, 40),
		MAC:      bytes.Repeat([]byte{0xa5, byte(i)}, 16),
		SealedAt: at(time.Duration(i) * time.Minute),
	}
}

// testAuditSeals checks the seal chain's storage: round trips, ordering,
// the one-winner rule, purge marks, range deletion and the watermark.
func testAuditSeals(t *testing.T, open Opener) {
	runAll(t, open, []namedTest{
		{"seals round trip and list in ascending FromSeq with a decimal cursor", testSealsRoundTrip},
		{"last seal is the highest FromSeq, ErrNotFound when none", testSealsLast},
		{"a second seal with the same FromSeq is ErrConflict", testSealsConflict},
		{"of eight concurrent appends of one FromSeq exactly one wins", testSealsRace},
		{"a seal without head, prev, mac, time or a valid range is ErrInvalid", testSealsInvalid},
		{"a seal appended in a rolled-back transaction is not stored", testSealsRollback},
		{"a purge mark is set once and clears the digests", testSealsPurgeMark},
		{"delete audit range removes exactly the inclusive range", testDeleteAuditRange},
		{"the watermark is the highest committed seq", testAuditWatermark},
	})
}

func testSealsRoundTrip(t *testing.T, open Opener) {
	ctx, s := ctxFor(t), open(t)
	want := make([]storage.AuditSeal, 5)
	for i := range want {
		want[i] = sampleSeal(i)
	}
	want[4].Digests = nil
	for _, i := range []int{3, 0, 4, 1, 2} { // out of order: listing sorts
		must(t, s.AppendAuditSeal(ctx, want[i]), fmt.Sprintf("append seal %d", i))
	}
	got, err := s.ListAuditSeals(ctx, storage.Page{})
	must(t, err, "list")
	assertEqual(t, "listed seals", want, got)
	page, err := s.ListAuditSeals(ctx, storage.Page{After: strconv.FormatInt(want[1].FromSeq, 10), Limit: 2})
	must(t, err, "list page")
	assertEqual(t, "page after seal 1", want[2:4], page)
	if _, err := s.ListAuditSeals(ctx, storage.Page{After: "seal-1"}); !errors.Is(err, storage.ErrInvalid) {
		t.Errorf("non-numeric cursor: err %v, want ErrInvalid", err)
	}
}

func testSealsLast(t *testing.T, open Opener) {
	ctx, s := ctxFor(t), open(t)
	if _, err := s.LastAuditSeal(ctx); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("last seal of an empty store: err %v, want ErrNotFound", err)
	}
	for _, i := range []int{0, 2, 1} {
		must(t, s.AppendAuditSeal(ctx, sampleSeal(i)), "append")
	}
	got, err := s.LastAuditSeal(ctx)
	must(t, err, "last")
	assertEqual(t, "last seal", sampleSeal(2), got)
}

func testSealsConflict(t *testing.T, open Opener) {
	ctx, s := ctxFor(t), open(t)
	must(t, s.AppendAuditSeal(ctx, sampleSeal(0)), "append")
	other := sampleSeal(0)
	other.ToSeq, other.Head = 42, bytes.Repeat([]byte{9}, 32)
	if err := s.AppendAuditSeal(ctx, other); !errors.Is(err, storage.ErrConflict) {
		t.Fatalf("second seal with FromSeq %d: err %v, want ErrConflict", other.FromSeq, err)
	}
	got, err := s.LastAuditSeal(ctx)
	must(t, err, "last")
	assertEqual(t, "the first seal stays", sampleSeal(0), got)
}

func testSealsRace(t *testing.T, open Opener) {
	ctx, s := ctxFor(t), open(t)
	const n = 8
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			seal := sampleSeal(0)
			seal.ToSeq = seal.FromSeq + int64(i)
			<-start
			errs[i] = s.AppendAuditSeal(ctx, seal)
		})
	}
	close(start)
	wg.Wait()
	wins := 0
	for i, err := range errs {
		switch {
		case err == nil:
			wins++
		case !errors.Is(err, storage.ErrConflict):
			t.Errorf("append %d: err %v, want nil or ErrConflict", i, err)
		}
	}
	seals, err := s.ListAuditSeals(ctx, storage.Page{})
	must(t, err, "list")
	if wins != 1 || len(seals) != 1 {
		t.Errorf("%d appends succeeded and %d seals stored, want exactly one of each", wins, len(seals))
	}
}

func testSealsInvalid(t *testing.T, open Opener) {
	ctx, s := ctxFor(t), open(t)
	for _, tc := range []struct {
		name string
		edit func(*storage.AuditSeal)
	}{
		{"FromSeq zero", func(x *storage.AuditSeal) { x.FromSeq = 0 }},
		{"ToSeq before FromSeq", func(x *storage.AuditSeal) { x.ToSeq = x.FromSeq - 1 }},
		{"negative count", func(x *storage.AuditSeal) { x.Count = -1 }},
		{"no head", func(x *storage.AuditSeal) { x.Head = nil }},
		{"no prev", func(x *storage.AuditSeal) { x.Prev = []byte{} }},
		{"no mac", func(x *storage.AuditSeal) { x.MAC = nil }},
		{"no time", func(x *storage.AuditSeal) { x.SealedAt = time.Time{} }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			seal := sampleSeal(0)
			tc.edit(&seal)
			if err := s.AppendAuditSeal(ctx, seal); !errors.Is(err, storage.ErrInvalid) {
				t.Errorf("err %v, want ErrInvalid", err)
			}
		})
	}
}

func testSealsRollback(t *testing.T, open Opener) {
	ctx, s := ctxFor(t), open(t)
	boom := errors.New("boom")
	err := s.WithTx(ctx, func(tx storage.Tx) error {
		must(t, tx.AppendAuditSeal(ctx, sampleSeal(0)), "append in tx")
		if _, err := tx.LastAuditSeal(ctx); err != nil {
			t.Errorf("seal not visible inside its transaction: %v", err)
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("WithTx: err %v, want boom", err)
	}
	if _, err := s.LastAuditSeal(ctx); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("after rollback: err %v, want ErrNotFound", err)
	}
}

func testSealsPurgeMark(t *testing.T, open Opener) {
	ctx, s := ctxFor(t), open(t)
	must(t, s.AppendAuditSeal(ctx, sampleSeal(0)), "append 0")
	must(t, s.AppendAuditSeal(ctx, sampleSeal(1)), "append 1")
	mac := []byte("purge-mac")
	must(t, s.MarkAuditSealPurged(ctx, 1, at(time.Hour), mac), "mark")
	err := s.MarkAuditSealPurged(ctx, 1, at(2*time.Hour), []byte("other"))
	if !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("second mark: err %v, want ErrNotFound", err)
	}
	if err := s.MarkAuditSealPurged(ctx, 5, at(time.Hour), mac); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("mark of no seal: err %v, want ErrNotFound", err)
	}
	if err := s.MarkAuditSealPurged(ctx, 11, at(time.Hour), nil); !errors.Is(err, storage.ErrInvalid) {
		t.Errorf("mark without a mac: err %v, want ErrInvalid", err)
	}
	want := []storage.AuditSeal{sampleSeal(0), sampleSeal(1)}
	want[0].PurgedAt, want[0].PurgeMAC, want[0].Digests = at(time.Hour), mac, nil
	got, err := s.ListAuditSeals(ctx, storage.Page{})
	must(t, err, "list")
	assertEqual(t, "seals after the purge mark", want, got)
}

func testDeleteAuditRange(t *testing.T, open Opener) {
	ctx, s := ctxFor(t), open(t)
	evs := make([]storage.AuditEvent, 10)
	for i := range evs {
		evs[i] = fullEvent(i)
	}
	stored, err := s.AppendAudit(ctx, evs...)
	must(t, err, "append")
	n, err := s.DeleteAuditRange(ctx, stored[2].Seq, stored[5].Seq)
	must(t, err, "delete")
	if n != 4 {
		t.Errorf("deleted %d events, want 4", n)
	}
	got, err := s.ListAudit(ctx, storage.AuditFilter{}, storage.Page{})
	must(t, err, "list")
	want := append(append([]storage.AuditEvent{}, stored[:2]...), stored[6:]...)
	assertEqual(t, "events left", want, got)
	if n, err := s.DeleteAuditRange(ctx, stored[2].Seq, stored[5].Seq); err != nil || n != 0 {
		t.Errorf("second delete: %d, %v; want 0, nil", n, err)
	}
}

func testAuditWatermark(t *testing.T, open Opener) {
	ctx, s := ctxFor(t), open(t)
	w, err := s.AuditWatermark(ctx)
	must(t, err, "watermark of an empty log")
	if w != 0 {
		t.Errorf("watermark of an empty log = %d, want 0", w)
	}
	stored, err := s.AppendAudit(ctx, fullEvent(1), fullEvent(2), fullEvent(3))
	must(t, err, "append")
	if w, err = s.AuditWatermark(ctx); err != nil || w != stored[2].Seq {
		t.Errorf("watermark = %d, %v; want %d", w, err, stored[2].Seq)
	}
	err = s.WithTx(ctx, func(tx storage.Tx) error {
		more, err := tx.AppendAudit(ctx, fullEvent(4))
		must(t, err, "append in tx")
		w, err := tx.AuditWatermark(ctx)
		must(t, err, "watermark in tx")
		if w != more[0].Seq {
			t.Errorf("watermark inside the appending transaction = %d, want its own %d", w, more[0].Seq)
		}
		return nil
	})
	must(t, err, "tx")
}
