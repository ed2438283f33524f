package mcpauth

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
)

// FuzzCalledTools: the JSON-RPC body reader never panics, and when it
// accepts a single message its tool name is the one encoding/json finds.
func FuzzCalledTools(f *testing.F) {
	seeds := []string{
		call("push"),                                             // a plain tools/call
		"[" + call("a") + "," + call("b") + "]",                  // a batch
		`{"jsonrpc":"2.0","id":1,"method":"tools/list"}`,         // another method
		`{"method":"tools/call","method":"x","params":{}}`,       // duplicate member
		`{"method":"tools\/call","params":{"name":"\u0070ush"}}`, // escapes
		`{"method":"tools/call","params":{"name":17}}`,           // non-string name
		`[]`, `{}`, `null`, `"tools/call"`, "", // degenerate bodies
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		names, err := calledTools(body)
		if err != nil || len(names) != 1 || len(body) == 0 || body[0] != '{' {
			return
		}
		// Exact member names, as the SDK's decoder matches them.
		var m map[string]json.RawMessage
		var params map[string]json.RawMessage
		var name string
		if json.Unmarshal(body, &m) != nil || json.Unmarshal(m["params"], &params) != nil ||
			json.Unmarshal(params["name"], &name) != nil {
			t.Fatalf("calledTools accepted %q, which encoding/json cannot read", body)
		}
		if name != names[0] {
			t.Fatalf("calledTools = %q, encoding/json = %q", names[0], name)
		}
	})
}

// FuzzBearerToken: any Authorization header yields either a refusal or a
// token that is a well-formed b64token.
func FuzzBearerToken(f *testing.F) {
	for _, s := range []string{"Bearer abc.def.ghi", "bearer  x==", "DPoP x", "Bearer", "Bearer a b", "Basic YTpi"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, header string) {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.Header["Authorization"] = []string{header}
		raw, fail := bearerToken(r)
		if fail == nil && !isB64Token(raw) {
			t.Fatalf("accepted %q from %q", raw, header)
		}
	})
}
