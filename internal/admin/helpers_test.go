package admin

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/authplane/authplane/internal/clocktest"

	"github.com/authplane/authplane/internal/secret"
	"github.com/authplane/authplane/internal/storage"
	"github.com/authplane/authplane/internal/storage/sqlite"
)

// testToken is the admin bearer token of every test server.
const testToken = "test-admin-token-0123456789abcdef"

// clock is the shared fake clock.
type clock = clocktest.Clock

// env is one admin API under test: a store, the service and an httptest
// server in front of NewHandler.
type env struct {
	t      testing.TB
	store  storage.Store
	svc    *Service
	srv    *httptest.Server
	hasher *secret.Hasher
	clk    *clock
	reqN   int
}

// newEnv starts an admin API; opts adjust its Deps.
func newEnv(t testing.TB, opts ...func(*Deps)) *env {
	t.Helper()
	h, err := secret.NewHasher(bytes.Repeat([]byte{7}, secret.MinPepperLen))
	if err != nil {
		t.Fatal(err)
	}
	clk := clocktest.New(time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC))
	d := Deps{Store: openStore(t), Secrets: h, Now: clk.Now}
	for _, o := range opts {
		o(&d)
	}
	svc, err := New(d)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(NewHandler(svc, Authenticator{Hasher: h, TokenHash: h.Hash(testToken)}))
	t.Cleanup(srv.Close)
	return &env{t: t, store: d.Store, svc: svc, srv: srv, hasher: h, clk: clk}
}

// openStore returns a fresh empty store for one test.
func openStore(t testing.TB) storage.Store {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "a.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// resp is a recorded response.
type resp struct {
	status int
	header http.Header
	body   []byte
}

// call sends an authenticated admin request; body is marshalled unless it
// is a string (sent verbatim) or nil.
func (e *env) call(method, path string, body any) resp {
	e.t.Helper()
	return e.callWith(method, path, body, map[string]string{"Authorization": "Bearer " + testToken})
}

// callWith sends a request with exactly the given extra headers.
func (e *env) callWith(method, path string, body any, hdr map[string]string) resp {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(context.Background(), method, e.srv.URL+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	e.reqN++
	req.Header.Set("X-Request-Id", fmt.Sprintf("req-%d", e.reqN))
	req.Header.Set("User-Agent", "admin-test")
	for k, v := range hdr {
		if v == "" {
			req.Header.Del(k)
		} else {
			req.Header.Set(k, v)
		}
	}
	res, err := e.srv.Client().Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return resp{status: res.StatusCode, header: res.Header, body: b}
}

// must checks the status and decodes the body into v (if non-nil).
func (r resp) must(t *testing.T, status int, v any) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status = %d, want %d; body: %s", r.status, status, r.body)
	}
	if v != nil {
		if err := json.Unmarshal(r.body, v); err != nil {
			t.Fatalf("decode %s: %v", r.body, err)
		}
	}
}

// problem checks that r is a problem with this status and slug and returns it.
func (r resp) problem(t *testing.T, status int, slug string) Problem {
	t.Helper()
	if r.status != status {
		t.Fatalf("status = %d, want %d; body: %s", r.status, status, r.body)
	}
	if ct := r.header.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("Content-Type = %q, want application/problem+json", ct)
	}
	var p Problem
	if err := json.Unmarshal(r.body, &p); err != nil {
		t.Fatalf("decode problem %s: %v", r.body, err)
	}
	if p.Type != ProblemTypeBase+slug || p.Status != status || p.Title == "" {
		t.Fatalf("problem = %+v, want slug %q status %d", p, slug, status)
	}
	return p
}

// hasField reports whether p lists a problem for field.
func hasField(p Problem, field string) bool {
	for _, e := range p.Errors {
		if e.Field == field {
			return true
		}
	}
	return false
}

// requireFields fails unless p lists a problem for every field.
func requireFields(t *testing.T, p Problem, fields ...string) {
	t.Helper()
	for _, f := range fields {
		if !hasField(p, f) {
			t.Errorf("problem lacks field %q: %+v", f, p.Errors)
		}
	}
}

// events returns every audit event in the store.
func (e *env) events() []storage.AuditEvent {
	e.t.Helper()
	evs, err := e.store.ListAudit(context.Background(), storage.AuditFilter{}, storage.Page{Limit: storage.MaxPageLimit})
	if err != nil {
		e.t.Fatal(err)
	}
	return evs
}

// oneEvent fails unless exactly one audit event was appended since the
// store held n events, of type typ, by the admin, with this request's
// metadata; it returns that event.
func (e *env) oneEvent(n int, typ string) storage.AuditEvent {
	e.t.Helper()
	return e.oneEventWith(n, typ, "success")
}

// oneEventWith is oneEvent for an event with this outcome.
func (e *env) oneEventWith(n int, typ, outcome string) storage.AuditEvent {
	e.t.Helper()
	evs := e.events()
	if len(evs) != n+1 {
		e.t.Fatalf("%d audit events appended, want exactly 1: %+v", len(evs)-n, evs[n:])
	}
	ev := evs[n]
	if ev.Type != typ || ev.Outcome != outcome || ev.Actor != ActorAdmin || ev.ID == "" {
		e.t.Fatalf("event = %s/%s by %q (id %q), want %s/%s by admin", ev.Type, ev.Outcome, ev.Actor, ev.ID, typ, outcome)
	}
	if ev.RequestID != fmt.Sprintf("req-%d", e.reqN) || ev.RemoteIP != "127.0.0.1" || ev.UserAgent != "admin-test" {
		e.t.Fatalf("event request metadata = %q %q %q", ev.RequestID, ev.RemoteIP, ev.UserAgent)
	}
	if !ev.Time.Equal(e.clk.Now()) {
		e.t.Fatalf("event time = %v, want %v", ev.Time, e.clk.Now())
	}
	return ev
}

// noEvents fails if any audit event was appended since the store held n.
func (e *env) noEvents(n int) {
	e.t.Helper()
	if evs := e.events(); len(evs) != n {
		e.t.Fatalf("%d audit events appended, want none: %+v", len(evs)-n, evs[n:])
	}
}

// imageOf decodes an audit image into a map (nil for an absent image).
func imageOf(t *testing.T, raw json.RawMessage) map[string]any {
	t.Helper()
	if raw == nil {
		return nil
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("audit image %s: %v", raw, err)
	}
	return m
}

// assertNoSecret fails if the secret or its hash, in any usual encoding,
// appears anywhere in the JSON of the events.
func assertNoSecret(t *testing.T, h *secret.Hasher, sec string, evs []storage.AuditEvent) {
	t.Helper()
	raw, err := json.Marshal(evs)
	if err != nil {
		t.Fatal(err)
	}
	hash := h.Hash(sec)
	for _, needle := range []string{sec, string(hash), hex.EncodeToString(hash),
		base64.StdEncoding.EncodeToString(hash), base64.RawStdEncoding.EncodeToString(hash),
		base64.RawURLEncoding.EncodeToString(hash), base64.URLEncoding.EncodeToString(hash)} {
		if bytes.Contains(raw, []byte(needle)) {
			t.Fatalf("audit events contain the secret or its hash (%q)", needle)
		}
	}
}
