package adminclient

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestReadStream(t *testing.T) {
	long := `{"seq":1,"x":"` + strings.Repeat("a", MaxStreamLine) + `"}` + "\n"
	for _, tc := range []struct {
		name    string
		body    string
		want    []int64
		wantErr string
	}{
		{"lines in order", `{"seq":1}` + "\n" + `{"seq":2,"type":"t"}` + "\n", []int64{1, 2}, ""},
		{"last line without a newline", `{"seq":7}`, []int64{7}, ""},
		{"blank lines are skipped", "\n" + `{"seq":3}` + "\n\n", []int64{3}, ""},
		{"empty stream", "", nil, ""},
		{"a line that is not JSON", `{"seq":1}` + "\nnot json\n", []int64{1}, "not an audit event"},
		{"an object without seq", `{"type":"x"}` + "\n", nil, "not an audit event"},
		{"a line over the cap", long, nil, "longer than"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []int64
			err := readStream(strings.NewReader(tc.body), func(l StreamLine) error {
				got = append(got, l.Seq)
				return nil
			})
			if (tc.wantErr == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.wantErr)) {
				t.Fatalf("err %v, want %q", err, tc.wantErr)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("seqs %v, want %v", got, tc.want)
			}
		})
	}
}

func TestReadStream_CallbackErrorStops(t *testing.T) {
	stop := errors.New("stop")
	n := 0
	err := readStream(strings.NewReader(`{"seq":1}`+"\n"+`{"seq":2}`+"\n"), func(StreamLine) error {
		n++
		return stop
	})
	if !errors.Is(err, stop) || n != 1 {
		t.Errorf("err %v after %d lines", err, n)
	}
}

func TestStreamAudit_RequestAndAnswers(t *testing.T) {
	for _, tc := range []struct {
		name, ctype, body string
		status            int
		wantErr           string
	}{
		{"ndjson", "application/x-ndjson; charset=utf-8", `{"seq":4,"id":"e"}` + "\n", 200, ""},
		{"problem", "application/problem+json", `{"title":"Unauthorized","status":401}`, 401, "HTTP 401"},
		{"wrong media type", "text/html", "<html>", 200, "not application/x-ndjson"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var query, auth string
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				query, auth = r.URL.Path+"?"+r.URL.RawQuery, r.Header.Get("Authorization")
				w.Header().Set("Content-Type", tc.ctype)
				w.WriteHeader(tc.status)
				io.WriteString(w, tc.body)
			}))
			t.Cleanup(srv.Close)
			c := &Client{BaseURL: srv.URL, Token: "tok", HTTP: NewHTTPClient(time.Nanosecond)}
			var lines []StreamLine
			err := c.StreamAudit(context.Background(), StreamOptions{Query: AuditQuery{Subject: "alice"}, Cursor: 3, Follow: true},
				func(l StreamLine) error { lines = append(lines, l); return nil })
			if (tc.wantErr == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.wantErr)) {
				t.Fatalf("err %v, want %q", err, tc.wantErr)
			}
			if query != "/admin/v1/audit/stream?cursor=3&follow=true&subject=alice" || auth != "Bearer tok" {
				t.Errorf("request %q with %q", query, auth)
			}
			if tc.wantErr == "" && (len(lines) != 1 || lines[0].Seq != 4 || string(lines[0].Raw) != `{"seq":4,"id":"e"}`) {
				t.Errorf("lines %+v", lines)
			}
		})
	}
}

func TestStreamAudit_RefusesTokenOverPlainHTTP(t *testing.T) {
	c := &Client{BaseURL: "http://admin.example:9001", Token: "tok"}
	err := c.StreamAudit(context.Background(), StreamOptions{}, func(StreamLine) error { return nil })
	if !errors.Is(err, ErrInsecureTransport) {
		t.Errorf("err %v, want ErrInsecureTransport", err)
	}
}

func TestWriteJSONLine_EscapesTerminalControls(t *testing.T) {
	var b strings.Builder
	if err := WriteJSONLine(&b, []byte(`{"ua":"a`+"\u0085\u007f"+`b"}`)); err != nil {
		t.Fatal(err)
	}
	if got, want := b.String(), `{"ua":"a\u0085\u007fb"}`+"\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestConnectionQueryValuesAndTable(t *testing.T) {
	q := ConnectionQuery{Since: time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC), Subject: "alice", Client: "c1"}
	if got := q.Values().Encode(); got != "client=c1&since=2026-01-02T00%3A00%3A00Z&subject=alice" {
		t.Errorf("values %s", got)
	}
	tb := ConnectionsTable([]Connection{{Subject: "alice", ClientID: "c1", Resource: "r", IdPID: "okta",
		First: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), Last: time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC), Count: 2}})
	want := []string{"alice", "c1", "r", "okta", "", "2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z", "2"}
	if !slices.Equal(tb.Rows[0], want) {
		t.Errorf("row %q, want %q", tb.Rows[0], want)
	}
}
