package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/authplane/authplane/internal/config"
	"github.com/authplane/authplane/internal/server"
)

const e2eToken = "cli-e2e-admin-token-0123456789abcdef"

// startServer runs a real AuthPlane on SQLite in a temp dir and returns its
// admin URL.
func startServer(t *testing.T) string {
	t.Helper()
	cfg, err := config.Load(config.LoadOptions{Environ: []string{}, Flags: map[string]any{
		"dev": "true", "data_dir": t.TempDir(), "admin_token": e2eToken, "log.level": "error",
		"public_addr": "127.0.0.1:0", "admin_addr": "127.0.0.1:0",
	}})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := server.New(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), server.Options{})
	if err != nil {
		t.Fatal(err)
	}
	l, err := srv.Listen()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = srv.Serve(ctx, l) }()
	t.Cleanup(func() { cancel(); <-done })
	return "http://" + l.Admin.Addr().String()
}

func runCLI(t *testing.T, url string, args ...string) (string, error) {
	t.Helper()
	cmd := newRootCmd()
	var out, errOut strings.Builder
	cmd.SetOut(&out)
	cmd.SetErr(&errOut)
	cmd.SetArgs(append(append([]string{"admin"}, args...), "--admin-url", url, "--admin-token", e2eToken))
	err := cmd.ExecuteContext(context.Background())
	return out.String() + errOut.String(), err
}

// TestCLI_AdminAgainstRealServer: creating a resource, an IdP, a client and a
// policy through `authplane admin …` works against a real server; bad input
// gets a clear problem; each change leaves one audit event with before/after.
func TestCLI_AdminAgainstRealServer(t *testing.T) {
	url := startServer(t)
	steps := [][]string{
		{"resources", "create", "--id", "github", "--uri", "https://mcp.example.com/github", "--scope", "repo:read", "--scope", "repo:write"},
		{"idps", "create", "--id", "acme", "--issuer", "https://idp.acme.example", "--jwks-uri", "https://idp.acme.example/jwks", "--groups-claim", "groups"},
		{"clients", "create", "--id", "agent-1", "--name", "Agent One", "--grant-type", "urn:ietf:params:oauth:grant-type:jwt-bearer"},
		{"policies", "create", "--id", "eng-github", "--effect", "allow", "--client", "agent-1", "--resource", "github", "--group", "engineering", "--scope", "repo:read"},
	}
	for _, args := range steps {
		out, err := runCLI(t, url, args...)
		if err != nil {
			t.Fatalf("%v: %v\n%s", args, err, out)
		}
		if args[0] == "clients" && !strings.Contains(out, "client_secret") {
			t.Fatalf("client secret not shown once:\n%s", out)
		}
	}
	for _, tc := range []struct{ group, want, rule string }{
		{"engineering", "decision: ALLOW", "MATCH"},
		{"sales", "decision: DENY at policy", "groups_any: none of [engineering] in [sales]"},
	} {
		claims := filepath.Join(t.TempDir(), "claims.json")
		doc := `{"iss":"https://idp.acme.example","sub":"alice","resource":"https://mcp.example.com/github","scope":"repo:read","groups":["` + tc.group + `"]}`
		if err := os.WriteFile(claims, []byte(doc), 0o600); err != nil {
			t.Fatal(err)
		}
		out, err := runCLI(t, url, "policy", "explain", "--claims", claims, "--client", "agent-1")
		if err != nil || !strings.Contains(out, tc.want) || !strings.Contains(out, tc.rule) || !strings.Contains(out, "eng-github") {
			t.Fatalf("explain %s: %v\n%s", tc.group, err, out)
		}
	}
	bad := map[string][]string{
		"duplicate id":          {"resources", "create", "--id", "github", "--uri", "https://mcp.example.com/other"},
		"bad url":               {"resources", "create", "--id", "bad", "--uri", "ftp://x"},
		"unknown referenced id": {"policies", "create", "--id", "p2", "--effect", "allow", "--resource", "nope"},
	}
	for name, args := range bad {
		out, err := runCLI(t, url, args...)
		if err == nil {
			t.Fatalf("%s: accepted:\n%s", name, out)
		}
	}
	out, err := runCLI(t, url, "audit", "list", "-o", "json", "--all")
	if err != nil {
		t.Fatal(err, out)
	}
	var page struct {
		Items []map[string]any `json:"items"`
	}
	if err := json.Unmarshal([]byte(out), &page); err != nil {
		t.Fatalf("audit output not JSON: %v\n%s", err, out)
	}
	events := page.Items
	var creates int
	for _, ev := range events {
		if strings.HasPrefix(ev["type"].(string), "admin.") && strings.HasSuffix(ev["type"].(string), ".create") {
			creates++
			if ev["after"] == nil {
				t.Fatalf("event without after: %v", ev)
			}
		}
	}
	if creates != 4 { // explain is audited as policy.explained, not as a change
		t.Fatalf("%d admin create events, want 4:\n%s", creates, out)
	}
}
