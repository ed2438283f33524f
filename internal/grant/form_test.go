package grant

import (
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/authplane/authplane/internal/oauth"
)

func TestTEP01_ParseForm(t *testing.T) {
	cases := []struct {
		name   string
		body   string
		want   Form
		reason string // "" = success
	}{
		{name: "empty body", body: "", want: Form{}},
		{name: "two parameters", body: "grant_type=x&assertion=a.b.c", want: Form{"grant_type": "x", "assertion": "a.b.c"}},
		{name: "percent and plus decoding", body: "scope=read+write&resource=https%3A%2F%2Fmcp.example%2F", want: Form{"scope": "read write", "resource": "https://mcp.example/"}},
		{name: "UTF-8 percent-encoded", body: "client_id=%E6%97%A5%E6%9C%AC", want: Form{"client_id": "日本"}},
		{name: "empty value is absent", body: "grant_type=x&scope=", want: Form{"grant_type": "x"}},
		{name: "key without = is absent", body: "grant_type=x&scope", want: Form{"grant_type": "x"}},
		{name: "empty segments skipped", body: "&grant_type=x&&", want: Form{"grant_type": "x"}},
		{name: "unrecognised parameters kept for the caller to ignore", body: "grant_type=x&foo=bar", want: Form{"grant_type": "x", "foo": "bar"}},
		{name: "repeated parameter", body: "grant_type=x&grant_type=x", reason: "repeated_parameter"},
		{name: "repeated parameter, one empty", body: "scope=a&scope=", reason: "repeated_parameter"},
		{name: "repeated parameter, both empty", body: "scope=&scope=", reason: "repeated_parameter"},
		{name: "repeated parameter under different encodings", body: "scope=a&%73cope=b", reason: "repeated_parameter"},
		{name: "invalid UTF-8 in a value", body: "client_id=%FF%FE", reason: "invalid_utf8"},
		{name: "invalid UTF-8 in a key", body: "%C3%28=x", reason: "invalid_utf8"},
		{name: "overlong UTF-8 encoding", body: "client_id=%C0%AF", reason: "invalid_utf8"},
		{name: "UTF-8 encoded surrogate", body: "client_id=%ED%A0%80", reason: "invalid_utf8"},
		{name: "bad percent encoding", body: "client_id=%zz", reason: "malformed_form"},
		{name: "truncated percent encoding", body: "client_id=abc%4", reason: "malformed_form"},
		{name: "bad percent encoding in a key", body: "%=x", reason: "malformed_form"},
		{name: "semicolon separator", body: "grant_type=x;scope=y", reason: "malformed_form"},
		{name: "semicolon in a value", body: "scope=a;b", reason: "malformed_form"},
		{name: "percent-encoded semicolon is data", body: "scope=a%3Bb", want: Form{"scope": "a;b"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseForm(tc.body)
			if tc.reason != "" {
				wantOAuthError(t, err, oauth.CodeInvalidRequest, http.StatusBadRequest, tc.reason)
				return
			}
			if err != nil {
				t.Fatalf("ParseForm: %v", err)
			}
			if !maps.Equal(got, tc.want) {
				t.Fatalf("ParseForm = %v, want %v", got, tc.want)
			}
		})
	}
}

// FuzzParseForm checks that ParseForm never panics and that every form it
// accepts has valid UTF-8, no empty value, each parameter from exactly one
// pair of the body, and survives encoding and parsing again unchanged.
func FuzzParseForm(f *testing.F) {
	for _, seed := range []string{
		"",                                      // empty body
		"grant_type=x&assertion=a.b.c",          // a plain request
		"scope=read+write&resource=https%3A%2F", // plus and percent decoding
		"grant_type=x&grant_type=x",             // repeated parameter
		"scope=&scope",                          // empty and valueless repeats
		"a=1;b=2",                               // semicolon separator
		"client_id=%FF",                         // invalid UTF-8
		"client_id=%zz",                         // bad percent encoding
		"%73cope=a&scope=b",                     // repeat hidden by encoding
		"=value",                                // empty key
		"&&&=&",                                 // separators only
		"k=%E6%97%A5",                           // multi-byte UTF-8
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, body string) {
		form, err := ParseForm(body)
		if err != nil {
			wantOAuthError(t, err, oauth.CodeInvalidRequest, http.StatusBadRequest, "")
			return
		}
		seen := map[string]int{}
		for _, pair := range strings.Split(body, "&") {
			if pair == "" {
				continue
			}
			k, _, _ := strings.Cut(pair, "=")
			key, err := url.QueryUnescape(k)
			if err != nil {
				t.Fatalf("accepted undecodable key %q", k)
			}
			seen[key]++
		}
		for k, v := range form {
			if v == "" {
				t.Fatalf("empty value kept for %q", k)
			}
			if !utf8.ValidString(k) || !utf8.ValidString(v) {
				t.Fatalf("invalid UTF-8 accepted: %q=%q", k, v)
			}
			if seen[k] != 1 {
				t.Fatalf("parameter %q came from %d pairs", k, seen[k])
			}
		}
		vals := url.Values{}
		for k, v := range form {
			vals.Set(k, v)
		}
		again, err := ParseForm(vals.Encode())
		if err != nil || !maps.Equal(again, form) {
			t.Fatalf("round trip of %v: %v, %v", form, again, err)
		}
	})
}

// readForm accepts a charset parameter on the media type and caps a body
// whose length is not declared (chunked) as well as a declared one.
func TestTEP01_ReadFormBody(t *testing.T) {
	cases := []struct {
		name, ctype string
		body        io.Reader
		status      int
	}{
		{"charset parameter", "application/x-www-form-urlencoded; charset=UTF-8", strings.NewReader("grant_type=x"), 0},
		{"media type case-insensitive", "Application/X-WWW-Form-Urlencoded", strings.NewReader("grant_type=x"), 0},
		{"missing content type", "", strings.NewReader("grant_type=x"), http.StatusBadRequest},
		{"multipart", "multipart/form-data; boundary=x", strings.NewReader("--x--"), http.StatusBadRequest},
		{"undeclared length over the cap", "application/x-www-form-urlencoded",
			io.MultiReader(strings.NewReader("grant_type="), strings.NewReader(strings.Repeat("a", MaxFormBytes))), http.StatusRequestEntityTooLarge},
		{"exactly the cap", "application/x-www-form-urlencoded",
			strings.NewReader("g=" + strings.Repeat("a", MaxFormBytes-2)), 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodPost, "/oauth/token?grant_type=from-query", tc.body)
			r.ContentLength = -1
			if tc.ctype != "" {
				r.Header.Set("Content-Type", tc.ctype)
			}
			f, err := readForm(httptest.NewRecorder(), r)
			if tc.status != 0 {
				wantOAuthError(t, err, oauth.CodeInvalidRequest, tc.status, "")
				return
			}
			if err != nil {
				t.Fatalf("readForm: %v", err)
			}
			if f.Get("grant_type") == "from-query" {
				t.Fatal("a parameter was read from the query string")
			}
		})
	}
}

func TestRFC6749_3_3_IsScopeToken(t *testing.T) {
	cases := []struct {
		tok  string
		want bool
	}{
		{"read", true},
		{"mcp:tools/read", true},
		{"https://mcp.example/scope?x=1#y", true},
		{"!#$%&'()*+,-./0-9:;<=>?@A-Z[]^_`a-z{|}~", true},
		{"", false},
		{"a b", false},
		{"tab\tx", false},
		{`quote"x`, false},
		{`back\slash`, false},
		{"del\x7f", false},
		{"nul\x00", false},
		{"é", false},
	}
	for _, tc := range cases {
		if got := IsScopeToken(tc.tok); got != tc.want {
			t.Errorf("IsScopeToken(%q) = %v, want %v", tc.tok, got, tc.want)
		}
	}
}

func TestRFC6749_3_3_ParseScope(t *testing.T) {
	cases := []struct {
		name, in string
		want     []string
		bad      bool
	}{
		{name: "empty means nothing requested", in: "", want: nil},
		{name: "one", in: "read", want: []string{"read"}},
		{name: "sorted and de-duplicated", in: "write read write", want: []string{"read", "write"}},
		{name: "extra spaces tolerated", in: " read  write ", want: []string{"read", "write"}},
		{name: "only spaces", in: "   ", bad: true},
		{name: "tab separator", in: "read\twrite", bad: true},
		{name: "quote", in: `read "write"`, bad: true},
		{name: "non-ASCII", in: "lecture écriture", bad: true},
		{name: "case-sensitive", in: "Read read", want: []string{"Read", "read"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseScope(tc.in)
			if tc.bad {
				wantOAuthError(t, err, oauth.CodeInvalidScope, http.StatusBadRequest, "malformed_scope")
				return
			}
			if err != nil {
				t.Fatalf("ParseScope: %v", err)
			}
			if strings.Join(got, "|") != strings.Join(tc.want, "|") || (got == nil) != (tc.want == nil) {
				t.Fatalf("ParseScope(%q) = %#v, want %#v", tc.in, got, tc.want)
			}
		})
	}
}
