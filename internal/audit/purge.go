package audit

import (
	"context"
	"crypto/hmac"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/authplane/authplane/internal/secret"
	"github.com/authplane/authplane/internal/storage"
)

// EventPurged is the type of the event that records a retention purge.
const EventPurged = "audit.purged"

// purgeBatch bounds the seals removed in one transaction (and so recorded
// by one audit.purged event).
const purgeBatch = 64

// ErrTampered means Purge found a range that does not verify and left it,
// and everything after it, in place as evidence.
var ErrTampered = errors.New("audit: purge stopped at a range that does not verify")

// purgeRecord is the After document of an audit.purged event.
type purgeRecord struct {
	FromSeq int64     `json:"from_seq"`
	ToSeq   int64     `json:"to_seq"`
	Seals   int       `json:"seals"`
	Events  int64     `json:"events"`
	Before  time.Time `json:"sealed_before"`
}

// Purge removes, oldest first, the events of every sealed range whose seal
// was made before before. Each range goes whole: its seal stays, marked
// purged with a MAC'd purge mark, so the chain still verifies; and each
// transaction appends an audit.purged event naming the ranges it removed
// (which is itself sealed later). A range whose events do not verify is
// not purged: Purge stops there and returns ErrTampered. It returns how
// many events it removed. Several instances may purge at once: a seal is
// marked purged once, and the loser's transaction rolls back.
func (s *Sealer) Purge(ctx context.Context, before time.Time) (int64, error) {
	if len(s.Key) < MinKeyLen {
		return 0, ErrKey
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var total int64
	for {
		batch, err := s.expired(ctx, before)
		if err != nil || len(batch) == 0 {
			return total, err
		}
		good, bad := s.checkBatch(ctx, batch)
		if len(good) > 0 {
			n, err := s.purgeBatch(ctx, good, before)
			if err != nil {
				return total, err
			}
			total += n
		}
		if bad != nil {
			if raced, err := s.purgedMeanwhile(ctx, batch[len(good)]); err != nil || !raced {
				return total, errors.Join(bad, err)
			}
		}
	}
}

// purgedMeanwhile reports whether another instance purged seal since it was
// listed: its events then vanished legitimately while they were checked.
func (s *Sealer) purgedMeanwhile(ctx context.Context, seal storage.AuditSeal) (bool, error) {
	now, err := s.Store.ListAuditSeals(ctx, storage.Page{After: strconv.FormatInt(seal.FromSeq-1, 10), Limit: 1})
	if err != nil {
		return false, fmt.Errorf("audit: purge: %w", err)
	}
	return len(now) == 1 && now[0].FromSeq == seal.FromSeq && !now[0].PurgedAt.IsZero(), nil
}

// expired returns the next run of unpurged seals sealed before before,
// advancing the cursor over seals already purged.
func (s *Sealer) expired(ctx context.Context, before time.Time) ([]storage.AuditSeal, error) {
	var out []storage.AuditSeal
	for {
		seals, err := s.Store.ListAuditSeals(ctx, storage.Page{After: s.purgeCursor, Limit: sealPage})
		if err != nil {
			return nil, fmt.Errorf("audit: purge: %w", err)
		}
		for _, seal := range seals {
			switch {
			case !seal.PurgedAt.IsZero() && len(out) == 0:
				s.purgeCursor = strconv.FormatInt(seal.FromSeq, 10)
			case !seal.PurgedAt.IsZero() || !seal.SealedAt.Before(before) || len(out) == purgeBatch:
				return out, nil
			default:
				out = append(out, seal)
			}
		}
		if len(seals) < sealPage || len(out) > 0 {
			return out, nil
		}
	}
}

// checkBatch verifies the events of each seal before they are deleted
// (Verify checks the links between seals). It returns the seals that
// verify up to the first that does not, and an ErrTampered error for that
// one.
func (s *Sealer) checkBatch(ctx context.Context, batch []storage.AuditSeal) ([]storage.AuditSeal, error) {
	for i, seal := range batch {
		if !hmacOK(s.Key, seal) {
			return batch[:i], fmt.Errorf("%w: seal [%d, %d] fails its MAC", ErrTampered, seal.FromSeq, seal.ToSeq)
		}
		es, err := decodeEntries(seal.Digests)
		if err != nil || int64(len(es)) != seal.Count {
			return batch[:i], fmt.Errorf("%w: seal [%d, %d] has a bad digest list", ErrTampered, seal.FromSeq, seal.ToSeq)
		}
		p, err := compareRange(ctx, s.Store, seal, es)
		if err != nil {
			return batch[:i], err
		}
		if p != nil {
			return batch[:i], fmt.Errorf("%w: %s at seq %d: %s", ErrTampered, p.Kind, p.Seq, p.Detail)
		}
	}
	return batch, nil
}

// purgeBatch marks, deletes and records one batch in one transaction.
func (s *Sealer) purgeBatch(ctx context.Context, batch []storage.AuditSeal, before time.Time) (int64, error) {
	now := s.now().UTC().Truncate(time.Millisecond)
	rec := purgeRecord{FromSeq: batch[0].FromSeq, ToSeq: batch[len(batch)-1].ToSeq, Seals: len(batch), Before: before.UTC()}
	err := s.Store.WithTx(ctx, func(tx storage.Tx) error {
		rec.Events = 0
		for _, seal := range batch {
			err := tx.MarkAuditSealPurged(ctx, seal.FromSeq, now, mac(s.Key, purgeMessage(seal.FromSeq, seal.ToSeq, now)))
			if err != nil {
				return err
			}
			n, err := tx.DeleteAuditRange(ctx, seal.FromSeq, seal.ToSeq)
			if err != nil {
				return err
			}
			if n != seal.Count {
				return fmt.Errorf("%w: range [%d, %d] holds %d events, sealed %d", ErrTampered, seal.FromSeq, seal.ToSeq, n, seal.Count)
			}
			rec.Events += n
		}
		after, err := json.Marshal(rec)
		if err != nil {
			return err
		}
		_, err = tx.AppendAudit(ctx, storage.AuditEvent{ID: secret.ID(), Time: now, Type: EventPurged,
			Outcome: "success", Actor: "authplane", After: after})
		return err
	})
	if errors.Is(err, storage.ErrNotFound) {
		s.log().Info("audit: another instance purged these ranges first", "from_seq", rec.FromSeq)
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("audit: purge: %w", err)
	}
	s.purgeCursor = strconv.FormatInt(batch[len(batch)-1].FromSeq, 10)
	s.log().Info("audit: purged sealed ranges", "from_seq", rec.FromSeq, "to_seq", rec.ToSeq, "events", rec.Events)
	return rec.Events, nil
}

// hmacOK checks a seal's MAC.
func hmacOK(key []byte, seal storage.AuditSeal) bool {
	return hmac.Equal(seal.MAC, mac(key, sealMessage(seal)))
}
