package xaaclient

import (
	"context"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/authplane/authplane/internal/idprole"
)

const (
	redirect = "http://127.0.0.1:8765/callback"
	password = "alice-test-password"
)

// clock is a settable clock shared by the IdP role and the Fetcher.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) { c.mu.Lock(); defer c.mu.Unlock(); c.t = c.t.Add(d) }

// newIdP runs the IdP role with alice and the app "agent"; it returns the
// server and the agent's secret.
func newIdP(t *testing.T, c *clock) (*idprole.Server, string) {
	t.Helper()
	ts := httptest.NewUnstartedServer(nil)
	srv, err := idprole.Open(t.Context(), idprole.Config{Issuer: "http://" + ts.Listener.Addr().String(), DataDir: t.TempDir(),
		Dev: true, Now: c.Now, InsecurePasswordIterations: 1000})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	ts.Config.Handler = srv.Handler()
	ts.Start()
	t.Cleanup(ts.Close)
	ctx := context.Background()
	if _, err := srv.AddUser(ctx, idprole.User{Username: "alice", Password: password, Groups: []string{"engineering"}}); err != nil {
		t.Fatal(err)
	}
	app, err := srv.AddApp(ctx, idprole.App{ID: "agent", RedirectURIs: []string{redirect}})
	if err != nil {
		t.Fatal(err)
	}
	return srv, app.Secret
}

func signIns(t *testing.T, srv *idprole.Server) int {
	t.Helper()
	evs, err := srv.Audit(t.Context(), 1000)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range evs {
		if e.Type == idprole.EventSignIn && e.Outcome == idprole.OutcomeSuccess {
			n++
		}
	}
	return n
}

// TestFetcherSignsInAndReusesTheIDToken: the first Fetch signs in through
// the IdP role's form; later ones reuse the ID token until a minute before
// its exp, then sign in again.
func TestFetcherSignsInAndReusesTheIDToken(t *testing.T) {
	c := &clock{t: time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)}
	srv, secret := newIdP(t, c)
	f := NewFetcher(Config{IdPIssuer: srv.Issuer(), IdPClientID: "agent", IdPClientSecret: secret, RedirectURI: redirect,
		Username: "alice", Password: password, Now: c.Now})
	steps := []struct {
		name      string
		advance   time.Duration
		wantLogin int // successful sign-ins so far
	}{
		{"first fetch signs in", 0, 1},
		{"reused while valid", 30 * time.Minute, 1},
		{"reused up to the margin", 28*time.Minute + 59*time.Second, 1},
		{"renewed within a minute of exp", 2 * time.Second, 2},
	}
	var first string
	for _, s := range steps {
		c.add(s.advance)
		tok, err := f.Fetch(t.Context())
		if err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		id, _ := tok.Extra("id_token").(string)
		if first == "" {
			first = id
		}
		if got := signIns(t, srv); got != s.wantLogin || id == "" || (s.wantLogin == 1) != (id == first) {
			t.Fatalf("%s: %d sign-ins (want %d), same token %v", s.name, got, s.wantLogin, id == first)
		}
	}
}

// TestFetcherWrongPassword: a refused sign-in is an error and is not
// cached.
func TestFetcherWrongPassword(t *testing.T) {
	c := &clock{t: time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)}
	srv, secret := newIdP(t, c)
	cfg := Config{IdPIssuer: srv.Issuer(), IdPClientID: "agent", IdPClientSecret: secret, RedirectURI: redirect,
		Username: "alice", Password: "not-the-password", Now: c.Now}
	f := NewFetcher(cfg)
	for range 2 {
		if _, err := f.Fetch(t.Context()); err == nil || !strings.Contains(err.Error(), "sign-in refused") {
			t.Fatalf("Fetch = %v, want the refused sign-in", err)
		}
	}
}

func TestNewHandlerNamesEveryMissingField(t *testing.T) {
	full := Config{IdPIssuer: "https://idp", IdPClientID: "agent", IdPClientSecret: "s", RedirectURI: redirect,
		Username: "alice", AuthServer: "https://as", ClientID: "agent-1", ClientSecret: "s", Resource: "https://mcp/mcp"}
	tests := []struct {
		name   string
		mutate func(*Config)
		want   []string
	}{
		{"complete", func(*Config) {}, nil},
		{"no IdP", func(c *Config) { c.IdPIssuer = "" }, []string{"IdPIssuer"}},
		{"no credentials at AuthPlane", func(c *Config) { c.ClientID, c.ClientSecret = "", "" }, []string{"ClientID", "ClientSecret"}},
		{"no resource nor user", func(c *Config) { c.Resource, c.Username = "", "" }, []string{"Resource", "Username"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := full
			tt.mutate(&c)
			h, err := NewHandler(c)
			if tt.want == nil {
				if err != nil || h == nil {
					t.Fatalf("NewHandler: %v", err)
				}
				return
			}
			for _, w := range tt.want {
				if err == nil || !strings.Contains(err.Error(), w+" is required") {
					t.Fatalf("NewHandler = %v, want it to name %s", err, w)
				}
			}
		})
	}
}
