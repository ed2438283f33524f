package audit

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/authplane/authplane/internal/storage"
)

// Defaults of the Sealer.
const (
	// DefaultMinAge is how old an event must be before it is sealed.
	DefaultMinAge = 10 * time.Second
	// DefaultMaxBatch bounds the events of one seal.
	DefaultMaxBatch = 1000
	// MinKeyLen is the shortest MAC key accepted.
	MinKeyLen = 16
)

// ErrKey means the MAC key is missing or shorter than MinKeyLen.
var ErrKey = errors.New("audit: seal key missing or shorter than 16 bytes")

// Sealer seals the audit trail in batches (DESIGN.md §6): each seal covers
// the events after the previous seal, chains their digests from the
// previous Head and is authenticated with HMAC-SHA256 under Key. Several
// instances may run a Sealer on one store: seals are keyed by FromSeq, so
// of two instances sealing the same range one wins and the other sees
// storage.ErrConflict and seals nothing.
//
// An event is sealed only once every append that received a lower seq has
// committed (storage.AuditSeals.AuditWatermark) and, as defence in depth
// against writers that bypass the watermark (an older binary during a
// rolling upgrade), once it is MinAge old by its Time. An append that
// commits later than that would land inside a sealed range and be reported
// as inserted.
type Sealer struct {
	Store storage.Store
	// Key is the HMAC-SHA256 key of seals and purge marks (at least
	// MinKeyLen bytes), for example derived from the KEK.
	Key []byte
	// Now is the clock; nil means time.Now.
	Now    func() time.Time
	Logger *slog.Logger
	// MinAge is how old (by Time) an event must be before it is sealed;
	// zero means DefaultMinAge, negative means no minimum.
	MinAge time.Duration
	// MaxBatch bounds the events of one seal; zero means DefaultMaxBatch.
	MaxBatch int
	// Retention, when positive, makes Run purge sealed ranges sealed more
	// than Retention ago (see Purge).
	Retention time.Duration

	mu          sync.Mutex // serialises SealOnce and Purge of this Sealer
	purgeCursor string     // FromSeq (decimal) of the last seal known purged
}

func (s *Sealer) now() time.Time {
	if s.Now == nil {
		return time.Now()
	}
	return s.Now()
}

func (s *Sealer) log() *slog.Logger {
	if s.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.Logger
}

func (s *Sealer) limits() (time.Duration, int) {
	age, batch := s.MinAge, s.MaxBatch
	if age == 0 {
		age = DefaultMinAge
	}
	if age < 0 {
		age = 0
	}
	if batch <= 0 {
		batch = DefaultMaxBatch
	}
	return age, min(batch, storage.MaxPageLimit)
}

// chainTip returns where the next seal starts: its FromSeq, the Head its
// chain continues from and its Prev.
func chainTip(ctx context.Context, st storage.Store) (from int64, head, prev []byte, err error) {
	last, err := st.LastAuditSeal(ctx)
	switch {
	case errors.Is(err, storage.ErrNotFound):
		return 1, genesis(), genesis(), nil
	case err != nil:
		return 0, nil, nil, err
	}
	return last.ToSeq + 1, last.Head, sealHash(last), nil
}

// SealOnce seals at most one batch and returns how many events it sealed:
// zero when nothing is ready or another instance sealed the range first.
func (s *Sealer) SealOnce(ctx context.Context) (int, error) {
	if len(s.Key) < MinKeyLen {
		return 0, ErrKey
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	from, head, prev, err := chainTip(ctx, s.Store)
	if err != nil {
		return 0, fmt.Errorf("audit: seal: %w", err)
	}
	evs, err := s.sealable(ctx, from)
	if err != nil || len(evs) == 0 {
		return 0, err
	}
	es := make([]entry, len(evs))
	for i, ev := range evs {
		es[i] = entry{seq: ev.Seq, digest: EventDigest(ev)}
	}
	seal := storage.AuditSeal{
		FromSeq: from, ToSeq: evs[len(evs)-1].Seq, Count: int64(len(evs)),
		Head: chainHead(head, es), Prev: prev, Digests: encodeEntries(es),
		SealedAt: s.now().UTC().Truncate(time.Millisecond),
	}
	seal.MAC = mac(s.Key, sealMessage(seal))
	if err := s.Store.AppendAuditSeal(ctx, seal); err != nil {
		if errors.Is(err, storage.ErrConflict) {
			s.log().Debug("audit: another instance sealed this range first", "from_seq", from)
			return 0, nil
		}
		return 0, fmt.Errorf("audit: seal: %w", err)
	}
	s.log().Debug("audit: sealed", "from_seq", seal.FromSeq, "to_seq", seal.ToSeq, "count", seal.Count)
	return len(evs), nil
}

// sealable returns the next batch of events from seq from on: those at or
// below the watermark, cut at the first one younger than MinAge.
func (s *Sealer) sealable(ctx context.Context, from int64) ([]storage.AuditEvent, error) {
	minAge, batch := s.limits()
	w, err := s.Store.AuditWatermark(ctx)
	if err != nil {
		return nil, fmt.Errorf("audit: seal: %w", err)
	}
	if w < from {
		return nil, nil
	}
	evs, err := s.Store.ListAudit(ctx, storage.AuditFilter{}, storage.Page{After: strconv.FormatInt(from-1, 10), Limit: batch})
	if err != nil {
		return nil, fmt.Errorf("audit: seal: %w", err)
	}
	cutoff := s.now().Add(-minAge)
	for i, ev := range evs {
		if ev.Seq > w || !ev.Time.Before(cutoff) {
			return evs[:i], nil
		}
	}
	return evs, nil
}

// Run seals every interval until ctx ends, draining a backlog batch by
// batch, and purges expired ranges when Retention is set. Errors are
// logged and retried at the next tick.
func (s *Sealer) Run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		s.tick(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// tick is one round of Run.
func (s *Sealer) tick(ctx context.Context) {
	_, batch := s.limits()
	for ctx.Err() == nil {
		n, err := s.SealOnce(ctx)
		if err != nil {
			s.log().Error("audit: sealing failed", "err", err)
			break
		}
		if n < batch {
			break
		}
	}
	if s.Retention > 0 && ctx.Err() == nil {
		if _, err := s.Purge(ctx, s.now().Add(-s.Retention)); err != nil {
			s.log().Error("audit: retention purge failed", "err", err)
		}
	}
}
