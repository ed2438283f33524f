package adminclient

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestUpdateBodyKeepsUnmentionedMembers(t *testing.T) {
	cases := []struct {
		name    string
		current string
		changes []Change
		want    string
	}{
		{"drops timestamps and sets name",
			`{"id":"a","name":"A","allowed_idps":["okta"],"grant_types":[],"enabled":true,"created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-02T00:00:00Z"}`,
			[]Change{{Path: []string{"name"}, Value: "B"}},
			`{"id":"a","name":"B","allowed_idps":["okta"],"grant_types":[],"enabled":true}`},
		{"null list stays null", `{"id":"a","allowed_idps":null}`, []Change{{Path: []string{"enabled"}, Value: false}},
			`{"id":"a","allowed_idps":null,"enabled":false}`},
		{"unset to null", `{"id":"a","allowed_idps":[]}`, []Change{{Path: []string{"allowed_idps"}, Value: nil}},
			`{"id":"a","allowed_idps":null}`},
		{"nested change keeps siblings", `{"id":"p","require":{"amr_any":["mfa"],"acr_any":null,"max_auth_age":"1h"}}`,
			[]Change{{Path: []string{"require", "amr_any"}, Value: []string{"hwk"}}},
			`{"id":"p","require":{"amr_any":["hwk"],"acr_any":null,"max_auth_age":"1h"}}`},
		{"nested change under null parent", `{"id":"p","require":null}`,
			[]Change{{Path: []string{"require", "max_auth_age"}, Value: "5m"}},
			`{"id":"p","require":{"max_auth_age":"5m"}}`},
		{"map replaced, not merged", `{"id":"i","client_id_map":{"x":"a","y":"b"}}`,
			[]Change{{Path: []string{"client_id_map"}, Value: map[string]string{"z": "c"}}},
			`{"id":"i","client_id_map":{"z":"c"}}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			obj, err := UpdateBody(json.RawMessage(tc.current), tc.changes)
			if err != nil {
				t.Fatal(err)
			}
			buf, _ := json.Marshal(obj)
			assertJSON(t, "body", string(buf), tc.want)
		})
	}
}

func TestUpdateBodyKeepsNumbersExact(t *testing.T) {
	obj, err := UpdateBody(json.RawMessage(`{"n":12345678901234567890}`), nil)
	if err != nil {
		t.Fatal(err)
	}
	if buf, _ := json.Marshal(obj); string(buf) != `{"n":12345678901234567890}` {
		t.Fatalf("got %s", buf)
	}
}

func TestDecodeObject(t *testing.T) {
	cases := []struct {
		name    string
		in      string
		want    string // JSON, or error text when wantErr
		wantErr bool
	}{
		{"json", `{"id":"a","allowed_idps":null,"grant_types":[]}`, `{"id":"a","allowed_idps":null,"grant_types":[]}`, false},
		{"yaml null versus empty", "id: a\nallowed_idps: null\ngrant_types: []\nscopes: ~\n",
			`{"id":"a","allowed_idps":null,"grant_types":[],"scopes":null}`, false},
		{"yaml nested and typed", "id: p\nenabled: false\nrequire:\n  amr_any: [mfa]\n  max_auth_age: 1h\nclient_id_map:\n  0oa1: agent-1\n",
			`{"id":"p","enabled":false,"require":{"amr_any":["mfa"],"max_auth_age":"1h"},"client_id_map":{"0oa1":"agent-1"}}`, false},
		{"yaml timestamp becomes string", "id: a\nnote: 2026-01-02T03:04:05Z\n", `{"id":"a","note":"2026-01-02T03:04:05Z"}`, false},
		{"server-managed members dropped", `{"id":"a","created_at":"x","updated_at":"y"}`, `{"id":"a"}`, false},
		{"yaml server-managed dropped", "id: a\ncreated_at: 2026-01-01T00:00:00Z\n", `{"id":"a"}`, false},
		{"json trailing data", `{"id":"a"} {"id":"b"}`, "data after the object", true},
		{"json not object", `{"id":`, "invalid JSON", true},
		{"json null", " null", "want a YAML mapping", true},
		{"yaml list", "- a\n- b\n", "want a YAML mapping", true},
		{"yaml two documents", "id: a\n---\nid: b\n", "exactly one document", true},
		{"yaml non-string key", "id: a\nmap:\n  1: x\n", `YAML key 1 at ".map" is not a string`, true},
		{"yaml syntax", "id: [a\n", "invalid YAML", true},
		{"empty", "  \n", "empty document", true},
		{"too large", `{"id":"` + strings.Repeat("a", MaxBodyBytes) + `"}`, "larger than", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			obj, err := DecodeObject([]byte(tc.in))
			if tc.wantErr {
				if err == nil || !strings.Contains(err.Error(), tc.want) {
					t.Fatalf("err = %v, want %q", err, tc.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			buf, err := json.Marshal(obj)
			if err != nil {
				t.Fatal(err)
			}
			assertJSON(t, "object", string(buf), tc.want)
		})
	}
}
