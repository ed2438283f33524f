package storagetest

import (
	"fmt"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/authplane/authplane/internal/storage"
)

// filterEvents are the fixtures of the filter table: event i happens at
// at(i minutes). Event 2's token jti equals event 1's assertion jti, so a
// JTI filter must look at both columns.
func filterEvents() []storage.AuditEvent {
	type row struct{ typ, outcome, reason, idp, client, subject, resource, ajti, tjti string }
	rows := []row{
		{"token.issued", "success", "", "idp-a", "c1", "alice", "r1", "a0", "t0"},
		{"grant.denied", "failure", "policy_denied", "idp-b", "c2", "bob", "r2", "x1", ""},
		{"token.issued", "success", "", "idp-a", "c2", "alice", "r2", "a2", "x1"},
		{"grant.denied", "failure", "replay", "idp-a", "c1", "carol", "r1", "a3", ""},
		{"admin.client.create", "success", "", "", "c1", "", "", "", ""},
		{"token.issued", "success", "", "idp-b", "c1", "bob", "r1", "a5", "t5"},
	}
	evs := make([]storage.AuditEvent, len(rows))
	for i, r := range rows {
		evs[i] = storage.AuditEvent{
			ID: fmt.Sprintf("evt-%d", i), Time: eventTime(i), Type: r.typ, Outcome: r.outcome,
			Reason: r.reason, IdPID: r.idp, ClientID: r.client, Subject: r.subject,
			Resource: r.resource, AssertionJTI: r.ajti, TokenJTI: r.tjti,
		}
	}
	return evs
}

// eventTime is the time of filter fixture i; it carries nanoseconds.
func eventTime(i int) time.Time { return at(time.Duration(i) * time.Minute) }

// testAuditFilter checks each AuditFilter field, alone and combined, and
// paging under a filter. Time bounds compare at millisecond precision:
// Since is inclusive and Until exclusive.
func testAuditFilter(t *testing.T, open Opener) {
	runAll(t, open, []namedTest{
		{"each filter field selects the matching events", testAuditFilterFields},
		{"paging under a filter skips non-matching events", testAuditFilterPaging},
	})
}

func testAuditFilterFields(t *testing.T, open Opener) {
	ctx, s := ctxFor(t), open(t)
	stored, err := s.AppendAudit(ctx, filterEvents()...)
	must(t, err, "append")
	for _, tc := range []struct {
		name string
		f    storage.AuditFilter
		want []int
	}{
		{"zero filter matches everything", storage.AuditFilter{}, []int{0, 1, 2, 3, 4, 5}},
		{"type", storage.AuditFilter{Type: "token.issued"}, []int{0, 2, 5}},
		{"outcome", storage.AuditFilter{Outcome: "failure"}, []int{1, 3}},
		{"reason", storage.AuditFilter{Reason: "policy_denied"}, []int{1}},
		{"idp id", storage.AuditFilter{IdPID: "idp-a"}, []int{0, 2, 3}},
		{"client id", storage.AuditFilter{ClientID: "c1"}, []int{0, 3, 4, 5}},
		{"subject", storage.AuditFilter{Subject: "bob"}, []int{1, 5}},
		{"resource", storage.AuditFilter{Resource: "r2"}, []int{1, 2}},
		{"jti matches assertion or token jti", storage.AuditFilter{JTI: "x1"}, []int{1, 2}},
		{"jti matches a token jti alone", storage.AuditFilter{JTI: "t5"}, []int{5}},
		{"jti matches an assertion jti alone", storage.AuditFilter{JTI: "a3"}, []int{3}},
		{"no match", storage.AuditFilter{ClientID: "nobody"}, nil},
		{"since is inclusive", storage.AuditFilter{Since: eventTime(2)}, []int{2, 3, 4, 5}},
		{"since one millisecond later excludes", storage.AuditFilter{Since: eventTime(2).Add(time.Millisecond)}, []int{3, 4, 5}},
		{"until is exclusive", storage.AuditFilter{Until: eventTime(2)}, []int{0, 1}},
		{"until one millisecond later includes", storage.AuditFilter{Until: eventTime(2).Add(time.Millisecond)}, []int{0, 1, 2}},
		{"since and until", storage.AuditFilter{Since: eventTime(1), Until: eventTime(4)}, []int{1, 2, 3}},
		{"since in another zone", storage.AuditFilter{Since: eventTime(5).UTC()}, []int{5}},
		{"type and client", storage.AuditFilter{Type: "token.issued", ClientID: "c1"}, []int{0, 5}},
		{"outcome idp and jti", storage.AuditFilter{Outcome: "success", IdPID: "idp-a", JTI: "x1"}, []int{2}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.ListAudit(ctx, tc.f, storage.Page{})
			must(t, err, "list")
			want := make([]storage.AuditEvent, 0, len(tc.want))
			for _, i := range tc.want {
				want = append(want, stored[i])
			}
			assertEqual(t, "filtered events", eventIDs(want), eventIDs(got))
		})
	}
}

func testAuditFilterPaging(t *testing.T, open Opener) {
	ctx, s := ctxFor(t), open(t)
	evs := make([]storage.AuditEvent, 12)
	for i := range evs {
		evs[i] = storage.AuditEvent{ID: fmt.Sprintf("evt-%02d", i), Time: eventTime(i), Type: []string{"a", "b"}[i%2]}
	}
	stored, err := s.AppendAudit(ctx, evs...)
	must(t, err, "append")
	var want, got []string
	for _, ev := range stored {
		if ev.Type == "a" {
			want = append(want, ev.ID)
		}
	}
	after := ""
	for range 4 {
		page, err := s.ListAudit(ctx, storage.AuditFilter{Type: "a"}, storage.Page{After: after, Limit: 2})
		must(t, err, "list")
		if len(page) == 0 {
			break
		}
		got = append(got, eventIDs(page)...)
		after = strconv.FormatInt(page[len(page)-1].Seq, 10)
	}
	if !slices.Equal(want, got) {
		t.Errorf("paged ids %v, want %v", got, want)
	}
}

// eventIDs returns the IDs of evs in order.
func eventIDs(evs []storage.AuditEvent) []string {
	ids := make([]string, len(evs))
	for i, ev := range evs {
		ids[i] = ev.ID
	}
	return ids
}
