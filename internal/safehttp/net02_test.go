package safehttp

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestNET02_BodyCap: an over-cap body is an error whether or not its length
// is declared; a body of exactly the cap is accepted.
func TestNET02_BodyCap(t *testing.T) {
	const limit = 1024
	body := func(n int) string { return `"` + strings.Repeat("a", n-2) + `"` }
	cases := []struct {
		name    string
		maxBody int64
		size    int
		chunked bool
		want    error
	}{
		{"10 MB with default cap", 0, 10 << 20, false, ErrTooLarge},
		{"10 MB chunked with default cap", 0, 10 << 20, true, ErrTooLarge},
		{"exactly the cap", limit, limit, false, nil},
		{"exactly the cap chunked", limit, limit, true, nil},
		{"one byte over", limit, limit + 1, false, ErrTooLarge},
		{"one byte over chunked", limit, limit + 1, true, ErrTooLarge},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			payload := body(tc.size)
			srv, _ := newCountingServer(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				if !tc.chunked {
					w.Header().Set("Content-Length", strconv.Itoa(len(payload)))
				}
				for i := 0; i < len(payload); i += 64 << 10 {
					_, _ = w.Write([]byte(payload[i:min(i+64<<10, len(payload))]))
					if tc.chunked {
						w.(http.Flusher).Flush()
					}
				}
			}), false)
			c := loopbackClient(srv, Options{MaxBody: tc.maxBody})
			resp, err := c.GetJSON(context.Background(), srv.URL, []string{hostOf(t, srv)})
			if tc.want == nil && (err != nil || len(resp.Body) != tc.size) {
				t.Fatalf("error = %v, body %d bytes; want success with %d bytes", err, len(resp.Body), tc.size)
			}
			if tc.want != nil && (!errors.Is(err, tc.want) || resp.Body != nil) {
				t.Fatalf("error = %v body %d bytes, want %v and no body", err, len(resp.Body), tc.want)
			}
		})
	}
}

// TestNET02_StalledResponseTimesOut: a server that stalls before its headers
// or in the middle of its body is cut off at the client's time-out.
func TestNET02_StalledResponseTimesOut(t *testing.T) {
	cases := []struct {
		name       string
		headerSent bool
	}{
		{"stall before headers", false},
		{"stall mid-body", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			release := make(chan struct{})
			srv, _ := newCountingServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if tc.headerSent {
					w.Header().Set("Content-Type", "application/json")
					w.Header().Set("Content-Length", "100")
					_, _ = w.Write([]byte(`{"keys":`))
					w.(http.Flusher).Flush()
				}
				select {
				case <-release:
				case <-r.Context().Done():
				}
			}), false)
			t.Cleanup(func() { close(release) }) // runs before srv.Close
			c := loopbackClient(srv, Options{Timeout: 100 * time.Millisecond})
			resp, err := c.GetJSON(context.Background(), srv.URL, []string{hostOf(t, srv)})
			if err == nil || !IsTimeout(err) {
				t.Fatalf("error = %v, want a time-out", err)
			}
			if resp.Body != nil {
				t.Fatalf("body %q returned with a time-out", resp.Body)
			}
		})
	}
}

// TestNET02_ContextCancellationStopsFetch: the caller's context bounds the
// fetch as well as the client's own time-out.
func TestNET02_ContextCancellationStopsFetch(t *testing.T) {
	release := make(chan struct{})
	srv, _ := newCountingServer(t, http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}), false)
	t.Cleanup(func() { close(release) })
	c := loopbackClient(srv, Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := c.GetJSON(ctx, srv.URL, []string{hostOf(t, srv)}); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("error = %v, want context.DeadlineExceeded", err)
	}
}

// TestNET02_ContentTypeMustBeJSON: only application/json and
// application/*+json bodies are accepted.
func TestNET02_ContentTypeMustBeJSON(t *testing.T) {
	cases := []struct {
		name string
		ct   string
		ok   bool
	}{
		{"json", "application/json", true},
		{"json with charset", "application/json; charset=utf-8", true},
		{"json upper case", "Application/JSON", true},
		{"jwk-set+json", "application/jwk-set+json", true},
		{"html", "text/html", false},
		{"plain text", "text/plain", false},
		{"text json", "text/json", false},
		{"jwt", "application/jwt", false},
		{"json suffix outside application", "image/svg+json", false},
		{"missing", "", false},
		{"malformed", "application/json; =", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv, _ := newCountingServer(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				w.Header()["Content-Type"] = []string{tc.ct}
				_, _ = w.Write([]byte(`{"keys":[]}`))
			}), false)
			c := loopbackClient(srv, Options{})
			_, err := c.GetJSON(context.Background(), srv.URL, []string{hostOf(t, srv)})
			if tc.ok && err != nil || !tc.ok && !errors.Is(err, ErrContentType) {
				t.Fatalf("Content-Type %q: error = %v, want ok=%v", tc.ct, err, tc.ok)
			}
		})
	}
}

// TestNET02_OnlyStatus200Succeeds: every other status is ErrStatus (3xx is
// ErrRedirect) and no body is returned.
func TestNET02_OnlyStatus200Succeeds(t *testing.T) {
	cases := []struct {
		name   string
		status int
		want   error
	}{
		{"ok", http.StatusOK, nil},
		{"created", http.StatusCreated, ErrStatus},
		{"no content", http.StatusNoContent, ErrStatus},
		{"not modified", http.StatusNotModified, ErrRedirect},
		{"not found", http.StatusNotFound, ErrStatus},
		{"server error", http.StatusInternalServerError, ErrStatus},
		{"unavailable", http.StatusServiceUnavailable, ErrStatus},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv, _ := newCountingServer(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(tc.status)
				_, _ = w.Write([]byte(`{}`))
			}), false)
			c := loopbackClient(srv, Options{})
			resp, err := c.GetJSON(context.Background(), srv.URL, []string{hostOf(t, srv)})
			if tc.want == nil && err != nil || tc.want != nil && !errors.Is(err, tc.want) {
				t.Fatalf("status %d: error = %v, want %v", tc.status, err, tc.want)
			}
			if resp.StatusCode != tc.status {
				t.Fatalf("StatusCode = %d, want %d", resp.StatusCode, tc.status)
			}
			if tc.want != nil && resp.Body != nil {
				t.Fatalf("body returned with status %d", tc.status)
			}
		})
	}
}

// TestNET02_NoCookiesNoProxyNoCredentials: cookies set by the server are not
// sent back, proxy environment variables are ignored, and no Authorization
// or Cookie header is ever sent.
func TestNET02_NoCookiesNoProxyNoCredentials(t *testing.T) {
	proxy, proxyCounter := newCountingServer(t, jsonHandler(), true)
	t.Setenv("HTTPS_PROXY", proxy.URL)
	t.Setenv("HTTP_PROXY", proxy.URL)
	t.Setenv("NO_PROXY", "")
	var (
		mu     sync.Mutex
		leaked []string
	)
	srv, _ := newCountingServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for _, h := range []string{"Cookie", "Authorization", "Proxy-Authorization"} {
			if v := r.Header.Get(h); v != "" {
				mu.Lock()
				leaked = append(leaked, h+": "+v)
				mu.Unlock()
			}
		}
		http.SetCookie(w, &http.Cookie{Name: "session", Value: "s3cr3t", Path: "/"})
		jsonHandler().ServeHTTP(w, r)
	}), false)
	c := loopbackClient(srv, Options{})
	for range 2 {
		if _, err := c.GetJSON(context.Background(), srv.URL+"/jwks", []string{hostOf(t, srv)}); err != nil {
			t.Fatal(err)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(leaked) != 0 {
		t.Fatalf("client sent %v", leaked)
	}
	if n := proxyCounter.accepted.Load(); n != 0 {
		t.Fatalf("proxy from environment contacted %d times", n)
	}
}
