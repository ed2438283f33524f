package audit

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"time"

	"github.com/authplane/authplane/internal/storage"
)

// The canonical encoding of an audit event, version 1, which EventDigest
// hashes with SHA-256. It is the byte string
//
//	"authplane/audit-event/v1" 0x00
//	seq, id, time, type, outcome, reason, idp_id, issuer, assertion_jti,
//	assertion_sub, subject, client_id, resource, requested_scopes,
//	granted_scopes, policy_rule_ids, token_jti, token_exp, remote_ip,
//	user_agent, request_id, actor, before, after
//
// with the fields in exactly that order (storage.AuditEvent's order, Seq
// first) and each encoded as:
//
//   - seq: int64, 8 bytes big-endian;
//   - a string: its length as a uint32, 4 bytes big-endian, then its bytes;
//   - a time: 0x00 for the zero time, else 0x01, the Unix seconds as an
//     int64 and the nanoseconds as a uint32 (UTC, both big-endian);
//   - a list: 0x00 for nil, else 0x01, the count as a uint32, then each
//     element as a string (so nil and empty lists differ);
//   - before and after: the JSON compacted (encoding/json.Compact; bytes
//     that are not JSON as stored), then as a string.
//
// Times are hashed at the precision the store returns them (milliseconds
// on SQLite), because the sealer reads events back before hashing.
const eventDomain = "authplane/audit-event/v1\x00"

// sealDomain and purgeDomain separate the MAC'd messages of seals and
// purge marks from each other and from events.
const (
	sealDomain  = "authplane/audit-seal/v1\x00"
	purgeDomain = "authplane/audit-purge/v1\x00"
)

// digestLen is the size of a SHA-256 digest; entryLen the size of one
// entry of AuditSeal.Digests (seq, then the event's digest).
const (
	digestLen = sha256.Size
	entryLen  = 8 + digestLen
)

// encoder appends the canonical encodings to a buffer.
type encoder struct{ b bytes.Buffer }

func (e *encoder) int64(n int64) { e.b.Write(binary.BigEndian.AppendUint64(nil, uint64(n))) }

func (e *encoder) str(s string) {
	e.b.Write(binary.BigEndian.AppendUint32(nil, uint32(len(s))))
	e.b.WriteString(s)
}

func (e *encoder) time(t time.Time) {
	if t.IsZero() {
		e.b.WriteByte(0)
		return
	}
	t = t.UTC()
	e.b.WriteByte(1)
	e.int64(t.Unix())
	e.b.Write(binary.BigEndian.AppendUint32(nil, uint32(t.Nanosecond())))
}

func (e *encoder) list(l []string) {
	if l == nil {
		e.b.WriteByte(0)
		return
	}
	e.b.WriteByte(1)
	e.b.Write(binary.BigEndian.AppendUint32(nil, uint32(len(l))))
	for _, s := range l {
		e.str(s)
	}
}

func (e *encoder) json(raw json.RawMessage) {
	var c bytes.Buffer
	if len(raw) > 0 && json.Compact(&c, raw) == nil {
		raw = c.Bytes()
	}
	e.str(string(raw))
}

// CanonicalEvent returns the canonical encoding of ev (version 1, see
// eventDomain).
func CanonicalEvent(ev storage.AuditEvent) []byte {
	var e encoder
	e.b.WriteString(eventDomain)
	e.int64(ev.Seq)
	e.str(ev.ID)
	e.time(ev.Time)
	for _, s := range []string{ev.Type, ev.Outcome, ev.Reason, ev.IdPID, ev.Issuer, ev.AssertionJTI,
		ev.AssertionSub, ev.Subject, ev.ClientID, ev.Resource} {
		e.str(s)
	}
	e.list(ev.RequestedScopes)
	e.list(ev.GrantedScopes)
	e.list(ev.PolicyRuleIDs)
	e.str(ev.TokenJTI)
	e.time(ev.TokenExp)
	for _, s := range []string{ev.RemoteIP, ev.UserAgent, ev.RequestID, ev.Actor} {
		e.str(s)
	}
	e.json(ev.Before)
	e.json(ev.After)
	return e.b.Bytes()
}

// EventDigest is the SHA-256 of CanonicalEvent(ev).
func EventDigest(ev storage.AuditEvent) [digestLen]byte {
	return sha256.Sum256(CanonicalEvent(ev))
}

// entry is one element of AuditSeal.Digests.
type entry struct {
	seq    int64
	digest [digestLen]byte
}

// encodeEntries renders entries as AuditSeal.Digests: per event its seq
// (8 bytes big-endian) and digest (32 bytes).
func encodeEntries(es []entry) []byte {
	out := make([]byte, 0, len(es)*entryLen)
	for _, x := range es {
		out = binary.BigEndian.AppendUint64(out, uint64(x.seq))
		out = append(out, x.digest[:]...)
	}
	return out
}

// decodeEntries parses AuditSeal.Digests.
func decodeEntries(b []byte) ([]entry, error) {
	if len(b)%entryLen != 0 {
		return nil, fmt.Errorf("digest list of %d bytes is not a multiple of %d", len(b), entryLen)
	}
	out := make([]entry, len(b)/entryLen)
	for i := range out {
		x := b[i*entryLen:]
		out[i].seq = int64(binary.BigEndian.Uint64(x))
		copy(out[i].digest[:], x[8:entryLen])
	}
	return out, nil
}

// chainHead extends the hash chain from prev over es: h = SHA-256(h || seq
// || digest) per entry. The first seal's chain starts from 32 zero bytes.
func chainHead(prev []byte, es []entry) []byte {
	h := bytes.Clone(prev)
	for _, x := range es {
		m := sha256.New()
		m.Write(h)
		m.Write(binary.BigEndian.AppendUint64(nil, uint64(x.seq)))
		m.Write(x.digest[:])
		h = m.Sum(nil)
	}
	return h
}

// sealMessage is what a seal's MAC and hash cover: the domain, FromSeq,
// ToSeq, Count, Head and Prev (length-prefixed) and SealedAt in Unix
// milliseconds, the precision every store keeps.
func sealMessage(s storage.AuditSeal) []byte {
	var e encoder
	e.b.WriteString(sealDomain)
	e.int64(s.FromSeq)
	e.int64(s.ToSeq)
	e.int64(s.Count)
	e.str(string(s.Head))
	e.str(string(s.Prev))
	e.int64(s.SealedAt.UnixMilli())
	return e.b.Bytes()
}

// sealHash is the chain link to s: the next seal's Prev.
func sealHash(s storage.AuditSeal) []byte {
	h := sha256.Sum256(sealMessage(s))
	return h[:]
}

// purgeMessage is what a purge mark's MAC covers.
func purgeMessage(fromSeq, toSeq int64, at time.Time) []byte {
	var e encoder
	e.b.WriteString(purgeDomain)
	e.int64(fromSeq)
	e.int64(toSeq)
	e.int64(at.UnixMilli())
	return e.b.Bytes()
}

// mac is HMAC-SHA256 of msg under key.
func mac(key, msg []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write(msg)
	return m.Sum(nil)
}

// genesis is the Prev of the first seal and the start of its chain.
func genesis() []byte { return make([]byte, digestLen) }
