package idprole

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/authplane/authplane/internal/storage"
)

func TestPasswordHash(t *testing.T) {
	h, err := hashPassword("correct horse", DefaultPasswordIterations)
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(h, "$")
	if len(parts) != 4 || parts[0] != "pbkdf2-sha256" || parts[1] != "600000" || len(parts[2]) != 22 || len(parts[3]) != 43 {
		t.Fatalf("stored form %q", h)
	}
	other, _ := hashPassword("correct horse", DefaultPasswordIterations)
	if other == h {
		t.Fatal("two hashes of one password are equal: salt not random")
	}
	tests := []struct {
		name, pass, stored string
		want               bool
	}{
		{"right password", "correct horse", h, true},
		{"wrong password", "correct horsE", h, false},
		{"empty password", "", h, false},
		{"other scheme", "correct horse", "bcrypt$" + strings.Join(parts[1:], "$"), false},
		{"iterations not a number", "correct horse", "pbkdf2-sha256$x$" + parts[2] + "$" + parts[3], false},
		{"iterations out of range", "correct horse", "pbkdf2-sha256$99999999$" + parts[2] + "$" + parts[3], false},
		{"short hash", "correct horse", strings.Join(parts[:3], "$") + "$AAAA", false},
		{"empty", "correct horse", "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := verifyPassword(tc.pass, tc.stored); got != tc.want {
				t.Fatalf("verifyPassword = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestAddUserRejects(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		name string
		u    User
		want error
	}{
		{"bad username", User{Username: "a b", Password: "long-enough-1"}, storage.ErrInvalid},
		{"short password", User{Username: "carol", Password: "short"}, storage.ErrInvalid},
		{"bad email", User{Username: "carol", Password: "long-enough-1", Email: "Carol <c@example.com>"}, storage.ErrInvalid},
		{"empty group", User{Username: "carol", Password: "long-enough-1", Groups: []string{""}}, storage.ErrInvalid},
		{"duplicate", User{Username: "alice", Password: "long-enough-1"}, storage.ErrConflict},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := e.srv.AddUser(context.Background(), tc.u); !errors.Is(err, tc.want) {
				t.Fatalf("error %v, want %v", err, tc.want)
			}
		})
	}
}

func TestUserAdmin(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	check(t, e.srv.SetPassword(ctx, "alice", "new-password-1"))
	readBody(t, e.signIn(browser(t), authorizeQuery("agent"), "alice", alicePass))
	if resp := e.signIn(browser(t), authorizeQuery("agent"), "alice", "new-password-1"); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-in with the new password: %d", resp.StatusCode)
	}
	check(t, e.srv.SetGroups(ctx, "bob", []string{"ops", "ops", "sales"}))
	users := must(e.srv.ListUsers(ctx))
	if len(users) != 2 || users[1].Username != "bob" || strings.Join(users[1].Groups, ",") != "ops,sales" || users[0].Password != "" {
		t.Fatalf("users %+v", users)
	}
	for _, err := range []error{e.srv.SetPassword(ctx, "nobody", "long-enough-1"), e.srv.SetGroups(ctx, "nobody", nil),
		e.srv.DeleteUser(ctx, "nobody")} {
		if !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("error %v, want ErrNotFound", err)
		}
	}
	check(t, e.srv.DeleteUser(ctx, "bob"))
	if len(must(e.srv.ListUsers(ctx))) != 1 {
		t.Fatal("bob not deleted")
	}
}

func TestAddApp(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	a, err := e.srv.AddApp(ctx, App{ID: "gen", RedirectURIs: []string{"https://app.example.com/cb"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Secret) < 40 || len(a.GrantTypes) != 2 {
		t.Fatalf("app %+v: want a generated secret and both grant types", a)
	}
	for _, l := range must(e.srv.ListApps(ctx)) {
		if l.Secret != "" {
			t.Fatalf("ListApps returns a secret for %s", l.ID)
		}
	}
	bad := []App{
		{ID: "", RedirectURIs: []string{"https://app.example.com/cb"}},
		{ID: "x", RedirectURIs: nil},
		{ID: "x", RedirectURIs: []string{"http://app.example.com/cb"}},
		{ID: "x", RedirectURIs: []string{"https://app.example.com/cb#frag"}},
		{ID: "x", RedirectURIs: []string{"/relative"}},
		{ID: "x", RedirectURIs: []string{"https://app.example.com/cb"}, GrantTypes: []string{"password"}},
		{ID: "x", RedirectURIs: []string{"https://app.example.com/cb"}, Secret: "short"},
	}
	srv := openAt(t, e.dir, "https://idp.example.com", false) // outside dev mode http redirect URIs need a loopback host
	for i, b := range bad {
		if _, err := srv.AddApp(ctx, b); !errors.Is(err, storage.ErrInvalid) {
			t.Errorf("bad app %d %+v: error %v, want ErrInvalid", i, b, err)
		}
	}
	if _, err := srv.AddApp(ctx, App{ID: "cli", RedirectURIs: []string{"http://127.0.0.1:1234/cb", "com.example.app:/cb"}}); err != nil {
		t.Errorf("loopback and private-use redirect URIs: %v", err)
	}
	if _, err := e.srv.AddApp(ctx, App{ID: "agent", RedirectURIs: []string{redirectURI}}); !errors.Is(err, storage.ErrConflict) {
		t.Errorf("duplicate app: %v", err)
	}
	check(t, e.srv.DeleteApp(ctx, "gen"))
}

func TestAddAudience(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	tests := []struct {
		name string
		a    Audience
		want error
	}{
		{"IDP20 own issuer", Audience{ID: "self", Issuer: e.issuer}, storage.ErrInvalid},
		{"IDP20 own issuer as alias", Audience{ID: "self", Issuer: "https://x.example.com", Aliases: []string{e.issuer}}, storage.ErrInvalid},
		{"issuer with query", Audience{ID: "q", Issuer: "https://x.example.com?a=b"}, storage.ErrInvalid},
		{"relative resource", Audience{ID: "r", Issuer: "https://x.example.com", Resources: []string{"/mcp"}}, storage.ErrInvalid},
		{"empty scope catalogue", Audience{ID: "s", Issuer: "https://x.example.com", Scopes: []string{}}, storage.ErrInvalid},
		{"issuer taken", Audience{ID: "dup", Issuer: asIssuer}, storage.ErrConflict},
		{"alias of another audience", Audience{ID: "dup", Issuer: "https://x.example.com", Aliases: []string{asAlias}}, storage.ErrConflict},
		{"issuer is another's alias", Audience{ID: "dup", Issuer: "https://y.example.com", Aliases: []string{asIssuer}}, storage.ErrConflict},
		{"id taken", Audience{ID: "authplane", Issuer: "https://z.example.com"}, storage.ErrConflict},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := e.srv.AddAudience(ctx, tc.a); !errors.Is(err, tc.want) {
				t.Fatalf("error %v, want %v", err, tc.want)
			}
		})
	}
	auds := must(e.srv.ListAudiences(ctx))
	if len(auds) != 2 || auds[0].Scopes != nil || auds[1].Scopes == nil || auds[1].ClientIDMap["agent"] != "agent-at-as" {
		t.Fatalf("audiences %+v: nil and set scope catalogues must survive the store", auds)
	}
}

func TestAddPolicyRejectsInvalidRule(t *testing.T) {
	e := newEnv(t)
	err := e.srv.AddPolicy(context.Background(), storage.Policy{ID: "bad", Effect: "maybe", Condition: "1 +", Enabled: true})
	if !errors.Is(err, storage.ErrInvalid) || !strings.Contains(err.Error(), "effect") || !strings.Contains(err.Error(), "condition") {
		t.Fatalf("error %v, want every problem", err)
	}
	if err := e.srv.AddPolicy(context.Background(), storage.Policy{ID: "engineering", Effect: "allow", Enabled: true}); !errors.Is(err, storage.ErrConflict) {
		t.Fatalf("duplicate id: %v", err)
	}
}

// TestPolicyChangeFromAnotherProcess: a rule added through a second
// Server on the same data directory (as the CLI does while `idp serve`
// runs) takes effect on the next exchange.
func TestPolicyChangeFromAnotherProcess(t *testing.T) {
	e := newEnv(t)
	st := e.idToken("agent", agentSecret, "alice", alicePass)
	e.exchangeOK(exchangeForm(st), nil)
	cli := openAt(t, e.dir, e.issuer, true)
	check(t, cli.AddPolicy(context.Background(), storage.Policy{ID: "block", Effect: "deny", Subjects: []string{"alice"}, Enabled: true}))
	resp, body := e.tokenReq(exchangeForm(st), nil)
	wantError(t, resp, body, 400, "invalid_grant")
	check(t, cli.DeletePolicy(context.Background(), "block"))
	e.exchangeOK(exchangeForm(st), nil)
}

// TestReopenKeepsKeysAndData: the signing key, users and apps persist.
func TestReopenKeepsKeysAndData(t *testing.T) {
	e := newEnv(t)
	kid, _ := e.srv.keys.Signer()
	again := openAt(t, e.dir, e.issuer, true)
	if k2, _ := again.keys.Signer(); k2 != kid {
		t.Fatalf("kid %s after reopen, want %s", k2, kid)
	}
	if len(must(again.ListUsers(context.Background()))) != 2 || len(must(again.ListApps(context.Background()))) != 3 {
		t.Fatal("data lost on reopen")
	}
}

func TestAuditAdminAndLimit(t *testing.T) {
	e := newEnv(t)
	evs := must(e.srv.Audit(context.Background(), 3))
	if len(evs) != 3 || evs[2].Detail != "policy.add engineering allow" || evs[0].Seq >= evs[2].Seq {
		t.Fatalf("latest admin events %+v", evs)
	}
	if len(must(e.srv.Audit(context.Background(), 0))) != 1 {
		t.Fatal("limit 0 is not clamped to 1")
	}
}

func openAt(t *testing.T, dir, issuer string, dev bool) *Server {
	t.Helper()
	clock := newClock()
	clock.Advance(time.Second)
	srv, err := Open(context.Background(), Config{Issuer: issuer, DataDir: dir, Dev: dev, Now: clock.Now, InsecurePasswordIterations: 1000})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	return srv
}
