package adminclient

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// recorder is a RoundTripper that answers 200 {} and counts requests, so
// the guard is tested without any network.
type recorder struct{ n int }

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	r.n++
	return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(strings.NewReader(`{}`)), Request: req}, nil
}

func TestEMA10_TokenNeverSentOverPlainHTTPToRemoteHost(t *testing.T) {
	cases := []struct {
		name     string
		base     string
		token    string
		insecure bool
		wantErr  error // nil = request sent
		wantText string
	}{
		{"loopback v4", "http://127.0.0.1:9001", testToken, false, nil, ""},
		{"loopback v4 other address", "http://127.8.9.10:9001", testToken, false, nil, ""},
		{"loopback v6", "http://[::1]:9001", testToken, false, nil, ""},
		{"localhost", "http://LocalHost:9001/", testToken, false, nil, ""},
		{"https remote", "https://admin.example.com", testToken, false, nil, ""},
		{"https remote with prefix", "https://example.com/authplane/", testToken, false, nil, ""},
		{"http remote refused", "http://admin.example.com:9001", testToken, false, ErrInsecureTransport, "admin.example.com:9001"},
		{"http private ip refused", "http://10.0.0.7:9001", testToken, false, ErrInsecureTransport, ""},
		{"loopback-looking name refused", "http://127.0.0.1.example.com", testToken, false, ErrInsecureTransport, ""},
		{"http remote with override", "http://admin.example.com", testToken, true, nil, ""},
		{"http remote without token", "http://admin.example.com", "", false, nil, ""},
		{"other scheme", "ftp://127.0.0.1", testToken, false, nil, "scheme must be http or https"},
		{"empty url", "", testToken, false, nil, "not an absolute"},
		{"relative url", "127.0.0.1:9001", testToken, false, nil, "not an absolute"},
		{"userinfo", "http://u:p@127.0.0.1:9001", testToken, false, nil, "userinfo"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec := &recorder{}
			c := &Client{BaseURL: tc.base, Token: tc.token, InsecureHTTP: tc.insecure, HTTP: &http.Client{Transport: rec}}
			err := c.Do(context.Background(), http.MethodGet, "/keys", nil, nil)
			wantFail := tc.wantErr != nil || tc.wantText != ""
			switch {
			case !wantFail && err != nil:
				t.Fatalf("err = %v, want none", err)
			case !wantFail && rec.n != 1:
				t.Fatalf("%d requests sent, want 1", rec.n)
			case wantFail && rec.n != 0:
				t.Fatalf("%d requests sent, want none", rec.n)
			case tc.wantErr != nil && !errors.Is(err, tc.wantErr):
				t.Fatalf("err = %v, want %v", err, tc.wantErr)
			case wantFail && (err == nil || !strings.Contains(err.Error(), tc.wantText)):
				t.Fatalf("err = %v, want it to mention %q", err, tc.wantText)
			}
		})
	}
}

func TestBaseURLPrefixIsKept(t *testing.T) {
	var got string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.URL.Path
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	c := &Client{BaseURL: srv.URL + "/proxy/", Token: testToken}
	if err := c.Clients().Delete(context.Background(), "a"); err != nil {
		t.Fatal(err)
	}
	if got != "/proxy/admin/v1/clients/a" {
		t.Fatalf("path = %q", got)
	}
}

func TestRedirectsAreNotFollowed(t *testing.T) {
	var hits int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/elsewhere" {
			hits++
			return
		}
		http.Redirect(w, r, "/elsewhere", http.StatusFound)
	}))
	defer srv.Close()
	c := &Client{BaseURL: srv.URL, Token: testToken}
	err := c.Do(context.Background(), http.MethodGet, "/keys", nil, nil)
	var p *ProblemError
	if !errors.As(err, &p) || p.Status != http.StatusFound {
		t.Fatalf("err = %v, want a 302 ProblemError", err)
	}
	if hits != 0 {
		t.Fatalf("redirect followed %d times", hits)
	}
}

func TestOversizedResponseRejected(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"items":[],"next_cursor":"`)
		io.WriteString(w, strings.Repeat("x", MaxResponseBytes))
		io.WriteString(w, `"}`)
	}))
	defer srv.Close()
	c := &Client{BaseURL: srv.URL, Token: testToken}
	_, err := c.Keys().List(context.Background(), ListOptions{})
	if err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Fatalf("err = %v", err)
	}
}

// pager serves pages of ids: cursor "" → a,b next "2"; "2" → c next next.
func pager(t *testing.T, next string) *Client {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Query().Get("cursor") {
		case "":
			io.WriteString(w, `{"items":[{"id":"a"},{"id":"b"}],"next_cursor":"2"}`)
		case "2":
			fmt.Fprintf(w, `{"items":[{"id":"c"}],"next_cursor":%q}`, next)
		default:
			t.Errorf("unexpected cursor %q", r.URL.Query().Get("cursor"))
		}
	}))
	t.Cleanup(srv.Close)
	return &Client{BaseURL: srv.URL, Token: testToken}
}

func TestAllFollowsNextCursor(t *testing.T) {
	cases := []struct {
		name    string
		next    string
		wantIDs string
		wantErr bool
	}{
		{"two pages", "", "a,b,c", false},
		{"repeated cursor stops", "2", "a,b,c", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, err := pager(t, tc.next).Resources().All(context.Background(), ListOptions{Limit: 2})
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tc.wantErr)
			}
			var ids []string
			for _, r := range p.Items {
				ids = append(ids, r.ID)
			}
			if got := strings.Join(ids, ","); got != tc.wantIDs || p.NextCursor != "" {
				t.Fatalf("ids = %q next = %q, want %q", got, p.NextCursor, tc.wantIDs)
			}
		})
	}
}
