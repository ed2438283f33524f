package adminclient

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestTables(t *testing.T) {
	created := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	cases := []struct {
		name  string
		table Table
		want  string
	}{
		{"clients show any versus none", ClientsTable([]OAuthClient{
			{ID: "agent-1", Name: "Agent One", AuthMethod: "client_secret_basic", GrantTypes: []string{"urn:ietf:params:oauth:grant-type:jwt-bearer"}, Enabled: true},
			{ID: "rs", AuthMethod: "private_key_jwt", GrantTypes: []string{}, AllowedIdPs: []string{}},
			{ID: "x", AllowedIdPs: []string{"okta", "entra"}},
		}), "" +
			"ID       NAME       AUTH METHOD          GRANT TYPES  ALLOWED IDPS  ENABLED\n" +
			"agent-1  Agent One  client_secret_basic  jwt-bearer   any           yes\n" +
			"rs       -          private_key_jwt      -            none          no\n" +
			"x        -          -                    -            okta,entra    no\n"},
		{"keys with optional times", KeysTable([]SigningKey{{KID: "k1", Alg: "ES256", State: "retired", CreatedAt: created, RetiredAt: &created}, {KID: "k2", Alg: "ES256", State: "active", CreatedAt: created}}), "" +
			"KID  ALG    STATE    CREATED               RETIRED               PUBLISH UNTIL\n" +
			"k1   ES256  retired  2026-01-02T03:04:05Z  2026-01-02T03:04:05Z  -\n" +
			"k2   ES256  active   2026-01-02T03:04:05Z  -                     -\n"},
		{"control characters cannot break rows", AuditTable([]AuditEvent{{Seq: 3, Time: created, Type: "grant.denied", Outcome: "failure",
			Reason: "bad\tkid\n\x1b[31mred", AssertionJTI: "j1"}}), "" +
			"SEQ  TIME                  TYPE          OUTCOME  REASON            IDP  CLIENT  SUBJECT  RESOURCE  JTI\n" +
			"3    2026-01-02T03:04:05Z  grant.denied  failure  bad?kid??[31mred  -    -       -        -         j1\n"},
		{"resources default ttl", ResourcesTable([]Resource{{ID: "gh", URI: "https://x/gh", Scopes: []string{"a", "b"}, AccessTokenTTL: "0s"}}), "" +
			"ID  URI           NAME  SCOPES  TOKEN TTL  ENABLED\n" +
			"gh  https://x/gh  -     a,b     default    no\n"},
		{"policies matchers", PoliciesTable([]Policy{{ID: "p", Effect: "deny", Clients: []string{}, Scopes: []string{"s"}}}), "" +
			"ID  EFFECT  IDPS  CLIENTS  RESOURCES  GROUPS  SUBJECTS  SCOPES  ENABLED\n" +
			"p   deny    any   none     any        any     any       s       no\n"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var b strings.Builder
			if err := tc.table.Write(&b); err != nil {
				t.Fatal(err)
			}
			if b.String() != tc.want {
				t.Fatalf("got\n%s\nwant\n%s", b.String(), tc.want)
			}
		})
	}
}

func TestWriteJSONEscapesTerminalControls(t *testing.T) {
	var b strings.Builder
	in := map[string]string{"ua": "x\u009b31m\u007fy\x1b"}
	if err := WriteJSON(&b, in); err != nil {
		t.Fatal(err)
	}
	want := "{\n  \"ua\": \"x\\u009b31m\\u007fy\\u001b\"\n}\n"
	if b.String() != want {
		t.Fatalf("got %q, want %q", b.String(), want)
	}
	var back map[string]string
	if err := json.Unmarshal([]byte(b.String()), &back); err != nil || back["ua"] != in["ua"] {
		t.Fatalf("round trip: %v %q", err, back["ua"])
	}
}

func TestValidFormat(t *testing.T) {
	for _, f := range []string{"", "table", "json"} {
		if err := ValidFormat(f); err != nil {
			t.Errorf("%q: %v", f, err)
		}
	}
	if err := ValidFormat("yaml"); err == nil {
		t.Error("yaml accepted")
	}
}
