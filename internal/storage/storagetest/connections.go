package storagetest

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/authplane/authplane/internal/storage"
)

// connectionEvents are the access-review fixtures: event i happens at
// at(i minutes). Denials and admin events must not count.
func connectionEvents() []storage.AuditEvent {
	type row struct {
		typ, idp, client, subject, resource string
		scopes                              []string
	}
	rows := []row{
		{"token.issued", "idp-a", "c1", "alice", "r1", []string{"read"}},
		{"token.issued", "idp-a", "c1", "alice", "r1", []string{"write", "read"}},
		{"grant.denied", "idp-a", "c1", "alice", "r1", []string{"admin"}},
		{"token.issued", "idp-a", "c2", "alice", "r1", nil},
		{"token.issued", "idp-b", "c1", "alice", "r1", []string{"read"}},
		{"token.issued", "idp-a", "c1", "bob", "r2", []string{}},
		{"admin.client.create", "", "c1", "", "", nil},
		{"token.issued", "idp-a", "c1", "alice", "r1", []string{"delete"}},
	}
	evs := make([]storage.AuditEvent, len(rows))
	for i, r := range rows {
		evs[i] = storage.AuditEvent{
			ID: fmt.Sprintf("evt-%d", i), Time: eventTime(i), Type: r.typ, Outcome: "success",
			IdPID: r.idp, ClientID: r.client, Subject: r.subject, Resource: r.resource, GrantedScopes: r.scopes,
		}
	}
	return evs
}

// Expected rows of the fixtures, in key order (subject, client, resource,
// IdP).
var (
	connAliceC1A = storage.Connection{Subject: "alice", ClientID: "c1", Resource: "r1", IdPID: "idp-a",
		Scopes: []string{"delete", "read", "write"}, First: eventTime(0), Last: eventTime(7), Count: 3}
	connAliceC1B = storage.Connection{Subject: "alice", ClientID: "c1", Resource: "r1", IdPID: "idp-b",
		Scopes: []string{"read"}, First: eventTime(4), Last: eventTime(4), Count: 1}
	connAliceC2 = storage.Connection{Subject: "alice", ClientID: "c2", Resource: "r1", IdPID: "idp-a",
		First: eventTime(3), Last: eventTime(3), Count: 1}
	connBob = storage.Connection{Subject: "bob", ClientID: "c1", Resource: "r2", IdPID: "idp-a",
		First: eventTime(5), Last: eventTime(5), Count: 1}
)

// testAuditConnections checks the access review aggregation, its filters
// and its paging.
func testAuditConnections(t *testing.T, open Opener) {
	runAll(t, open, []namedTest{
		{"filters select and aggregate token.issued events", testConnectionsFilters},
		{"paging by one visits every row once in key order", testConnectionsPaging},
		{"a malformed cursor is ErrInvalid", testConnectionsBadCursor},
	})
}

func testConnectionsFilters(t *testing.T, open Opener) {
	ctx, s := ctxFor(t), open(t)
	_, err := s.AppendAudit(ctx, connectionEvents()...)
	must(t, err, "append")
	for _, tc := range []struct {
		name string
		f    storage.ConnectionFilter
		want []storage.Connection
	}{
		{"no filter", storage.ConnectionFilter{}, []storage.Connection{connAliceC1A, connAliceC1B, connAliceC2, connBob}},
		{"subject", storage.ConnectionFilter{Subject: "bob"}, []storage.Connection{connBob}},
		{"client", storage.ConnectionFilter{ClientID: "c2"}, []storage.Connection{connAliceC2}},
		{"subject and client", storage.ConnectionFilter{Subject: "alice", ClientID: "c1"}, []storage.Connection{connAliceC1A, connAliceC1B}},
		{"since is inclusive and narrows first and count", storage.ConnectionFilter{Since: eventTime(1), Subject: "alice", ClientID: "c1"},
			[]storage.Connection{withSpan(connAliceC1A, 1, 7, 2, "delete", "read", "write"), connAliceC1B}},
		{"until is exclusive", storage.ConnectionFilter{Until: eventTime(3)},
			[]storage.Connection{withSpan(connAliceC1A, 0, 1, 2, "read", "write")}},
		{"no match", storage.ConnectionFilter{Subject: "carol"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.AuditConnections(ctx, tc.f, storage.Page{})
			must(t, err, "connections")
			if len(got) == 0 {
				got = nil // no rows: nil or empty, both fine
			}
			assertEqual(t, "connections", tc.want, got)
		})
	}
}

// withSpan returns c restricted to the fixtures first..last.
func withSpan(c storage.Connection, first, last int, count int64, scopes ...string) storage.Connection {
	c.First, c.Last, c.Count, c.Scopes = eventTime(first), eventTime(last), count, scopes
	return c
}

func testConnectionsPaging(t *testing.T, open Opener) {
	ctx, s := ctxFor(t), open(t)
	_, err := s.AppendAudit(ctx, connectionEvents()...)
	must(t, err, "append")
	var got []storage.Connection
	after := ""
	for range 10 {
		page, err := s.AuditConnections(ctx, storage.ConnectionFilter{}, storage.Page{After: after, Limit: 1})
		must(t, err, "page")
		if len(page) == 0 {
			break
		}
		got = append(got, page...)
		c := page[0]
		after = strings.Join([]string{c.Subject, c.ClientID, c.Resource, c.IdPID}, "\x00")
	}
	assertEqual(t, "paged connections", []storage.Connection{connAliceC1A, connAliceC1B, connAliceC2, connBob}, got)
}

func testConnectionsBadCursor(t *testing.T, open Opener) {
	ctx, s := ctxFor(t), open(t)
	_, err := s.AuditConnections(ctx, storage.ConnectionFilter{}, storage.Page{After: "alice\x00c1"})
	if !errors.Is(err, storage.ErrInvalid) {
		t.Errorf("two-field cursor: err %v, want ErrInvalid", err)
	}
}
