package jsonx

import (
	"encoding/json"
	"testing"
)

func TestDecodeStrictObject(t *testing.T) {
	cases := []struct {
		name string
		in   string
		ok   bool
	}{
		{"plain object", `{"iss":"a","n":1,"o":{"x":[1,2]}}`, true},
		{"JWT11 duplicate top-level member", `{"iss":"a","iss":"b"}`, false},
		{"JWT11 duplicate nested member", `{"o":{"x":1,"x":2}}`, false},
		{"names are case-sensitive, not duplicates", `{"iss":"a","ISS":"b"}`, true},
		{"array is not an object", `[1]`, false},
		{"trailing data", `{"a":1} {}`, false},
		{"JWT05 invalid UTF-8", "{\"a\":\"\xff\"}", false},
		{"JWT05 unpaired surrogate", `{"a":"\ud800"}`, false},
		{"paired surrogate", `{"a":"\ud83d\ude00"}`, true},
		{"too deep", deep(40), false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := DecodeStrictObject([]byte(tc.in))
			if (err == nil) != tc.ok {
				t.Fatalf("err = %v, want ok=%v", err, tc.ok)
			}
		})
	}
	m, err := DecodeStrictObject([]byte(`{"exp":1800000000}`))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := m["exp"].(json.Number); !ok {
		t.Fatalf("number decoded as %T", m["exp"])
	}
}

func deep(n int) string {
	s := `{"a":`
	for range n {
		s += `{"a":`
	}
	s += "1"
	for range n + 1 {
		s += "}"
	}
	return s
}
