package storagetest

import (
	"encoding/json"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/authplane/authplane/internal/storage"
)

// fullEvent returns audit event number i with every field set.
func fullEvent(i int) storage.AuditEvent {
	return storage.AuditEvent{
		ID:              fmt.Sprintf("evt-%03d", i),
		Time:            at(time.Duration(i) * time.Second),
		Type:            "token.issued",
		Outcome:         "success",
		Reason:          "ok",
		IdPID:           "idp-a",
		Issuer:          "https://idp-a.example",
		AssertionJTI:    fmt.Sprintf("assertion-jti-%d", i),
		AssertionSub:    "00u123",
		Subject:         "idp-a|00u123",
		ClientID:        "client-001",
		Resource:        "https://mcp.example/mcp",
		RequestedScopes: []string{"files:read", "files:write"},
		GrantedScopes:   []string{"files:read"},
		PolicyRuleIDs:   []string{"policy-001", "policy-007"},
		TokenJTI:        fmt.Sprintf("token-jti-%d", i),
		TokenExp:        at(time.Duration(i)*time.Second + 5*time.Minute),
		RemoteIP:        "2001:db8::1",
		UserAgent:       "agent/1.0 (ünïcode)",
		RequestID:       fmt.Sprintf("req-%d", i),
		Actor:           "admin@example.com",
		Before:          json.RawMessage(`{"name": "old", "scopes": [], "n": 1}`),
		After:           json.RawMessage(`{"name":"new","scopes":null,"nested":{"a":[1,2]}}`),
	}
}

// testAudit checks appending, round trips and Seq paging of audit events.
func testAudit(t *testing.T, open Opener) {
	runAll(t, open, []namedTest{
		{"append assigns increasing Seq within and across calls", testAuditSeq},
		{"every field round trips", testAuditRoundTrip},
		{"appending no events is a no-op", testAuditAppendNone},
		{"list pages 25 events by 10 in ascending Seq with a decimal cursor", testAuditPaging},
		{"list with a non-numeric cursor fails", testAuditBadCursor},
	})
}

func testAuditSeq(t *testing.T, open Opener) {
	ctx, s := ctxFor(t), open(t)
	first, err := s.AppendAudit(ctx, fullEvent(1), fullEvent(2), fullEvent(3))
	must(t, err, "append 3")
	second, err := s.AppendAudit(ctx, fullEvent(4))
	must(t, err, "append 1")
	all := append(first, second...)
	if len(all) != 4 {
		t.Fatalf("got %d events back, want 4", len(all))
	}
	for i, ev := range all {
		if ev.ID != fullEvent(i+1).ID {
			t.Errorf("event %d: ID %q, want %q (order kept)", i, ev.ID, fullEvent(i+1).ID)
		}
		if ev.Seq <= 0 || (i > 0 && ev.Seq <= all[i-1].Seq) {
			t.Errorf("event %d: Seq %d not increasing", i, ev.Seq)
		}
	}
}

func testAuditRoundTrip(t *testing.T, open Opener) {
	ctx, s := ctxFor(t), open(t)
	full := fullEvent(1)
	minimal := storage.AuditEvent{ID: "evt-min", Type: "grant.denied"}
	empty := storage.AuditEvent{ID: "evt-empty", Time: at(0), RequestedScopes: []string{}, GrantedScopes: []string{}, PolicyRuleIDs: []string{}}
	out, err := s.AppendAudit(ctx, full, minimal, empty)
	must(t, err, "append")
	want := []storage.AuditEvent{full, minimal, empty}
	for i := range want {
		want[i].Seq = out[i].Seq
	}
	assertEqual(t, "returned events", want, out)
	got, err := s.ListAudit(ctx, storage.AuditFilter{}, storage.Page{})
	must(t, err, "list")
	assertEqual(t, "listed events", want, got)
}

func testAuditAppendNone(t *testing.T, open Opener) {
	ctx, s := ctxFor(t), open(t)
	out, err := s.AppendAudit(ctx)
	must(t, err, "append none")
	if len(out) != 0 || countAudit(ctx, t, s) != 0 {
		t.Errorf("append of nothing returned %d events or stored some", len(out))
	}
}

func testAuditPaging(t *testing.T, open Opener) {
	ctx, s := ctxFor(t), open(t)
	evs := make([]storage.AuditEvent, 25)
	for i := range evs {
		evs[i] = fullEvent(i)
	}
	all, err := s.AppendAudit(ctx, evs...)
	must(t, err, "append")
	after := ""
	for pageNo, size := range []int{10, 10, 5, 0} {
		got, err := s.ListAudit(ctx, storage.AuditFilter{}, storage.Page{After: after, Limit: 10})
		must(t, err, fmt.Sprintf("page %d", pageNo))
		if len(got) != size {
			t.Fatalf("page %d after %q: %d events, want %d", pageNo, after, len(got), size)
		}
		if size > 0 {
			assertEqual(t, fmt.Sprintf("page %d", pageNo), all[pageNo*10:pageNo*10+size], got)
			after = strconv.FormatInt(got[size-1].Seq, 10)
		}
	}
	got, err := s.ListAudit(ctx, storage.AuditFilter{}, storage.Page{Limit: 0})
	must(t, err, "limit 0")
	if len(got) != 25 {
		t.Errorf("limit 0 returned %d events, want all 25", len(got))
	}
}

func testAuditBadCursor(t *testing.T, open Opener) {
	ctx, s := ctxFor(t), open(t)
	_, err := s.AppendAudit(ctx, fullEvent(1))
	must(t, err, "append")
	if _, err := s.ListAudit(ctx, storage.AuditFilter{}, storage.Page{After: "evt-001"}); err == nil {
		t.Error("cursor \"evt-001\" accepted, want an error")
	}
}
