package admin

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/authplane/authplane/internal/storage"
)

// auditEnv holds three admin events a minute apart and one token event.
func auditEnv(t *testing.T) (*env, time.Time) {
	t.Helper()
	e := newEnv(t)
	t0 := e.clk.Now()
	e.call("POST", "/admin/v1/clients", clientObj("a")).must(t, http.StatusCreated, nil)
	e.clk.Advance(time.Minute)
	e.call("POST", "/admin/v1/clients", clientObj("b")).must(t, http.StatusCreated, nil)
	e.clk.Advance(time.Minute)
	e.call("POST", "/admin/v1/resources", resourceObj("r", "https://r.example.com")).must(t, http.StatusCreated, nil)
	if _, err := e.store.AppendAudit(context.Background(), storage.AuditEvent{ID: "x", Time: e.clk.Now(), Type: "token.issued",
		Outcome: "success", ClientID: "a", TokenJTI: "tok-1", GrantedScopes: []string{"read"}}); err != nil {
		t.Fatal(err)
	}
	return e, t0
}

func TestAuditListFilters(t *testing.T) {
	e, t0 := auditEnv(t)
	tests := []struct {
		name  string
		query url.Values
		types []string
	}{
		{"everything", nil, []string{"admin.client.create", "admin.client.create", "admin.resource.create", "token.issued"}},
		{"by type", url.Values{"type": {"admin.client.create"}}, []string{"admin.client.create", "admin.client.create"}},
		{"by client", url.Values{"client": {"a"}}, []string{"admin.client.create", "token.issued"}},
		{"by jti", url.Values{"jti": {"tok-1"}}, []string{"token.issued"}},
		{"by resource", url.Values{"resource": {"https://r.example.com"}}, []string{"admin.resource.create"}},
		{"since", url.Values{"since": {t0.Add(time.Minute).Format(time.RFC3339)}}, []string{"admin.client.create", "admin.resource.create", "token.issued"}},
		{"until is exclusive", url.Values{"until": {t0.Add(time.Minute).Format(time.RFC3339)}}, []string{"admin.client.create"}},
		{"no match", url.Values{"outcome": {"failure"}}, []string{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var page ListResult[AuditEventDTO]
			e.call("GET", "/admin/v1/audit?"+tc.query.Encode(), nil).must(t, http.StatusOK, &page)
			var got []string
			for _, ev := range page.Items {
				got = append(got, ev.Type)
			}
			if strings.Join(got, ",") != strings.Join(tc.types, ",") || page.Items == nil {
				t.Fatalf("types = %v, want %v", got, tc.types)
			}
		})
	}
}

func TestAuditListPagingAndShape(t *testing.T) {
	e, _ := auditEnv(t)
	var seqs []int64
	cursor := ""
	for range 5 {
		var page ListResult[AuditEventDTO]
		e.call("GET", "/admin/v1/audit?limit=3&cursor="+cursor, nil).must(t, http.StatusOK, &page)
		for _, ev := range page.Items {
			seqs = append(seqs, ev.Seq)
		}
		if cursor = page.NextCursor; cursor == "" {
			break
		}
	}
	if len(seqs) != 4 || seqs[0] >= seqs[3] {
		t.Fatalf("paged seqs = %v", seqs)
	}

	r := e.call("GET", "/admin/v1/audit?type=admin.client.create&limit=1", nil)
	for _, want := range []string{`"actor":"admin"`, `"before":null`, `"after":{`, `"request_id":"req-1"`, `"seq":1`} {
		if !strings.Contains(string(r.body), want) {
			t.Errorf("audit JSON lacks %s: %s", want, r.body)
		}
	}
}

func TestAuditListRejectsBadQueries(t *testing.T) {
	e, _ := auditEnv(t)
	p := e.call("GET", "/admin/v1/audit?since=yesterday&until=2020-01-01&limit=-2", nil).problem(t, http.StatusBadRequest, "invalid-request")
	requireFields(t, p, "since", "until", "limit")
	p = e.call("GET", "/admin/v1/audit?since=2025-01-02T00:00:00Z&until=2025-01-01T00:00:00Z", nil).problem(t, http.StatusBadRequest, "invalid-request")
	requireFields(t, p, "until")
	p = e.call("GET", "/admin/v1/audit?cursor=bm90LWEtbnVtYmVy", nil).problem(t, http.StatusBadRequest, "invalid-request")
	requireFields(t, p, "cursor")
}
