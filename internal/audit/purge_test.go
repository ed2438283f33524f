package audit

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/authplane/authplane/internal/storage"
)

// purgeRecordOf decodes the After document of an audit.purged event.
func purgeRecordOf(t *testing.T, ev storage.AuditEvent) purgeRecord {
	t.Helper()
	var r purgeRecord
	if err := json.Unmarshal(ev.After, &r); err != nil {
		t.Fatalf("audit.purged event %d: %v", ev.Seq, err)
	}
	return r
}

// sealedHourly appends and seals 10 events (two seals) at T0 and 5 more
// (one seal) an hour later, and leaves the clock at T0 + 2h.
func sealedHourly(t *testing.T, b *backend) (*clock, time.Time) {
	t.Helper()
	c := newClock()
	t0 := c.Now()
	appendEvents(t, b.store, c, 0, 10)
	sealAll(t, newSealer(b.store, c, 5))
	c.Advance(time.Hour)
	appendEvents(t, b.store, c, 10, 5)
	sealAll(t, newSealer(b.store, c, 5))
	c.Advance(time.Hour)
	return c, t0
}

func TestPurge_RemovesWholeSealedRangesAndStillVerifies(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b *backend) {
		c, t0 := sealedHourly(t, b)
		s := newSealer(b.store, c, 5)
		n, err := s.Purge(t.Context(), t0.Add(30*time.Minute))
		if err != nil || n != 10 {
			t.Fatalf("Purge = %d, %v; want the 10 events of the first two seals", n, err)
		}
		left, err := b.store.ListAudit(t.Context(), storage.AuditFilter{}, storage.Page{})
		if err != nil {
			t.Fatal(err)
		}
		if len(left) != 6 || left[0].Seq != 11 || left[5].Type != EventPurged {
			t.Fatalf("left %d events starting at %d; want 11..15 and the audit.purged event", len(left), left[0].Seq)
		}
		rec := purgeRecordOf(t, left[5])
		if rec.FromSeq != 1 || rec.ToSeq != 10 || rec.Seals != 2 || rec.Events != 10 {
			t.Errorf("purge record %+v", rec)
		}
		if r := verify(t, b.store); !r.OK || r.Seals != 3 || r.PurgedSeals != 2 || r.Events != 5 || r.Unsealed != 1 {
			t.Errorf("after purge: report %+v problem %+v", r, r.FirstProblem)
		}
		if n, err := s.Purge(t.Context(), t0.Add(30*time.Minute)); err != nil || n != 0 {
			t.Errorf("second Purge = %d, %v; want nothing to do", n, err)
		}
		c.Advance(time.Minute)
		sealAll(t, s)
		if r := verify(t, b.store); !r.OK || r.Seals != 4 || r.Unsealed != 0 {
			t.Errorf("after sealing the purge record: report %+v problem %+v", r, r.FirstProblem)
		}
	})
}

func TestPurge_RefusesATamperedRange(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b *backend) {
		c, _ := sealedHourly(t, b)
		b.exec(t, `DELETE FROM audit_events WHERE seq = ?`, 7)
		n, err := newSealer(b.store, c, 5).Purge(t.Context(), c.Now())
		if !errors.Is(err, ErrTampered) || n != 5 {
			t.Fatalf("Purge = %d, %v; want the first seal purged, then ErrTampered", n, err)
		}
		r := verify(t, b.store)
		if r.OK || r.FirstProblem.Kind != KindDeleted || r.FirstProblem.Seq != 7 {
			t.Errorf("evidence lost: report %+v problem %+v", r, r.FirstProblem)
		}
	})
}

func TestSealerTick_SealsAndAppliesRetention(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b *backend) {
		c := newClock()
		appendEvents(t, b.store, c, 0, 7)
		s := newSealer(b.store, c, 3)
		s.Retention = time.Hour
		s.tick(t.Context())
		if r := verify(t, b.store); !r.OK || r.Seals != 3 || r.Events != 7 || r.PurgedSeals != 0 {
			t.Fatalf("after the first tick: %+v", r)
		}
		c.Advance(2 * time.Hour)
		s.tick(t.Context())
		r := verify(t, b.store)
		if !r.OK || r.PurgedSeals != 3 || r.Unsealed != 1 {
			t.Errorf("after retention: %+v problem %+v", r, r.FirstProblem)
		}
	})
}
