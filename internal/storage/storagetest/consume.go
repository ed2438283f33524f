package storagetest

import (
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/authplane/authplane/internal/storage"
)

// grantJTI is the pair the ConsumeJTIWithAudit tests consume.
func grantJTI() storage.ConsumedJTI {
	return storage.ConsumedJTI{Issuer: "https://idp.example", JTI: "assertion-1", ExpiresAt: at(5 * time.Minute)}
}

// testConsumeWithAudit checks the grant hot path: the jti and the audit
// event are written together or not at all (DESIGN.md §2 "Audit").
func testConsumeWithAudit(t *testing.T, open Opener) {
	runAll(t, open, []namedTest{
		{"success returns the event with a sequence number and lists it", testConsumeAuditSuccess},
		{"replay is ErrReplay and writes no audit event", testConsumeAuditReplay},
		{"pair consumed by ConsumeJTI is a replay and writes no event", testConsumeAuditAfterPlainConsume},
		{"64 goroutines racing yield one winner and one event", testConsumeAuditRace},
		{"distinct pairs each get their own event in order", testConsumeAuditDistinctPairs},
	})
}

func testConsumeAuditSuccess(t *testing.T, open Opener) {
	ctx, s, j := ctxFor(t), open(t), grantJTI()
	ev := fullEvent(1)
	got, err := s.ConsumeJTIWithAudit(ctx, j, ev)
	must(t, err, "consume with audit")
	if got.Seq <= 0 {
		t.Fatalf("Seq = %d, want > 0", got.Seq)
	}
	ev.Seq = got.Seq
	assertEqual(t, "returned event", ev, got)
	listed, err := s.ListAudit(ctx, storage.AuditFilter{}, storage.Page{})
	must(t, err, "list audit")
	assertEqual(t, "listed events", []storage.AuditEvent{ev}, listed)
	wantErr(t, "plain consume of the same pair", s.ConsumeJTI(ctx, j), storage.ErrReplay)
}

func testConsumeAuditReplay(t *testing.T, open Opener) {
	ctx, s, j := ctxFor(t), open(t), grantJTI()
	_, err := s.ConsumeJTIWithAudit(ctx, j, fullEvent(1))
	must(t, err, "first")
	_, err = s.ConsumeJTIWithAudit(ctx, j, fullEvent(2))
	wantErr(t, "second", err, storage.ErrReplay)
	if n := countAudit(ctx, t, s); n != 1 {
		t.Errorf("%d audit events after a replay, want 1", n)
	}
}

func testConsumeAuditAfterPlainConsume(t *testing.T, open Opener) {
	ctx, s, j := ctxFor(t), open(t), grantJTI()
	must(t, s.ConsumeJTI(ctx, j), "consume")
	_, err := s.ConsumeJTIWithAudit(ctx, j, fullEvent(1))
	wantErr(t, "consume with audit", err, storage.ErrReplay)
	if n := countAudit(ctx, t, s); n != 0 {
		t.Errorf("%d audit events after a replay, want 0", n)
	}
}

func testConsumeAuditRace(t *testing.T, open Opener) {
	ctx, s, j := ctxFor(t), open(t), grantJTI()
	var seqs [racers]int64
	errs := race(racers, func(i int) error {
		ev, err := s.ConsumeJTIWithAudit(ctx, j, fullEvent(i))
		seqs[i] = ev.Seq
		return err
	})
	checkOneWinner(t, errs)
	evs, err := s.ListAudit(ctx, storage.AuditFilter{}, storage.Page{Limit: storage.MaxPageLimit})
	must(t, err, "list audit")
	if len(evs) != 1 {
		t.Fatalf("%d audit events, want 1", len(evs))
	}
	for i, e := range errs {
		if e == nil && seqs[i] != evs[0].Seq {
			t.Errorf("winner got Seq %d, listed event has %d", seqs[i], evs[0].Seq)
		}
	}
}

func testConsumeAuditDistinctPairs(t *testing.T, open Opener) {
	ctx, s, j := ctxFor(t), open(t), grantJTI()
	var last int64
	for i := range 5 {
		jj := j
		jj.JTI = "assertion-" + strconv.Itoa(i)
		ev, err := s.ConsumeJTIWithAudit(ctx, jj, fullEvent(i))
		must(t, err, fmt.Sprintf("consume %d", i))
		if ev.Seq <= last {
			t.Errorf("event %d: Seq %d not above %d", i, ev.Seq, last)
		}
		last = ev.Seq
	}
	if n := countAudit(ctx, t, s); n != 5 {
		t.Errorf("%d audit events, want 5", n)
	}
}
