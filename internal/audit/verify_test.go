package audit

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/authplane/authplane/internal/storage"
)

func TestSealAndVerify_CleanLogIsOK(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b *backend) {
		c := newClock()
		appendEvents(t, b.store, c, 0, 25)
		s := newSealer(b.store, c, 10)
		for i, want := range []int{10, 10, 5, 0} {
			n, err := s.SealOnce(t.Context())
			if err != nil || n != want {
				t.Fatalf("SealOnce %d = %d, %v; want %d", i, n, err, want)
			}
		}
		r := verify(t, b.store)
		if !r.OK || r.Seals != 3 || r.Events != 25 || r.Unsealed != 0 || r.LastSealedSeq != 25 || r.FirstProblem != nil {
			t.Fatalf("report %+v, want OK with 3 seals, 25 events, none unsealed", r)
		}
		appendEvents(t, b.store, c, 25, 2)
		if r := verify(t, b.store); !r.OK || r.Unsealed != 2 {
			t.Errorf("after two more appends: %+v, want OK with 2 unsealed", r)
		}
	})
}

func TestSealAndVerify_EmptyLogIsOK(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b *backend) {
		if n := sealAll(t, newSealer(b.store, newClock(), 0)); n != 0 {
			t.Errorf("sealed %d events of an empty log", n)
		}
		if r := verify(t, b.store); !r.OK || r.Seals != 0 || r.Events != 0 {
			t.Errorf("report %+v, want OK and empty", r)
		}
	})
}

// tamperCase is one way of editing the store behind AuthPlane's back.
type tamperCase struct {
	name     string
	tamper   func(t *testing.T, b *backend)
	wantSeq  int64
	wantKind string
}

func tamperCases() []tamperCase {
	return []tamperCase{
		{"edited subject of event 7", func(t *testing.T, b *backend) {
			if b.pg {
				b.exec(t, `UPDATE audit_events SET event = jsonb_set(event, '{subject}', '"mallory"') WHERE seq = ?`, 7)
				return
			}
			b.exec(t, `UPDATE audit_events SET event = json_set(event, '$.subject', 'mallory') WHERE seq = ?`, 7)
		}, 7, KindEdited},
		{"edited before document of event 12", func(t *testing.T, b *backend) {
			if b.pg {
				b.exec(t, `UPDATE audit_events SET after = '{"k":[1,3],"s":"v"}' WHERE seq = ?`, 12)
				return
			}
			b.exec(t, `UPDATE audit_events SET event = json_set(event, '$.after', json('{"k":[1,3],"s":"v"}')) WHERE seq = ?`, 12)
		}, 12, KindEdited},
		{"deleted event 4", func(t *testing.T, b *backend) {
			b.exec(t, `DELETE FROM audit_events WHERE seq = ?`, 4)
		}, 4, KindDeleted},
		{"deleted the last sealed event", func(t *testing.T, b *backend) {
			b.exec(t, `DELETE FROM audit_events WHERE seq = ?`, 20)
		}, 20, KindDeleted},
		{"inserted event 15 into a sealed gap", func(t *testing.T, b *backend) {
			insertRaw(t, b, 15)
		}, 15, KindInserted},
		{"seal MAC replaced", func(t *testing.T, b *backend) {
			b.exec(t, `UPDATE audit_seals SET mac = ? WHERE from_seq = ?`, bytes.Repeat([]byte{1}, 32), 11)
		}, 11, KindSealInvalid},
		{"seal count changed", func(t *testing.T, b *backend) {
			b.exec(t, `UPDATE audit_seals SET count = count - 1 WHERE from_seq = ?`, 11)
		}, 11, KindSealInvalid},
		{"seal digest list changed", func(t *testing.T, b *backend) {
			b.exec(t, `UPDATE audit_seals SET digests = ? WHERE from_seq = ?`, bytes.Repeat([]byte{2}, 40*9), 11)
		}, 11, KindSealInvalid},
		{"middle seal deleted", func(t *testing.T, b *backend) {
			b.exec(t, `DELETE FROM audit_seals WHERE from_seq = ?`, 11)
		}, 22, KindChainBroken},
		{"first seal deleted", func(t *testing.T, b *backend) {
			b.exec(t, `DELETE FROM audit_seals WHERE from_seq = ?`, 1)
		}, 11, KindChainBroken},
		{"purge mark forged over deleted events", func(t *testing.T, b *backend) {
			b.exec(t, `DELETE FROM audit_events WHERE seq >= 1 AND seq <= 10`)
			b.exec(t, `UPDATE audit_seals SET purged_at = sealed_at, purge_mac = ? WHERE from_seq = ?`, bytes.Repeat([]byte{3}, 32), 1)
		}, 1, KindSealInvalid},
	}
}

// insertRaw inserts a forged event with the given seq.
func insertRaw(t *testing.T, b *backend, seq int64) {
	t.Helper()
	if b.pg {
		b.exec(t, `INSERT INTO audit_events (seq, id, time, type, outcome, reason, idp_id, client_id, subject,
			resource, assertion_jti, token_jti, event) OVERRIDING SYSTEM VALUE VALUES (?, 'forged', now(), 'token.issued',
			'success', '', '', '', 'mallory', '', '', '', '{"id":"forged","type":"token.issued","subject":"mallory"}')`, seq)
		return
	}
	b.exec(t, `INSERT INTO audit_events (seq, id, time, type, outcome, reason, idp_id, client_id, subject, resource,
		assertion_jti, token_jti, event) VALUES (?, 'forged', 0, 'token.issued', 'success', '', '', '', 'mallory', '', '', '',
		'{"id":"forged","type":"token.issued","subject":"mallory"}')`, seq)
}

// TestVerify_DetectsTampering appends events 1..26, deletes event 15
// before sealing (a legitimate gap, like a rolled-back PostgreSQL append),
// seals [1,10], [11,21] and [22,26] and then tampers, expecting the first
// problem at the right seq.
func TestVerify_DetectsTampering(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b *backend) {
		for _, tc := range tamperCases() {
			t.Run(tc.name, func(t *testing.T) {
				b := freshLike(t, b)
				c := newClock()
				appendEvents(t, b.store, c, 0, 26)
				b.exec(t, `DELETE FROM audit_events WHERE seq = ?`, 15)
				if n := sealAll(t, newSealer(b.store, c, 10)); n != 25 {
					t.Fatalf("sealed %d events, want 25", n)
				}
				if r := verify(t, b.store); !r.OK {
					t.Fatalf("before tampering: %+v", r.FirstProblem)
				}
				tc.tamper(t, b)
				r := verify(t, b.store)
				if r.OK || r.FirstProblem == nil || r.FirstProblem.Seq != tc.wantSeq || r.FirstProblem.Kind != tc.wantKind {
					t.Fatalf("report %+v problem %+v, want %s at %d", r, r.FirstProblem, tc.wantKind, tc.wantSeq)
				}
			})
		}
	})
}

// freshLike returns an empty backend of b's kind: a new SQLite file, or
// b's PostgreSQL schema emptied with the audit seq restarted at 1 (cheaper
// than migrating a new schema per case).
func freshLike(t *testing.T, b *backend) *backend {
	t.Helper()
	if b.pg {
		b.exec(t, `DELETE FROM audit_seals; DELETE FROM audit_events; ALTER TABLE audit_events ALTER COLUMN seq RESTART`)
		return b
	}
	return sqliteBackend(t)
}

func TestVerify_WrongKeyIsSealInvalid(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b *backend) {
		c := newClock()
		appendEvents(t, b.store, c, 0, 3)
		sealAll(t, newSealer(b.store, c, 0))
		r, err := Verify(t.Context(), b.store, []byte("another key, long enough"))
		if err != nil || r.OK || r.FirstProblem.Kind != KindSealInvalid || r.FirstProblem.Seq != 1 {
			t.Fatalf("report %+v, %v; want seal_invalid at 1", r, err)
		}
	})
}

func TestVerify_ShortKeyIsAnError(t *testing.T) {
	b := sqliteBackend(t)
	if _, err := Verify(t.Context(), b.store, []byte("short")); !errors.Is(err, ErrKey) {
		t.Errorf("Verify with a 5-byte key: err %v, want ErrKey", err)
	}
	if _, err := newSealer(b.store, newClock(), 0).SealOnce(t.Context()); err != nil {
		t.Errorf("SealOnce with the test key: %v", err)
	}
	s := &Sealer{Store: b.store}
	if _, err := s.SealOnce(t.Context()); !errors.Is(err, ErrKey) {
		t.Errorf("SealOnce without a key: err %v, want ErrKey", err)
	}
}

func TestSealer_WaitsForMinAge(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b *backend) {
		c := newClock()
		appendEvents(t, b.store, c, 0, 3) // a minute old
		young := event(3, c.Now().Add(-time.Second))
		if _, err := b.store.AppendAudit(t.Context(), young, event(4, c.Now().Add(-time.Minute))); err != nil {
			t.Fatal(err)
		}
		s := newSealer(b.store, c, 0)
		if n := sealAll(t, s); n != 3 {
			t.Fatalf("sealed %d events, want the 3 before the young one", n)
		}
		c.Advance(DefaultMinAge)
		if n := sealAll(t, s); n != 2 {
			t.Fatalf("after %s sealed %d more, want 2", DefaultMinAge, n)
		}
		if r := verify(t, b.store); !r.OK || r.Events != 5 || r.Seals != 2 {
			t.Errorf("report %+v, want OK with 5 events in 2 seals", r)
		}
	})
}

func TestSealer_LosingARaceSealsNothing(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b *backend) {
		c := newClock()
		appendEvents(t, b.store, c, 0, 4)
		s := newSealer(b.store, c, 0)
		// Another instance sealed the same range first.
		rival := newSealer(b.store, c, 2)
		if n, err := rival.SealOnce(t.Context()); err != nil || n != 2 {
			t.Fatalf("rival: %d, %v", n, err)
		}
		last, err := b.store.LastAuditSeal(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		err = b.store.AppendAuditSeal(t.Context(), storage.AuditSeal{FromSeq: last.FromSeq, ToSeq: 4, Count: 4,
			Head: last.Head, Prev: last.Prev, MAC: last.MAC, SealedAt: last.SealedAt})
		if !errors.Is(err, storage.ErrConflict) {
			t.Fatalf("duplicate seal: err %v, want ErrConflict", err)
		}
		if n := sealAll(t, s); n != 2 {
			t.Errorf("second sealer sealed %d, want the remaining 2", n)
		}
		if r := verify(t, b.store); !r.OK || r.Seals != 2 {
			t.Errorf("report %+v", r)
		}
	})
}
