package jsonx

import "testing"

// benchHeader and benchPayload are the JOSE header and claims of a realistic ID-JAG, the two
// objects every jwt-bearer token request decodes.
const (
	benchHeader  = `{"alg":"ES256","typ":"oauth-id-jag+jwt","kid":"idp-signing-key-2026-01"}`
	benchPayload = `{"iss":"https://acme.okta.com/oauth2/default","sub":"00u1a2b3c4d5e6f7g8h9",` +
		`"aud":"https://auth.authplane.example.com","client_id":"0oa9z8y7x6w5v4u3t2s1",` +
		`"jti":"9f1c2e7a-4b3d-4e8f-a1b2-c3d4e5f6a7b8","iat":1767225600,"nbf":1767225600,"exp":1767225900,` +
		`"resource":"https://mcp.example.com/mcp","scope":"repo:read repo:write issues:read chat.read",` +
		`"email":"alice.example@acme.example.com",` +
		`"groups":["engineering","platform-team","oncall-primary","github-admins","employees"],` +
		`"cnf":{"jkt":"0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I"},"auth_time":1767225590,` +
		`"amr":["pwd","mfa","hwk"]}`
)

func BenchmarkDecodeStrictObject(b *testing.B) {
	benchDecode(b, DecodeStrictObject)
}

// BenchmarkDecodeStrictObjectReference measures the original encoding/json Token-based decoder on
// the same inputs, for comparison.
func BenchmarkDecodeStrictObjectReference(b *testing.B) {
	benchDecode(b, decodeStrictObjectReference)
}

func benchDecode(b *testing.B, decode func([]byte) (map[string]any, error)) {
	for _, c := range []struct{ name, in string }{
		{"header", benchHeader},
		{"payload", benchPayload},
	} {
		b.Run(c.name, func(b *testing.B) {
			data := []byte(c.in)
			if _, err := decode(data); err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := decode(data); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
