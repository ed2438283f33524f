package catalog

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/authplane/authplane/internal/storage"
	"github.com/authplane/authplane/internal/storage/sqlite"
)

func openStore(t *testing.T) storage.Store {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "c.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func TestMCP24_CanonicalURI(t *testing.T) {
	cases := map[string]string{
		"HTTPS://MCP.Example.COM/GitHub": "https://mcp.example.com/GitHub",
		"https://mcp.example.com/x/":     "https://mcp.example.com/x/",
		"https://Host:8443":              "https://host:8443",
		"https://h.example?Q=A":          "https://h.example?Q=A",
		"not a uri":                      "not a uri",
	}
	for in, want := range cases {
		if got := CanonicalURI(in); got != want {
			t.Errorf("CanonicalURI(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestRevoked(t *testing.T) {
	at := time.Unix(1_800_000_000, 0)
	r := indexRevocations([]storage.Revocation{
		{Kind: storage.RevokeToken, Value: "jti-1", At: at},
		{Kind: storage.RevokeClient, Value: "agent", At: at},
		{Kind: storage.RevokeSubject, Value: "acme|alice", At: at},
		{Kind: storage.RevokeIdP, Value: "acme", At: at},
	})
	cases := []struct {
		name                      string
		jti, client, subject, idp string
		iat                       time.Time
		want                      bool
	}{
		{"by jti", "jti-1", "x", "y", "z", at.Add(time.Hour), true},
		{"client before revocation", "j", "agent", "s", "i", at.Add(-time.Second), true},
		{"client at revocation", "j", "agent", "s", "i", at, true},
		{"client after revocation", "j", "agent", "s", "i", at.Add(time.Second), false},
		{"subject offboarded", "j", "c", "acme|alice", "i", at.Add(-time.Minute), true},
		{"idp revoked", "j", "c", "s", "acme", at.Add(-time.Minute), true},
		{"unrelated", "j", "c", "s", "i", at.Add(-time.Minute), false},
		{"empty idp never matches", "j", "c", "s", "", at.Add(-time.Minute), false},
	}
	for _, tc := range cases {
		if got := r.Revoked(tc.jti, tc.client, tc.subject, tc.idp, tc.iat); got != tc.want {
			t.Errorf("%s: Revoked = %v, want %v", tc.name, got, tc.want)
		}
	}
}

// TestRefreshFollowsGeneration: a committed change reaches the snapshot on
// Refresh; listeners run once per reload; nothing reloads when nothing
// changed.
func TestRefreshFollowsGeneration(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	c := New(st, Options{})
	var reloads int
	c.OnChange(func(*Snapshot) { reloads++ })
	if err := c.Load(ctx); err != nil {
		t.Fatal(err)
	}
	if err := st.CreateResource(ctx, storage.Resource{ID: "gh", URI: "https://mcp.example.com/github", Scopes: []string{"r"}, Enabled: true}); err != nil {
		t.Fatal(err)
	}
	if err := st.CreateIdP(ctx, storage.IdP{ID: "acme", Issuer: "https://idp.example", SubjectMode: storage.SubjectPrefixed, Enabled: true}); err != nil {
		t.Fatal(err)
	}
	if err := c.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if err := c.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if reloads != 2 {
		t.Fatalf("reloads = %d, want 2 (load + one change)", reloads)
	}
	snap := c.Current()
	if r, ok := snap.ResourceByURI("HTTPS://MCP.EXAMPLE.COM/github"); !ok || r.ID != "gh" {
		t.Fatalf("ResourceByURI: %v %v", r, ok)
	}
	if _, ok := snap.ResourceByURI("https://mcp.example.com/github/"); ok {
		t.Fatal("trailing slash must stay significant (MCP-24)")
	}
	if i, ok := snap.IdP("acme"); !ok || i.Issuer != "https://idp.example" {
		t.Fatalf("IdP: %v %v", i, ok)
	}
}

// TestRunPicksUpChangesWithoutRefresh: the background loop reloads after a
// change made behind the catalog's back (another instance).
func TestRunPicksUpChangesWithoutRefresh(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	st := openStore(t)
	c := New(st, Options{PollInterval: 20 * time.Millisecond})
	if err := c.Load(ctx); err != nil {
		t.Fatal(err)
	}
	go c.Run(ctx)
	if err := st.CreateClient(ctx, storage.Client{ID: "agent", Enabled: true, GrantTypes: []string{}}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(2 * time.Second)
	for c.Current().Clients["agent"].ID == "" {
		if time.Now().After(deadline) {
			t.Fatal("the change never reached the snapshot")
		}
		time.Sleep(10 * time.Millisecond)
	}
}
