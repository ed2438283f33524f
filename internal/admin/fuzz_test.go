package admin

import (
	"net/http/httptest"
	"strings"
	"testing"
)

// FuzzAdminBodies sends arbitrary bodies to every endpoint that decodes
// one. Invariants: no panic, never a 5xx (bad input is always 4xx), and
// every error is a problem document.
func FuzzAdminBodies(f *testing.F) {
	seeds := []string{
		`{"id":"c1","grant_types":null}`, // minimal client
		`{"id":"r1","uri":"https://r.example.com","scopes":["a"],"access_token_ttl":"5m"}`, // resource
		`{"id":"i1","issuer":"https://i.example.com","clock_skew":"90s"}`,                  // IdP
		`{"id":"p1","effect":"deny","scopes":null,"require":{"max_auth_age":"1h"}}`,        // policy
		`{"idp_id":"i1","external_subject":"u","local_subject":"l"}`,                       // mapping
		`{"kind":"client","value":"c1"}`,                                                   // revocation
		`{"jwks":{"keys":[{"kty":"EC","crv":"P-256","x":"","y":""}]},"token_endpoint_auth_method":"private_key_jwt"}`,
		`{"access_token_ttl":1e400}`,     // number out of range for a string field
		`{"id":"\u0000"}`,                // control character in an id
		`{"client_id_map":{"":"x"}}`,     // empty map key
		`[1,2,3]`, `null`, `"x"`, `{}{}`, // wrong shapes and trailing data
	}
	for _, s := range seeds {
		f.Add(s)
	}
	e := newEnv(f)
	h := NewHandler(e.svc, Authenticator{Hasher: e.hasher, TokenHash: e.hasher.Hash(testToken)})
	paths := []string{"/admin/v1/clients", "/admin/v1/resources", "/admin/v1/idps", "/admin/v1/policies",
		"/admin/v1/subject-mappings", "/admin/v1/revocations"}
	f.Fuzz(func(t *testing.T, body string) {
		for _, p := range paths {
			for _, method := range []string{"POST", "PUT"} {
				target := p
				if method == "PUT" {
					target = p + "/x"
					if strings.HasSuffix(p, "mappings") {
						target = p + "/i1/u"
					}
				}
				req := httptest.NewRequest(method, target, strings.NewReader(body))
				req.Header.Set("Authorization", "Bearer "+testToken)
				req.Header.Set("Content-Type", "application/json")
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				if rec.Code >= 500 {
					t.Fatalf("%s %s %q: status %d: %s", method, target, body, rec.Code, rec.Body)
				}
				if rec.Code >= 400 && rec.Header().Get("Content-Type") != "application/problem+json" {
					t.Fatalf("%s %s: error %d without a problem document", method, target, rec.Code)
				}
			}
		}
	})
}
