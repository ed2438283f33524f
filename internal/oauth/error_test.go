package oauth

import (
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestTEP02_WriteError(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	cases := []struct {
		name       string
		err        error
		status     int
		code       string
		challenge  string
		retryAfter string
	}{
		{"invalid_grant", InvalidGrant("bad_signature").WithCause(errors.New("secret detail")), 400, "invalid_grant", "", ""},
		{"invalid_client_basic_has_challenge", InvalidClient("bad_secret", true), 401, "invalid_client", `Basic realm="authplane", charset="UTF-8"`, ""},
		{"invalid_client_post_no_challenge", InvalidClient("bad_secret", false), 401, "invalid_client", "", ""},
		{"unknown_error_is_server_error", errors.New("db exploded at /var/lib/x"), 500, "server_error", "", ""},
		{"unavailable_retry_after", TemporarilyUnavailable("keys_unavailable"), 503, "temporarily_unavailable", "", "5"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			WriteError(rec, log, tc.err)
			if rec.Code != tc.status {
				t.Fatalf("status %d, want %d", rec.Code, tc.status)
			}
			h := rec.Header()
			if h.Get("Cache-Control") != "no-store" || h.Get("Pragma") != "no-cache" || h.Get("Content-Type") != "application/json" {
				t.Fatalf("headers %v (TEP-04)", h)
			}
			if h.Get("WWW-Authenticate") != tc.challenge || h.Get("Retry-After") != tc.retryAfter {
				t.Fatalf("challenge %q retry %q", h.Get("WWW-Authenticate"), h.Get("Retry-After"))
			}
			var body map[string]string
			if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
				t.Fatal(err)
			}
			if body["error"] != tc.code {
				t.Fatalf("error %q, want %q", body["error"], tc.code)
			}
			raw := rec.Body.String()
			for _, leak := range []string{"secret detail", "bad_signature", "/var/lib", "exploded"} {
				if strings.Contains(raw, leak) {
					t.Fatalf("body leaks %q: %s", leak, raw)
				}
			}
			for _, r := range body["error_description"] {
				if r < 0x20 || r > 0x7e || r == '"' || r == '\\' {
					t.Fatalf("description has forbidden character %q", r)
				}
			}
		})
	}
}

func TestReasonOf(t *testing.T) {
	if got := ReasonOf(InvalidScope("scope_exceeds_assertion")); got != "scope_exceeds_assertion" {
		t.Fatal(got)
	}
	if got := ReasonOf(errors.New("x")); got != "internal" {
		t.Fatal(got)
	}
}
