package audit

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/authplane/authplane/internal/admin"
)

func TestVerifyEndpoint_ReportsOKThenTheFirstProblem(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b *backend) {
		c := newClock()
		appendEvents(t, b.store, c, 0, 5)
		sealAll(t, newSealer(b.store, c, 0))
		u, _ := serve(t, b.store, &Handler{})
		read := func() Report {
			t.Helper()
			resp := get(t, t.Context(), u+PathVerify)
			if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/json" {
				t.Fatalf("status %d, content type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
			}
			var r Report
			if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
				t.Fatal(err)
			}
			return r
		}
		if r := read(); !r.OK || r.Seals != 1 || r.Events != 5 || r.Head == "" {
			t.Errorf("clean log: %+v", r)
		}
		b.exec(t, `DELETE FROM audit_events WHERE seq = ?`, 3)
		r := read()
		if r.OK || r.FirstProblem == nil || *r.FirstProblem != (Problem{Seq: 3, Kind: KindDeleted, Detail: "sealed event 3 is missing"}) {
			t.Errorf("after deleting event 3: %+v problem %+v", r, r.FirstProblem)
		}
	})
}

func TestVerifyEndpoint_NoKeyIsAnInternalError(t *testing.T) {
	b := sqliteBackend(t)
	h := &Handler{}
	u, _ := serve(t, b.store, h)
	h.Key = nil
	resp := get(t, t.Context(), u+PathVerify)
	if resp.StatusCode != http.StatusInternalServerError || resp.Header.Get("Content-Type") != "application/problem+json" {
		t.Errorf("status %d, content type %q; want a 500 problem", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
}

// connectionsPage is the JSON answer of GET /admin/v1/connections.
type connectionsPage = admin.ListResult[ConnectionDTO]

func getConnections(t *testing.T, base string, q url.Values) connectionsPage {
	t.Helper()
	resp := get(t, t.Context(), base+PathConnections+"?"+q.Encode())
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	var p connectionsPage
	if err := json.NewDecoder(resp.Body).Decode(&p); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestConnectionsEndpoint_AggregatesFiltersAndPages(t *testing.T) {
	b := sqliteBackend(t)
	c := newClock()
	appendEvents(t, b.store, c, 0, 7) // subjects user-0 (3 events), user-1 (2), user-2 (2)
	denied := event(99, c.Now().Add(-time.Minute))
	denied.Type, denied.Subject = "grant.denied", "user-9"
	if _, err := b.store.AppendAudit(t.Context(), denied); err != nil {
		t.Fatal(err)
	}
	u, _ := serve(t, b.store, &Handler{})
	all := getConnections(t, u, url.Values{})
	if len(all.Items) != 3 || all.NextCursor != "" {
		t.Fatalf("all: %+v", all)
	}
	at := c.Now().Add(-time.Minute).Truncate(time.Millisecond)
	want := ConnectionDTO{Subject: "user-0", ClientID: "client-1", Resource: "https://mcp.example/mcp", IdPID: "idp-a",
		Scopes: []string{"read"}, First: at, Last: at, Count: 3}
	if got := all.Items[0]; !reflect.DeepEqual(got, want) {
		t.Errorf("first row %+v, want %+v", got, want)
	}
	one := getConnections(t, u, url.Values{"subject": {"user-1"}, "client": {"client-1"}})
	if len(one.Items) != 1 || one.Items[0].Count != 2 {
		t.Errorf("subject filter: %+v", one)
	}
	var paged []string
	q := url.Values{"limit": {"1"}}
	for range 5 {
		p := getConnections(t, u, q)
		for _, it := range p.Items {
			paged = append(paged, it.Subject)
		}
		if p.NextCursor == "" {
			break
		}
		q.Set("cursor", p.NextCursor)
	}
	if strings.Join(paged, ",") != "user-0,user-1,user-2" {
		t.Errorf("paged subjects %v", paged)
	}
}

func TestConnectionsEndpoint_BadParametersAreProblems(t *testing.T) {
	b := sqliteBackend(t)
	u, _ := serve(t, b.store, &Handler{})
	for _, tc := range []struct{ name, query, field string }{
		{"limit not a number", "limit=ten", "limit"},
		{"negative limit", "limit=-1", "limit"},
		{"cursor not base64", "cursor=%21%21", "cursor"},
		{"cursor of another list", "cursor=" + base64.RawURLEncoding.EncodeToString([]byte("42")), "cursor"},
		{"until not RFC 3339", "until=2025-13-01", "until"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assertProblem(t, get(t, t.Context(), u+PathConnections+"?"+tc.query), http.StatusBadRequest, tc.field)
		})
	}
}

// TestConnectionsEndpoint_ScopesNeverNull: a connection whose tokens carried no scope
// lists "scopes": [] rather than null.
func TestConnectionsEndpoint_ScopesNeverNull(t *testing.T) {
	b := sqliteBackend(t)
	ev := event(0, newClock().Now())
	ev.GrantedScopes = nil
	if _, err := b.store.AppendAudit(t.Context(), ev); err != nil {
		t.Fatal(err)
	}
	u, _ := serve(t, b.store, &Handler{})
	resp := get(t, t.Context(), u+PathConnections)
	var raw struct {
		Items []map[string]json.RawMessage `json:"items"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&raw); err != nil {
		t.Fatal(err)
	}
	if len(raw.Items) != 1 || string(raw.Items[0]["scopes"]) != "[]" {
		t.Errorf("items %v", raw.Items)
	}
}
