package audit

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/authplane/authplane/internal/admin"
	"github.com/authplane/authplane/internal/storage"
)

// serve mounts a Handler on st behind a wrap that counts calls and returns
// the test server's URL.
func serve(t *testing.T, st HTTPStore, h *Handler) (string, *int) {
	t.Helper()
	h.Store, h.Key = st, testKey
	if h.PollInterval == 0 {
		h.PollInterval = 5 * time.Millisecond
	}
	wrapped := 0
	mux := http.NewServeMux()
	h.Mount(mux, func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			wrapped++
			next.ServeHTTP(w, r)
		})
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv.URL, &wrapped
}

// get sends a GET and returns the response; the body is closed with the
// test.
func get(t *testing.T, ctx context.Context, url string) *http.Response {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	t.Cleanup(func() { _ = resp.Body.Close() })
	return resp
}

// ndjson reads every line of a finished stream as audit events.
func ndjson(t *testing.T, resp *http.Response) []admin.AuditEventDTO {
	t.Helper()
	if ct := resp.Header.Get("Content-Type"); resp.StatusCode != http.StatusOK || ct != "application/x-ndjson" {
		t.Fatalf("status %d, content type %q", resp.StatusCode, ct)
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	var out []admin.AuditEventDTO
	for _, line := range strings.SplitAfter(string(body), "\n") {
		if line == "" {
			continue
		}
		if !strings.HasSuffix(line, "\n") || strings.Count(line, "\n") != 1 {
			t.Fatalf("line %q is not one JSON document and a newline", line)
		}
		var ev admin.AuditEventDTO
		if err := json.Unmarshal([]byte(line), &ev); err != nil {
			t.Fatalf("line %q: %v", line, err)
		}
		out = append(out, ev)
	}
	return out
}

func seqs(evs []admin.AuditEventDTO) []int64 {
	out := []int64{}
	for _, e := range evs {
		out = append(out, e.Seq)
	}
	return out
}

func TestStream_NDJSONWithCursorAndFilters(t *testing.T) {
	b := sqliteBackend(t)
	c := newClock()
	stored := appendEvents(t, b.store, c, 0, 6) // subjects user-0, user-1, user-2, user-0, …
	url, wrapped := serve(t, b.store, &Handler{})
	for _, tc := range []struct {
		name, query string
		want        []int64
	}{
		{"everything", "", []int64{1, 2, 3, 4, 5, 6}},
		{"after a cursor", "?cursor=4", []int64{5, 6}},
		{"follow=false ends at the end", "?cursor=5&follow=false", []int64{6}},
		{"subject filter", "?subject=user-0", []int64{1, 4}},
		{"jti filter matches the token jti", "?jti=t-2", []int64{3}},
		{"since and until", "?since=" + c.Now().Add(-time.Hour).Format(time.RFC3339) + "&until=" + c.Now().Format(time.RFC3339), []int64{1, 2, 3, 4, 5, 6}},
		{"cursor past the end", "?cursor=99", []int64{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := ndjson(t, get(t, t.Context(), url+PathStream+tc.query))
			if !reflect.DeepEqual(seqs(got), tc.want) {
				t.Errorf("seqs %v, want %v", seqs(got), tc.want)
			}
		})
	}
	got := ndjson(t, get(t, t.Context(), url+PathStream+"?cursor=1&follow=false"))
	if want := admin.AuditEventFromStorage(stored[1]); !reflect.DeepEqual(roundTrip(t, want), got[0]) {
		t.Errorf("line shape differs from the list endpoint's:\n got %+v\nwant %+v", got[0], want)
	}
	if *wrapped == 0 {
		t.Error("Mount did not route through wrap")
	}
}

// roundTrip passes v through JSON, as a client sees it.
func roundTrip(t *testing.T, v admin.AuditEventDTO) admin.AuditEventDTO {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out admin.AuditEventDTO
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestStream_BadParametersAreProblems(t *testing.T) {
	b := sqliteBackend(t)
	url, _ := serve(t, b.store, &Handler{})
	for _, tc := range []struct{ name, query, field string }{
		{"non-numeric cursor", "?cursor=abc", "cursor"},
		{"negative cursor", "?cursor=-1", "cursor"},
		{"follow not a bool", "?follow=maybe", "follow"},
		{"since not RFC 3339", "?since=yesterday", "since"},
		{"until before since", "?since=2025-01-02T00:00:00Z&until=2025-01-01T00:00:00Z", "until"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assertProblem(t, get(t, t.Context(), url+PathStream+tc.query), http.StatusBadRequest, tc.field)
		})
	}
}

// assertProblem checks a problem answer naming field.
func assertProblem(t *testing.T, resp *http.Response, status int, field string) {
	t.Helper()
	var p admin.Problem
	if err := json.NewDecoder(resp.Body).Decode(&p); err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != status || resp.Header.Get("Content-Type") != "application/problem+json" ||
		len(p.Errors) != 1 || p.Errors[0].Field != field {
		t.Errorf("status %d, %+v; want %d naming %q", resp.StatusCode, p, status, field)
	}
}

func TestStream_FollowDeliversEventsAppendedLater(t *testing.T) {
	b := sqliteBackend(t)
	c := newClock()
	appendEvents(t, b.store, c, 0, 2)
	url, _ := serve(t, b.store, &Handler{})
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second) // bounds a failure only
	defer cancel()
	resp := get(t, ctx, url+PathStream+"?follow=true&cursor=1")
	lines := bufio.NewScanner(resp.Body)
	next := func() admin.AuditEventDTO {
		t.Helper()
		if !lines.Scan() {
			t.Fatalf("stream ended: %v", lines.Err())
		}
		var ev admin.AuditEventDTO
		if err := json.Unmarshal(lines.Bytes(), &ev); err != nil {
			t.Fatal(err)
		}
		return ev
	}
	if ev := next(); ev.Seq != 2 {
		t.Fatalf("first line seq %d, want 2", ev.Seq)
	}
	appendEvents(t, b.store, c, 2, 1)
	if ev := next(); ev.Seq != 3 || ev.ID != "evt-0002" {
		t.Fatalf("followed line %+v, want seq 3", ev)
	}
}

// gapStore serves a fixed event list in memory, to script what a stream
// sees between its rounds (a PostgreSQL late commit cannot be staged on
// SQLite). The event late appears at ListAudit call lateAt, if set.
type gapStore struct {
	HTTPStore
	mu     sync.Mutex
	evs    []storage.AuditEvent
	late   storage.AuditEvent
	lateAt int
	calls  int
}

func (g *gapStore) ListAudit(_ context.Context, _ storage.AuditFilter, p storage.Page) ([]storage.AuditEvent, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.calls++
	if g.calls == g.lateAt {
		g.evs = append(g.evs, g.late)
		slices.SortFunc(g.evs, func(a, b storage.AuditEvent) int { return int(a.Seq - b.Seq) })
	}
	after, err := strconv.ParseInt(p.After, 10, 64)
	if err != nil {
		return nil, err
	}
	var out []storage.AuditEvent
	for _, ev := range g.evs {
		if ev.Seq > after && len(out) < p.Limit {
			out = append(out, ev)
		}
	}
	return out, nil
}

// tickingClock advances by step on every reading.
func tickingClock(start time.Time, step time.Duration) func() time.Time {
	var mu sync.Mutex
	return func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		start = start.Add(step)
		return start
	}
}

func TestStream_GapsAreWaitedForThenPassed(t *testing.T) {
	now := newClock().Now()
	ev := func(seq int64, at time.Time) storage.AuditEvent {
		return storage.AuditEvent{Seq: seq, ID: strconv.FormatInt(seq, 10), Time: at, Type: "token.issued"}
	}
	for _, tc := range []struct {
		name     string
		store    *gapStore
		clock    func() time.Time
		want     []int64
		maxCalls int
		minCalls int
	}{
		{"a late commit behind a gap is delivered in order",
			&gapStore{evs: []storage.AuditEvent{ev(1, now), ev(3, now)}, late: ev(2, now), lateAt: 3},
			func() time.Time { return now }, []int64{1, 2, 3}, 5, 3},
		{"a seq that never commits is passed after the gap wait",
			&gapStore{evs: []storage.AuditEvent{ev(1, now), ev(3, now)}},
			tickingClock(now, time.Second), []int64{1, 3}, 10, 3},
		{"an old event after a gap passes at once",
			&gapStore{evs: []storage.AuditEvent{ev(1, now.Add(-time.Hour)), ev(3, now.Add(-time.Hour))}},
			func() time.Time { return now }, []int64{1, 3}, 1, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			url, _ := serve(t, tc.store, &Handler{Now: tc.clock, GapWait: 3 * time.Second, PollInterval: time.Millisecond})
			got := seqs(ndjson(t, get(t, t.Context(), url+PathStream)))
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("seqs %v, want %v", got, tc.want)
			}
			if c := tc.store.calls; c < tc.minCalls || c > tc.maxCalls {
				t.Errorf("%d rounds, want %d to %d", c, tc.minCalls, tc.maxCalls)
			}
		})
	}
}
