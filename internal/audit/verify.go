package audit

import (
	"bytes"
	"context"
	"crypto/hmac"
	"encoding/hex"
	"fmt"
	"strconv"

	"github.com/authplane/authplane/internal/storage"
)

// Problem kinds of a Report.
const (
	// KindEdited: a sealed event's content no longer matches its digest.
	KindEdited = "edited"
	// KindDeleted: a sealed event is missing.
	KindDeleted = "deleted"
	// KindInserted: an event lies in a sealed range but was not sealed.
	KindInserted = "inserted"
	// KindSealInvalid: a seal or purge mark fails its MAC, or its digest
	// list does not match its Head or Count.
	KindSealInvalid = "seal_invalid"
	// KindChainBroken: a seal does not follow the previous one (a seal was
	// deleted, inserted or reordered).
	KindChainBroken = "chain_broken"
)

// Problem is the first inconsistency Verify found. Seq is the event's seq,
// or for seal problems the seal's FromSeq.
type Problem struct {
	Seq    int64  `json:"seq"`
	Kind   string `json:"kind"`
	Detail string `json:"detail"`
}

// Report is the result of Verify.
type Report struct {
	OK bool `json:"ok"`
	// Seals is the number of seals checked, PurgedSeals how many of them
	// cover ranges removed by retention.
	Seals       int64 `json:"seals"`
	PurgedSeals int64 `json:"purged_seals"`
	// Events is the number of sealed events checked.
	Events int64 `json:"events"`
	// Unsealed counts the events after the last seal (not yet sealed).
	Unsealed int64 `json:"unsealed"`
	// LastSealedSeq and Head identify the end of the chain; an operator can
	// record them elsewhere to detect a later truncation of the chain.
	LastSealedSeq int64    `json:"last_sealed_seq"`
	Head          string   `json:"head,omitempty"`
	FirstProblem  *Problem `json:"first_problem,omitempty"`
}

// VerifyStore is what Verify reads.
type VerifyStore interface {
	ListAudit(ctx context.Context, f storage.AuditFilter, p storage.Page) ([]storage.AuditEvent, error)
	ListAuditSeals(ctx context.Context, p storage.Page) ([]storage.AuditSeal, error)
}

// sealPage is how many seals Verify reads at a time.
const sealPage = 100

// Verify walks the seals in order and checks, for each, its MAC, its link
// to the previous seal and (unless purged) that the events of its range are
// exactly the sealed ones, unchanged. It stops at the first problem. An
// error means the check could not run (store unreachable, no key); a failed
// check is a Report with OK false.
func Verify(ctx context.Context, st VerifyStore, key []byte) (Report, error) {
	if len(key) < MinKeyLen {
		return Report{}, ErrKey
	}
	v := &verifier{st: st, key: key, from: 1, head: genesis(), prev: genesis()}
	after := ""
	for {
		seals, err := st.ListAuditSeals(ctx, storage.Page{After: after, Limit: sealPage})
		if err != nil {
			return Report{}, fmt.Errorf("audit: verify: %w", err)
		}
		for _, s := range seals {
			p, err := v.seal(ctx, s)
			if err != nil {
				return Report{}, err
			}
			if p != nil {
				v.rep.FirstProblem = p
				return v.rep, nil
			}
		}
		if len(seals) < sealPage {
			break
		}
		after = strconv.FormatInt(seals[len(seals)-1].FromSeq, 10)
	}
	n, err := countFrom(ctx, st, v.from)
	if err != nil {
		return Report{}, err
	}
	v.rep.Unsealed, v.rep.OK = n, true
	return v.rep, nil
}

// verifier is the state of one Verify walk: where the next seal must
// start, the chain Head it continues and the hash it must link to.
type verifier struct {
	st         VerifyStore
	key        []byte
	from       int64
	head, prev []byte
	rep        Report
}

// seal checks one seal and advances the walk.
func (v *verifier) seal(ctx context.Context, s storage.AuditSeal) (*Problem, error) {
	if p := v.link(s); p != nil {
		return p, nil
	}
	var (
		p   *Problem
		err error
	)
	if !s.PurgedAt.IsZero() {
		p, err = v.purged(ctx, s)
	} else {
		p, err = v.events(ctx, s)
	}
	if p != nil || err != nil {
		return p, err
	}
	v.rep.Seals++
	v.from, v.head, v.prev = s.ToSeq+1, s.Head, sealHash(s)
	v.rep.LastSealedSeq, v.rep.Head = s.ToSeq, hex.EncodeToString(s.Head)
	return nil, nil
}

// link checks the seal's MAC and that it continues the chain.
func (v *verifier) link(s storage.AuditSeal) *Problem {
	if !hmacOK(v.key, s) {
		return &Problem{Seq: s.FromSeq, Kind: KindSealInvalid, Detail: fmt.Sprintf("seal [%d, %d]: MAC does not match", s.FromSeq, s.ToSeq)}
	}
	if s.FromSeq != v.from || !bytes.Equal(s.Prev, v.prev) {
		return &Problem{Seq: s.FromSeq, Kind: KindChainBroken, Detail: fmt.Sprintf(
			"seal [%d, %d] does not follow the previous seal (expected it to start at %d and link to it)", s.FromSeq, s.ToSeq, v.from)}
	}
	return nil
}

// purged checks a purge mark and that its range holds no events.
func (v *verifier) purged(ctx context.Context, s storage.AuditSeal) (*Problem, error) {
	if !hmac.Equal(s.PurgeMAC, mac(v.key, purgeMessage(s.FromSeq, s.ToSeq, s.PurgedAt))) {
		return &Problem{Seq: s.FromSeq, Kind: KindSealInvalid, Detail: fmt.Sprintf("seal [%d, %d]: purge mark MAC does not match", s.FromSeq, s.ToSeq)}, nil
	}
	evs, err := v.st.ListAudit(ctx, storage.AuditFilter{}, storage.Page{After: strconv.FormatInt(s.FromSeq-1, 10), Limit: 1})
	if err != nil {
		return nil, fmt.Errorf("audit: verify: %w", err)
	}
	if len(evs) > 0 && evs[0].Seq <= s.ToSeq {
		return &Problem{Seq: evs[0].Seq, Kind: KindInserted, Detail: fmt.Sprintf("event %d lies in the purged range [%d, %d]", evs[0].Seq, s.FromSeq, s.ToSeq)}, nil
	}
	v.rep.PurgedSeals++
	return nil, nil
}

// events checks the seal's digest list against its Head and Count, then
// the events of its range against the list.
func (v *verifier) events(ctx context.Context, s storage.AuditSeal) (*Problem, error) {
	es, err := decodeEntries(s.Digests)
	bad := err != nil || int64(len(es)) != s.Count || !bytes.Equal(chainHead(v.head, es), s.Head) || !ordered(es, s)
	if bad {
		return &Problem{Seq: s.FromSeq, Kind: KindSealInvalid, Detail: fmt.Sprintf("seal [%d, %d]: digest list does not match its head or count", s.FromSeq, s.ToSeq)}, nil
	}
	p, err := compareRange(ctx, v.st, s, es)
	if p == nil && err == nil {
		v.rep.Events += s.Count
	}
	return p, err
}

// ordered reports whether the entries' seqs increase within the range.
func ordered(es []entry, s storage.AuditSeal) bool {
	last := s.FromSeq - 1
	for _, x := range es {
		if x.seq <= last || x.seq > s.ToSeq {
			return false
		}
		last = x.seq
	}
	return true
}

// compareRange merges the stored events of the seal's range with its
// entries, in seq order, and returns the first difference.
func compareRange(ctx context.Context, st VerifyStore, s storage.AuditSeal, es []entry) (*Problem, error) {
	i, after := 0, s.FromSeq-1
	for {
		evs, err := st.ListAudit(ctx, storage.AuditFilter{}, storage.Page{After: strconv.FormatInt(after, 10), Limit: storage.MaxPageLimit})
		if err != nil {
			return nil, fmt.Errorf("audit: verify: %w", err)
		}
		for _, ev := range evs {
			if ev.Seq > s.ToSeq {
				return missing(es, i), nil
			}
			if i < len(es) && es[i].seq < ev.Seq {
				return missing(es, i), nil
			}
			if i == len(es) || es[i].seq != ev.Seq {
				return &Problem{Seq: ev.Seq, Kind: KindInserted, Detail: fmt.Sprintf("event %d lies in sealed range [%d, %d] but was not sealed", ev.Seq, s.FromSeq, s.ToSeq)}, nil
			}
			if EventDigest(ev) != es[i].digest {
				return &Problem{Seq: ev.Seq, Kind: KindEdited, Detail: fmt.Sprintf("event %d (id %q) differs from the sealed record", ev.Seq, ev.ID)}, nil
			}
			i++
		}
		if len(evs) < storage.MaxPageLimit {
			return missing(es, i), nil
		}
		after = evs[len(evs)-1].Seq
	}
}

// missing reports entry i (if any) as deleted.
func missing(es []entry, i int) *Problem {
	if i >= len(es) {
		return nil
	}
	return &Problem{Seq: es[i].seq, Kind: KindDeleted, Detail: fmt.Sprintf("sealed event %d is missing", es[i].seq)}
}

// countFrom counts the events with seq >= from.
func countFrom(ctx context.Context, st VerifyStore, from int64) (int64, error) {
	var n int64
	after := from - 1
	for {
		evs, err := st.ListAudit(ctx, storage.AuditFilter{}, storage.Page{After: strconv.FormatInt(after, 10), Limit: storage.MaxPageLimit})
		if err != nil {
			return 0, fmt.Errorf("audit: verify: %w", err)
		}
		n += int64(len(evs))
		if len(evs) < storage.MaxPageLimit {
			return n, nil
		}
		after = evs[len(evs)-1].Seq
	}
}
