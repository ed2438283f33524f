package audit

import (
	"encoding/hex"
	"encoding/json"
	"testing"
	"time"

	"github.com/authplane/authplane/internal/storage"
)

// goldenEvent is the fixed event of the encoding's golden digest.
func goldenEvent() storage.AuditEvent {
	at := time.Date(2025, 6, 1, 12, 0, 0, 123000000, time.UTC)
	ev := event(1, at)
	ev.Seq = 42
	ev.Before = json.RawMessage(`{"a": 1}`)
	return ev
}

// goldenDigest pins version 1 of the canonical encoding: a change here
// breaks every existing seal and needs a new version. It was checked
// against an independent implementation of the encoding as documented on
// eventDomain.
const goldenDigest = "3fd5ae45e80fa9b1e30fe37d408aeab56b20004d2498becc74e897422e1702c2"

func TestEventDigest_Golden(t *testing.T) {
	d := EventDigest(goldenEvent())
	if got := hex.EncodeToString(d[:]); got != goldenDigest {
		t.Errorf("digest %s, want %s (the canonical encoding changed)", got, goldenDigest)
	}
}

func TestEventDigest_EveryFieldCounts(t *testing.T) {
	base := EventDigest(goldenEvent())
	for _, tc := range []struct {
		name string
		edit func(*storage.AuditEvent)
	}{
		{"seq", func(e *storage.AuditEvent) { e.Seq++ }},
		{"id", func(e *storage.AuditEvent) { e.ID += "x" }},
		{"time by a nanosecond", func(e *storage.AuditEvent) { e.Time = e.Time.Add(1) }},
		{"time zero", func(e *storage.AuditEvent) { e.Time = time.Time{} }},
		{"type", func(e *storage.AuditEvent) { e.Type = "grant.denied" }},
		{"outcome", func(e *storage.AuditEvent) { e.Outcome = "failure" }},
		{"reason", func(e *storage.AuditEvent) { e.Reason = "r" }},
		{"idp id", func(e *storage.AuditEvent) { e.IdPID = "idp-b" }},
		{"issuer", func(e *storage.AuditEvent) { e.Issuer += "/" }},
		{"assertion jti", func(e *storage.AuditEvent) { e.AssertionJTI += "x" }},
		{"assertion sub", func(e *storage.AuditEvent) { e.AssertionSub = "s" }},
		{"subject", func(e *storage.AuditEvent) { e.Subject = "mallory" }},
		{"client id", func(e *storage.AuditEvent) { e.ClientID += "x" }},
		{"resource", func(e *storage.AuditEvent) { e.Resource += "x" }},
		{"requested scopes", func(e *storage.AuditEvent) { e.RequestedScopes = []string{"read"} }},
		{"granted scopes nil instead of empty", func(e *storage.AuditEvent) { e.GrantedScopes = nil }},
		{"policy rule ids empty becomes nil", func(e *storage.AuditEvent) { e.PolicyRuleIDs = nil }},
		{"scopes regrouped", func(e *storage.AuditEvent) { e.RequestedScopes = []string{"readwrite"} }},
		{"token jti", func(e *storage.AuditEvent) { e.TokenJTI += "x" }},
		{"token exp", func(e *storage.AuditEvent) { e.TokenExp = e.TokenExp.Add(time.Millisecond) }},
		{"remote ip", func(e *storage.AuditEvent) { e.RemoteIP = "10.0.0.1" }},
		{"user agent", func(e *storage.AuditEvent) { e.UserAgent += "x" }},
		{"request id", func(e *storage.AuditEvent) { e.RequestID += "x" }},
		{"actor", func(e *storage.AuditEvent) { e.Actor = "root" }},
		{"before", func(e *storage.AuditEvent) { e.Before = json.RawMessage(`{"a":2}`) }},
		{"after removed", func(e *storage.AuditEvent) { e.After = nil }},
		{"a string moved to the next field", func(e *storage.AuditEvent) { e.Reason, e.IdPID = e.IdPID, "" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ev := goldenEvent()
			tc.edit(&ev)
			if EventDigest(ev) == base {
				t.Error("digest unchanged")
			}
		})
	}
}

func TestEventDigest_StableAcrossRepresentations(t *testing.T) {
	base := EventDigest(goldenEvent())
	for _, tc := range []struct {
		name string
		edit func(*storage.AuditEvent)
	}{
		{"time in another zone", func(e *storage.AuditEvent) { e.Time = e.Time.In(time.FixedZone("x", 3600)) }},
		{"JSON whitespace", func(e *storage.AuditEvent) { e.Before = json.RawMessage(" {\"a\" :\n1 } ") }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ev := goldenEvent()
			tc.edit(&ev)
			if EventDigest(ev) != base {
				t.Error("digest changed")
			}
		})
	}
}

func TestDecodeEntries_RejectsTruncatedLists(t *testing.T) {
	es := []entry{{seq: 1, digest: EventDigest(goldenEvent())}, {seq: 9}}
	raw := encodeEntries(es)
	back, err := decodeEntries(raw)
	if err != nil || len(back) != 2 || back[0] != es[0] || back[1] != es[1] {
		t.Fatalf("round trip: %v, %v", back, err)
	}
	if _, err := decodeEntries(raw[:len(raw)-1]); err == nil {
		t.Error("a list one byte short decoded")
	}
}
