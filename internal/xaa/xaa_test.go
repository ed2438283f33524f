package xaa

import (
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/authplane/authplane/internal/testidp"
)

func TestDecodeAndCheckIDJAG(t *testing.T) {
	idp := testidp.New()
	defer idp.Close()
	now := time.Now()
	good := idp.Mint(testidp.Grant{Audience: "https://as.example", ClientID: "agent", Subject: "alice", Resource: "https://mcp.example/gh", Now: now})
	d, err := Decode(good)
	if err != nil {
		t.Fatal(err)
	}
	if d.Str("sub") != "alice" || !strings.Contains(d.String(), "signature: <elided>") || strings.Contains(d.String(), strings.Split(good, ".")[2]) {
		t.Fatalf("decoded: %s", d)
	}
	e := Expect{ASIssuer: "https://as.example", ClientID: "agent", Resource: "https://mcp.example/gh", Now: now}
	for _, c := range CheckIDJAG(d, e) {
		if !c.OK {
			t.Errorf("valid ID-JAG fails %q (%s)", c.Name, c.Note)
		}
	}
	k := testidp.NewKey(jose.RS256)
	bad := idp.Mint(testidp.Grant{Audience: []string{"https://as.example", "x"}, ClientID: "other", Subject: "alice", Typ: "JWT", Key: &k, Lifetime: 10 * time.Minute, Now: now})
	d, _ = Decode(bad)
	failed := map[string]bool{}
	for _, c := range CheckIDJAG(d, e) {
		if !c.OK {
			failed[c.Name] = true
		}
	}
	for _, want := range []string{"typ is oauth-id-jag+jwt", "aud is the AS issuer exactly", "client_id is the client's id at the AS", "lifetime ≤ 5 minutes", "resource claim present"} {
		if !failed[want] {
			t.Errorf("check %q did not fail", want)
		}
	}
}

func TestDecodeRejectsGarbage(t *testing.T) {
	for _, in := range []string{"", "a.b", "a.b.c.d.e", "!!!.e30.x", "e30.bm90IGpzb24.x"} {
		if _, err := Decode(in); err == nil {
			t.Errorf("Decode(%q) accepted", in)
		}
	}
}

func TestHintCoversTheGrantErrors(t *testing.T) {
	for _, code := range []string{"invalid_client", "unauthorized_client", "invalid_grant", "invalid_scope", "invalid_target", "temporarily_unavailable"} {
		if Hint(code) == "" {
			t.Errorf("no hint for %s", code)
		}
	}
}
