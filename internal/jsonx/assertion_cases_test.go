package jsonx

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

func TestDecodeStrictObjectAssertionCases(t *testing.T) {
	for _, c := range []struct {
		name string
		in   string
		want map[string]any // nil: must fail
	}{
		{"empty object", `{}`, map[string]any{}},
		{"all value kinds", `{"s":"x","n":1.5,"t":true,"f":false,"z":null,"a":[1,"b"],"o":{"k":"v"}}`,
			map[string]any{"s": "x", "n": json.Number("1.5"), "t": true, "f": false, "z": nil,
				"a": []any{json.Number("1"), "b"}, "o": map[string]any{"k": "v"}}},
		{"names keep their case", `{"iss":"a","ISS":"b"}`, map[string]any{"iss": "a", "ISS": "b"}},
		{"escaped name equal to another name is a duplicate", `{"iss":"a","\u0069ss":"b"}`, nil},
		{"duplicate at top level", `{"a":1,"a":1}`, nil},
		{"duplicate in nested object", `{"o":{"a":1,"a":2}}`, nil},
		{"duplicate in object inside array", `{"a":[{"k":1,"k":2}]}`, nil},
		{"not an object", `[]`, nil},
		{"bare string", `"x"`, nil},
		{"empty input", ``, nil},
		{"trailing object", `{}{}`, nil},
		{"trailing garbage", `{} x`, nil},
		{"unterminated", `{"a":1`, nil},
		{"trailing comma", `{"a":1,}`, nil},
		{"array trailing comma", `{"a":[1,]}`, nil},
		{"leading zero", `{"a":01}`, nil},
		{"single quotes", `{'a':1}`, nil},
		{"invalid UTF-8", "{\"a\":\"\xff\"}", nil},
		{"lone surrogate", `{"a":"\udfff"}`, nil},
		{"truncated surrogate pair", `{"a":"\ud800\u"}`, nil},
		{"surrogate pair", `{"a":"\ud834\udd1e"}`, map[string]any{"a": "\U0001D11E"}},
		{"escaped backslash then u", `{"a":"\\udfff"}`, map[string]any{"a": `\udfff`}},
		{"depth 32 accepted", `{"a":` + nested(31) + `}`, map[string]any{"a": nestedValue(31)}},
		{"depth 33 rejected", `{"a":` + nested(32) + `}`, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := DecodeStrictObject([]byte(c.in))
			if c.want == nil {
				if err == nil {
					t.Fatalf("decoded %v, want an error", got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Fatalf("got %#v, want %#v", got, c.want)
			}
		})
	}
}

// nestedValue is the decoded form of nested(n).
func nestedValue(n int) any {
	v := []any{}
	for range n - 1 {
		v = []any{v}
	}
	return v
}

func nested(n int) string { return strings.Repeat("[", n) + strings.Repeat("]", n) }
