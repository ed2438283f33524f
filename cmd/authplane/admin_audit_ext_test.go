package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
)

func TestAdminAuditVerify_ExitStatus(t *testing.T) {
	const ok = `{"ok":true,"seals":3,"purged_seals":1,"events":25,"unsealed":2,"last_sealed_seq":30,"head":"abcd"}`
	const bad = `{"ok":false,"seals":1,"events":10,"first_problem":{"seq":7,"kind":"edited","detail":"event 7 (id \"e7\") differs from the sealed record"}}`
	for _, tc := range []struct {
		name    string
		body    string
		args    []string
		wantOut string
		wantErr error
	}{
		{"a clean trail prints OK and succeeds", ok, nil, "OK: 3 seals (1 purged), 25 events verified, 2 not yet sealed; head abcd at seq 30", nil},
		{"a problem prints it and fails", bad, nil, "FAILED: edited at seq 7: event 7", errAuditVerifyFailed},
		{"-o json prints the report and still fails", bad, []string{"-o", "json"}, `"kind": "edited"`, errAuditVerifyFailed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			url, calls := fakeAdminAPI(t, map[string]adminRoute{"GET /admin/v1/audit/verify": {200, tc.body}})
			out, _, err := runAdmin(t, url, append([]string{"audit", "verify"}, tc.args...)...)
			if !errors.Is(err, tc.wantErr) || (tc.wantErr == nil && err != nil) {
				t.Errorf("err = %v, want %v (main exits 1 on any error)", err, tc.wantErr)
			}
			if !strings.Contains(out, tc.wantOut) {
				t.Errorf("stdout %q lacks %q", out, tc.wantOut)
			}
			if len(*calls) != 1 {
				t.Errorf("%d calls", len(*calls))
			}
		})
	}
}

func TestAdminAuditVerify_ServerErrorFails(t *testing.T) {
	url, _ := fakeAdminAPI(t, map[string]adminRoute{"GET /admin/v1/audit/verify": {500, `{"title":"Internal error","status":500}`}})
	if _, _, err := runAdmin(t, url, "audit", "verify"); err == nil || !strings.Contains(err.Error(), "HTTP 500") {
		t.Errorf("err = %v, want the 500 problem", err)
	}
}

func TestAdminConnectionsAndSearch(t *testing.T) {
	const conns = `{"items":[{"subject":"alice","client_id":"c1","resource":"https://x/mcp","idp_id":"okta","scopes":["read","write"],` +
		`"first":"2026-01-01T00:00:00Z","last":"2026-01-02T00:00:00Z","count":7}],"next_cursor":""}`
	const events = `{"items":[{"seq":1,"type":"token.issued","subject":"alice"},{"seq":2,"type":"grant.denied","user_agent":"a\u0085b"}],"next_cursor":""}`
	url, _ := fakeAdminAPI(t, map[string]adminRoute{
		"GET /admin/v1/connections?client=c1&subject=alice": {200, conns},
		"GET /admin/v1/audit?subject=alice":                 {200, events},
	})
	out, _, err := runAdmin(t, url, "connections", "--subject", "alice", "--client", "c1")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"SUBJECT  CLIENT  RESOURCE", "alice    c1      https://x/mcp  okta  read,write  2026-01-01T00:00:00Z  2026-01-02T00:00:00Z  7"} {
		if !strings.Contains(out, want) {
			t.Errorf("connections table %q lacks %q", out, want)
		}
	}
	out, _, err = runAdmin(t, url, "audit", "search", "--subject", "alice", "-o", "json")
	if err != nil {
		t.Fatal(err)
	}
	want := `{"seq":1,"type":"token.issued","subject":"alice"}` + "\n" + `{"seq":2,"type":"grant.denied","user_agent":"a\u0085b"}` + "\n"
	if out != want {
		t.Errorf("JSON lines\n%q\nwant\n%q", out, want)
	}
	out, _, err = runAdmin(t, url, "audit", "search", "--subject", "alice")
	if err != nil || !strings.Contains(out, "SEQ  TIME") || !strings.Contains(out, "grant.denied") {
		t.Errorf("search table %q, %v", out, err)
	}
}

// streamServer answers /admin/v1/audit/stream with the scripted bodies, one
// per connection, and records each request's query; the connection after
// the last body calls onLast.
type streamServer struct {
	mu      sync.Mutex
	bodies  []string
	queries []string
	onLast  func()
}

func (s *streamServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	i := len(s.queries)
	s.queries = append(s.queries, r.URL.RawQuery)
	s.mu.Unlock()
	if i == len(s.bodies) && s.onLast != nil {
		s.onLast()
	}
	if r.URL.Path != "/admin/v1/audit/stream" || i >= len(s.bodies) {
		http.Error(w, "unexpected", http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", "application/x-ndjson")
	io.WriteString(w, s.bodies[i])
}

func line(seq int) string { return fmt.Sprintf(`{"seq":%d,"type":"token.issued"}`+"\n", seq) }

func TestAdminAuditTail_OnceAndReconnecting(t *testing.T) {
	t.Run("--follow=false prints the lines and ends", func(t *testing.T) {
		s := &streamServer{bodies: []string{line(5) + line(6)}}
		srv := httptest.NewServer(s)
		t.Cleanup(srv.Close)
		out, _, err := runAdmin(t, srv.URL, "audit", "tail", "--follow=false", "--cursor", "4", "--type", "token.issued")
		if err != nil || out != line(5)+line(6) {
			t.Fatalf("out %q, err %v", out, err)
		}
		if s.queries[0] != "cursor=4&follow=false&type=token.issued" {
			t.Errorf("query %q", s.queries[0])
		}
	})
	t.Run("an interrupted follow reconnects after the last seq", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		s := &streamServer{bodies: []string{line(1) + line(2), line(3)}, onLast: cancel}
		srv := httptest.NewServer(s)
		t.Cleanup(srv.Close)
		cmd := newAdminCmd()
		var out, errOut strings.Builder
		cmd.SetOut(&out)
		cmd.SetErr(&errOut)
		cmd.SetArgs([]string{"--admin-url", srv.URL, "--admin-token", "tok", "audit", "tail", "--retry-min", "1ms"})
		if err := cmd.ExecuteContext(ctx); err != nil {
			t.Fatalf("tail: %v", err)
		}
		if out.String() != line(1)+line(2)+line(3) {
			t.Errorf("out %q", out.String())
		}
		want := []string{"follow=true", "cursor=2&follow=true", "cursor=3&follow=true"}
		if !slices.Equal(s.queries, want) {
			t.Errorf("queries %q, want %q (resuming after the last seq)", s.queries, want)
		}
		if !strings.Contains(errOut.String(), "reconnecting in 1ms after seq 2") {
			t.Errorf("stderr %q", errOut.String())
		}
	})
	t.Run("a 4xx answer is final", func(t *testing.T) {
		url, calls := fakeAdminAPI(t, map[string]adminRoute{"GET /admin/v1/audit/stream?cursor=9&follow=true": {
			400, `{"title":"Invalid request","status":400,"errors":[{"field":"cursor","reason":"bad"}]}`}})
		_, _, err := runAdmin(t, url, "audit", "tail", "--cursor", "9")
		if err == nil || !strings.Contains(err.Error(), "cursor: bad") || len(*calls) != 1 {
			t.Errorf("err %v after %d calls, want the problem at once", err, len(*calls))
		}
	})
}
