package sqlite

import (
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/authplane/authplane/internal/storage"
)

// lookupEvent is an event of the lookup tests: its subject and jtis vary
// with i so that every filter matches a few events.
func lookupEvent(i int) storage.AuditEvent {
	ev := storage.AuditEvent{
		ID: fmt.Sprintf("evt-%d", i), Type: "token.issued", Outcome: "success",
		Time:         time.Date(2030, 1, 1, 0, 0, i, 0, time.UTC),
		Subject:      fmt.Sprintf("user-%d", i%3),
		AssertionJTI: fmt.Sprintf("a-%d", i%4),
		TokenJTI:     fmt.Sprintf("t-%d", i%5),
		ClientID:     fmt.Sprintf("c-%d", i%2),
		Resource:     "https://mcp.example/", IdPID: "idp",
	}
	if i%7 == 0 {
		ev.Subject, ev.AssertionJTI = "", "" // an admin-style event: nothing to index
	}
	return ev
}

// jumpSeq makes the next audit event's seq next, so that the events of a
// test fall in several lookup buckets.
func jumpSeq(t *testing.T, s *Store, next int64) {
	t.Helper()
	if _, err := s.writer.ExecContext(t.Context(), "UPDATE sqlite_sequence SET seq = ? WHERE name = 'audit_events'", next-1); err != nil {
		t.Fatal(err)
	}
}

// searchAll pages through ListAudit two events at a time and returns the
// IDs found.
func searchAll(t *testing.T, s *Store, f storage.AuditFilter) []string {
	t.Helper()
	var ids []string
	p := storage.Page{Limit: 2}
	for {
		evs, err := s.ListAudit(t.Context(), f, p)
		if err != nil {
			t.Fatalf("ListAudit(%+v): %v", f, err)
		}
		for _, ev := range evs {
			ids = append(ids, ev.ID)
		}
		if len(evs) < p.Limit {
			return ids
		}
		p.After = fmt.Sprint(evs[len(evs)-1].Seq)
	}
}

// TestAuditLookup_SameResultsWhateverTheIndexerHasDone: searches by
// subject and jti find the same events, in order and across pages, before
// any indexing, with part of the trail indexed, fully indexed, and with
// new events appended after indexing; the events span several buckets.
func TestAuditLookup_SameResultsWhateverTheIndexerHasDone(t *testing.T) {
	s := openAt(t, filepath.Join(t.TempDir(), "authplane.db"), Options{noLookupIndexer: true})
	ctx := t.Context()
	var all []storage.AuditEvent
	appendN := func(from, n int) {
		for i := from; i < from+n; i++ {
			ev := lookupEvent(i)
			if _, err := s.AppendAudit(ctx, ev); err != nil {
				t.Fatal(err)
			}
			all = append(all, ev)
		}
	}
	appendN(0, 10)
	jumpSeq(t, s, 3<<lookupBucketBits-2) // the next events straddle a bucket boundary
	appendN(10, 10)
	jumpSeq(t, s, 9<<lookupBucketBits)
	appendN(20, 10)

	filters := []storage.AuditFilter{
		{Subject: "user-1"}, {Subject: "user-2", ClientID: "c-0"}, {JTI: "a-3"}, {JTI: "t-4"}, {JTI: "a-1", Subject: "user-0"},
		{Subject: "nobody"}, {JTI: "nothing"},
	}
	want := func(f storage.AuditFilter) []string {
		var ids []string
		for _, ev := range all {
			if (f.Subject == "" || ev.Subject == f.Subject) && (f.ClientID == "" || ev.ClientID == f.ClientID) &&
				(f.JTI == "" || ev.AssertionJTI == f.JTI || ev.TokenJTI == f.JTI) {
				ids = append(ids, ev.ID)
			}
		}
		return ids
	}
	check := func(stage string) {
		t.Helper()
		for _, f := range filters {
			if got, w := searchAll(t, s, f), want(f); !slices.Equal(got, w) {
				t.Errorf("%s: %+v found %v, want %v", stage, f, got, w)
			}
		}
	}
	check("nothing indexed")
	if n, err := s.indexLookups(ctx, 13); err != nil || n != 13 {
		t.Fatalf("indexLookups(13) = %d, %v", n, err)
	}
	check("13 events indexed")
	if n, err := s.indexLookups(ctx, 100); err != nil || n != 17 {
		t.Fatalf("indexLookups(100) = %d, %v; want the 17 remaining", n, err)
	}
	check("all indexed")
	if n, err := s.indexLookups(ctx, 100); err != nil || n != 0 {
		t.Fatalf("indexLookups when caught up = %d, %v", n, err)
	}
	appendN(30, 8)
	check("new events above indexed_to")

	var entries int
	if err := s.reader.QueryRowContext(ctx, "SELECT count(*) FROM audit_lookup").Scan(&entries); err != nil {
		t.Fatal(err)
	}
	if wantEntries := 2 * (30 - 5); entries != wantEntries { // events 0, 7, 14, 21, 28 have nothing to index
		t.Fatalf("%d lookup entries, want %d", entries, wantEntries)
	}
	// The access review's subject filter uses the lookup as well.
	conns, err := s.AuditConnections(ctx, storage.ConnectionFilter{Subject: "user-1"}, storage.Page{})
	if err != nil {
		t.Fatal(err)
	}
	var n int64
	for _, c := range conns {
		if c.Subject != "user-1" {
			t.Fatalf("connection of %q for subject user-1", c.Subject)
		}
		n += c.Count
	}
	if w := int64(len(want(storage.AuditFilter{Subject: "user-1"}))); n != w {
		t.Fatalf("connections of user-1 count %d events, want %d", n, w)
	}
}

// Purging a range removes its lookup entries and nothing else.
func TestAuditLookup_DeleteRangeRemovesItsEntries(t *testing.T) {
	s := openAt(t, filepath.Join(t.TempDir(), "authplane.db"), Options{noLookupIndexer: true})
	ctx := t.Context()
	var seqs []int64
	for i := 1; i <= 6; i++ {
		evs, err := s.AppendAudit(ctx, lookupEvent(i))
		if err != nil {
			t.Fatal(err)
		}
		seqs = append(seqs, evs[0].Seq)
	}
	if _, err := s.indexLookups(ctx, 100); err != nil {
		t.Fatal(err)
	}
	if _, err := s.DeleteAuditRange(ctx, seqs[0], seqs[2]); err != nil {
		t.Fatal(err)
	}
	rows, err := s.reader.QueryContext(ctx, "SELECT DISTINCT seq FROM audit_lookup ORDER BY seq")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var left []int64
	for rows.Next() {
		var seq int64
		if err := rows.Scan(&seq); err != nil {
			t.Fatal(err)
		}
		left = append(left, seq)
	}
	if !slices.Equal(left, seqs[3:]) {
		t.Fatalf("lookup entries left for seqs %v, want %v", left, seqs[3:])
	}
}

// A trail written before the lookup existed is searchable as soon as the
// migration has run (by scanning), and indexed by the indexer afterwards.
func TestAuditLookup_MigrationThenIndexerCoverTheExistingTrail(t *testing.T) {
	ctx := t.Context()
	s := openAt(t, filepath.Join(t.TempDir(), "authplane.db"), Options{SkipMigrate: true, noLookupIndexer: true})
	p, err := s.migrations()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.UpTo(ctx, 2); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 5; i++ {
		if _, err := s.AppendAudit(ctx, lookupEvent(i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if got := searchAll(t, s, storage.AuditFilter{Subject: "user-2"}); !slices.Equal(got, []string{"evt-2", "evt-5"}) {
		t.Fatalf("subject search right after the migration: %v", got)
	}
	if n, err := s.indexLookups(ctx, 100); err != nil || n != 5 {
		t.Fatalf("indexLookups after the migration = %d, %v; want the 5 old events", n, err)
	}
	var entries, indexedTo int64
	if err := s.reader.QueryRowContext(ctx, "SELECT count(*) FROM audit_lookup").Scan(&entries); err != nil {
		t.Fatal(err)
	}
	if err := s.reader.QueryRowContext(ctx, "SELECT indexed_to FROM audit_lookup_state").Scan(&indexedTo); err != nil {
		t.Fatal(err)
	}
	if entries != 10 || indexedTo != 5 {
		t.Fatalf("after indexing: %d lookup entries, indexed_to %d; want 10 and 5", entries, indexedTo)
	}
	if got := searchAll(t, s, storage.AuditFilter{Subject: "user-2"}); !slices.Equal(got, []string{"evt-2", "evt-5"}) {
		t.Fatalf("subject search after indexing: %v", got)
	}
}
