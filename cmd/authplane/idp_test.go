package main

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// runIdP executes `idp --data-dir dir args…` with stdin and returns stdout
// and the error.
func runIdP(t *testing.T, ctx context.Context, dir, stdin string, args ...string) (string, error) {
	t.Helper()
	cmd := newIdPCmd()
	var out, errOut strings.Builder
	cmd.SetOut(&out)
	cmd.SetErr(&errOut)
	cmd.SetIn(strings.NewReader(stdin))
	cmd.SetArgs(append([]string{"--data-dir", dir}, args...))
	err := cmd.ExecuteContext(ctx)
	return out.String(), err
}

// TestIdPManagementCommands registers a user, an app, an audience and a
// policy through the CLI and reads them back.
func TestIdPManagementCommands(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	steps := []struct {
		stdin string
		args  []string
		want  string
	}{
		{"alice-password-1\n", []string{"user", "add", "alice", "--email", "alice@example.com", "--groups", "eng", "--password-stdin"}, ""},
		{"", []string{"user", "add", "bob"}, "password (shown once)"},
		{"", []string{"user", "set-groups", "alice", "eng,ops"}, ""},
		{"", []string{"user", "list"}, "alice@example.com  eng,ops"},
		{"", []string{"app", "add", "agent", "--name", "Agent", "--redirect-uri", "http://127.0.0.1:8765/cb"}, "client_secret: "},
		{"", []string{"app", "list"}, "authorization_code,urn:ietf:params:oauth:grant-type:token-exchange"},
		{"", []string{"audience", "add", "authplane", "--issuer", "https://as.example.com", "--resource",
			"https://mcp.example.com/mcp", "--scope", "tools.read", "--client-id", "agent=agent-at-as"}, ""},
		{"", []string{"audience", "list"}, "agent=agent-at-as"},
		{"", []string{"policy", "add", "eng", "--groups", "eng", "--scopes", "tools.read", "--require-amr", "pwd"}, ""},
		{"", []string{"policy", "list"}, `"GroupsAny":["eng"]`},
		{"", []string{"audit", "--limit", "2"}, `"detail":"policy.add eng allow"`},
		{"", []string{"app", "delete", "agent"}, ""},
	}
	for _, s := range steps {
		out, err := runIdP(t, ctx, dir, s.stdin, s.args...)
		if err != nil {
			t.Fatalf("idp %v: %v", s.args, err)
		}
		if !strings.Contains(out, s.want) {
			t.Fatalf("idp %v printed %q, want %q", s.args, out, s.want)
		}
	}
	failing := [][]string{
		{"user", "add", "alice", "--password", "another-password"},
		{"user", "delete", "nobody"},
		{"audience", "add", "x", "--issuer", "https://x.example.com", "--client-id", "no-equals-sign"},
		{"policy", "add", "bad", "--effect", "maybe"},
		{"user", "add", "carol", "--password", "p", "--password-stdin"},
	}
	for _, args := range failing {
		if _, err := runIdP(t, ctx, dir, "", args...); err == nil {
			t.Errorf("idp %v succeeded", args)
		}
	}
}

// TestIdPServe starts `idp serve` on a free port, reads its discovery
// document and stops it by cancelling the context.
func TestIdPServe(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := runIdP(t, ctx, t.TempDir(), "", "--addr", addr, "serve")
		done <- err
	}()
	var doc map[string]any
	for i := 0; ; i++ {
		resp, err := http.Get("http://" + addr + "/.well-known/openid-configuration")
		if err == nil {
			err = json.NewDecoder(resp.Body).Decode(&doc)
			resp.Body.Close()
			break
		}
		if i == 100 {
			t.Fatalf("idp serve did not answer: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if doc["issuer"] != "http://"+addr {
		t.Fatalf("issuer %v", doc["issuer"])
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("serve returned %v", err)
	}
}
