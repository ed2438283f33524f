package assertion

import (
	"strings"
	"testing"
)

// flipUnusedBits sets an unused low bit in the last character of a base64url segment whose length
// is 2 mod 4 (an ES256 or RS256 signature): a lenient decoder yields the same bytes.
func flipUnusedBits(seg string) string {
	const alpha = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	i := strings.IndexByte(alpha, seg[len(seg)-1])
	return seg[:len(seg)-1] + string(alpha[i|1])
}

func TestRAS_B2_Step09_SizeAndCompactSerialization(t *testing.T) {
	replace := func(s string) func(string) string { return func(string) string { return s } }
	runCases(t, noLookup([]tc{
		{name: "valid ES256 ID-JAG"},
		{name: "exactly MaxSize accepted", mod: func(v *Validator, _ *fakeKeys, tok string) { v.MaxSize = len(tok) }},
		{name: "one byte over MaxSize", mod: func(v *Validator, _ *fakeKeys, tok string) { v.MaxSize = len(tok) - 1 },
			want: ErrTooLarge, reason: "too_large"},
		{name: "over the default 16 KiB cap", jag: jag{claims: map[string]any{"pad": strings.Repeat("a", 16<<10)}},
			want: ErrTooLarge, reason: "too_large"},
		{name: "empty", jag: jag{tamper: replace("")}, want: ErrMalformed, reason: "malformed"},
		{name: "one part", jag: jag{tamper: func(s string) string { return part(s, 0) }}, want: ErrMalformed, reason: "malformed"},
		{name: "two parts", jag: jag{tamper: func(s string) string { return part(s, 0) + "." + part(s, 1) }},
			want: ErrMalformed, reason: "malformed"},
		{name: "four parts", jag: jag{tamper: func(s string) string { return s + "." + part(s, 2) }},
			want: ErrMalformed, reason: "malformed"},
		{name: "trailing dot", jag: jag{tamper: func(s string) string { return s + "." }}, want: ErrMalformed, reason: "malformed"},
		{name: "five-part JWE (IDP-26 not configured)",
			jag:  jag{tamper: replace("eyJhbGciOiJSU0EtT0FFUC0yNTYiLCJlbmMiOiJBMjU2R0NNIn0.ZW5j.aXY.Y2lwaGVy.dGFn")},
			want: ErrMalformed, reason: "malformed"},
		{name: "JWS JSON serialization (JWT-11)", jag: jag{tamper: func(s string) string {
			return `{"payload":"` + part(s, 1) + `","protected":"` + part(s, 0) + `","signature":"` + part(s, 2) + `"}`
		}}, want: ErrMalformed, reason: "malformed"},
		{name: "padding on signature (JWT-11)", jag: jag{tamper: func(s string) string { return s + "==" }},
			want: ErrMalformed, reason: "malformed"},
		{name: "padding on header (JWT-11)", jag: jag{tamper: func(s string) string { return withPart(0, part(s, 0)+"=")(s) }},
			want: ErrMalformed, reason: "malformed"},
		{name: "newline inside payload (JWT-11)", jag: jag{tamper: func(s string) string {
			p := part(s, 1)
			return withPart(1, p[:10]+"\n"+p[10:])(s)
		}}, want: ErrMalformed, reason: "malformed"},
		{name: "CRLF inside signature", jag: jag{tamper: func(s string) string {
			p := part(s, 2)
			return withPart(2, p[:10]+"\r\n"+p[10:])(s)
		}}, want: ErrMalformed, reason: "malformed"},
		{name: "leading space", jag: jag{tamper: func(s string) string { return " " + s }}, want: ErrMalformed, reason: "malformed"},
		{name: "trailing newline", jag: jag{tamper: func(s string) string { return s + "\n" }}, want: ErrMalformed, reason: "malformed"},
		{name: "standard base64 alphabet", jag: jag{tamper: func(s string) string { return withPart(2, "++//"+part(s, 2)[4:])(s) }},
			want: ErrMalformed, reason: "malformed"},
		{name: "non-canonical base64 (unused bits set)", jag: jag{tamper: func(s string) string {
			return withPart(2, flipUnusedBits(part(s, 2)))(s)
		}}, want: ErrMalformed, reason: "malformed"},
		{name: "impossible base64 length", jag: jag{tamper: func(s string) string { return withPart(2, part(s, 2)+"AAA")(s) }},
			want: ErrMalformed, reason: "malformed"},
		{name: "empty header", jag: jag{tamper: withPart(0, "")}, want: ErrMalformed, reason: "malformed"},
		{name: "empty payload", jag: jag{tamper: withPart(1, "")}, want: ErrMalformed, reason: "malformed"},
	}))
}

func TestRAS_B2_Step10_Header(t *testing.T) {
	hs := func(key any, kid string) jag {
		return jag{header: map[string]any{"alg": "HS256", "kid": kid}, key: key}
	}
	runCases(t, noLookup([]tc{
		{name: "header not JSON", jag: jag{rawHeader: "ES256"}, want: ErrMalformed, reason: "malformed"},
		{name: "header is a JSON array", jag: jag{rawHeader: `["ES256"]`}, want: ErrMalformed, reason: "malformed"},
		{name: "header trailing data", jag: jag{rawHeader: rawHeader("") + "{}"}, want: ErrMalformed, reason: "malformed"},
		{name: "duplicate alg (JWT-11)", jag: jag{rawHeader: rawHeader(`,"alg":"ES256"`)}, want: ErrMalformed, reason: "malformed"},
		{name: "duplicate alg none then ES256 (JWT-11)", jag: jag{rawHeader: `{"alg":"none","alg":"ES256","kid":"ec-1","typ":"oauth-id-jag+jwt"}`},
			want: ErrMalformed, reason: "malformed"},
		{name: "duplicate typ (JWT-11)", jag: jag{rawHeader: rawHeader(`,"typ":"JWT"`)}, want: ErrMalformed, reason: "malformed"},
		{name: "duplicate kid (JWT-11)", jag: jag{rawHeader: rawHeader(`,"kid":"ec-b"`)}, want: ErrMalformed, reason: "malformed"},
		{name: "alg none (JWT-02)", jag: jag{header: map[string]any{"alg": "none"}}, want: ErrBadAlg, reason: "bad_alg"},
		{name: "alg NONE (JWT-02)", jag: jag{header: map[string]any{"alg": "NONE"}, signAlg: "none"}, want: ErrBadAlg, reason: "bad_alg"},
		{name: "alg HS256 with a shared secret (JWT-02)", jag: hs([]byte("0123456789abcdef0123456789abcdef"), "ec-1"),
			want: ErrBadAlg, reason: "bad_alg"},
		{name: "alg HS256 keyed with the RSA public key bytes (JWT-01)", jag: hs(rsaPublicPEM(t), "rsa-1"),
			want: ErrBadAlg, reason: "bad_alg"},
		{name: "alg RS512", jag: jag{header: map[string]any{"alg": "RS512", "kid": "rsa-1"}, signAlg: "RS256"},
			want: ErrBadAlg, reason: "bad_alg"},
		{name: "alg PS256", jag: jag{header: map[string]any{"alg": "PS256", "kid": "rsa-1"}, signAlg: "RS256"},
			want: ErrBadAlg, reason: "bad_alg"},
		{name: "alg ES384", jag: jag{header: map[string]any{"alg": "ES384", "kid": "ec-384"}, signAlg: "ES256", key: testKeys().ec384},
			want: ErrBadAlg, reason: "bad_alg"},
		{name: "alg EdDSA", jag: jag{header: map[string]any{"alg": "EdDSA"}, signAlg: "ES256"}, want: ErrBadAlg, reason: "bad_alg"},
		{name: "alg lower-case es256", jag: jag{header: map[string]any{"alg": "es256"}, signAlg: "ES256"}, want: ErrBadAlg, reason: "bad_alg"},
		{name: "alg missing", jag: jag{header: map[string]any{"alg": omit{}}, signAlg: "ES256"}, want: ErrBadAlg, reason: "bad_alg"},
		{name: "alg is a number", jag: jag{header: map[string]any{"alg": 256}, signAlg: "ES256"}, want: ErrBadAlg, reason: "bad_alg"},
		{name: "alg is an array", jag: jag{header: map[string]any{"alg": []string{"ES256"}}, signAlg: "ES256"}, want: ErrBadAlg, reason: "bad_alg"},
		{name: "ALG upper-case name only", jag: jag{rawHeader: `{"ALG":"ES256","kid":"ec-1","typ":"oauth-id-jag+jwt"}`, signAlg: "ES256"},
			want: ErrBadAlg, reason: "bad_alg"},
		{name: "crit naming exp (JWT-10)", jag: jag{header: map[string]any{"crit": []string{"exp"}, "exp": 1}},
			want: ErrForbiddenHeader, reason: "forbidden_header"},
		{name: "crit empty (JWT-10)", jag: jag{header: map[string]any{"crit": []string{}}}, want: ErrForbiddenHeader, reason: "forbidden_header"},
		{name: "crit naming a standard parameter (JWT-10)", jag: jag{header: map[string]any{"crit": []string{"alg"}}, signAlg: "ES256"},
			want: ErrForbiddenHeader, reason: "forbidden_header"},
		{name: "jku present (JWT-08)", jag: jag{header: map[string]any{"jku": "https://attacker.example/jwks"}},
			want: ErrForbiddenHeader, reason: "forbidden_header"},
		{name: "x5u present (JWT-08)", jag: jag{header: map[string]any{"x5u": "https://attacker.example/cert"}},
			want: ErrForbiddenHeader, reason: "forbidden_header"},
		{name: "embedded jwk (JWT-08)", jag: jag{header: map[string]any{"jwk": map[string]any{"kty": "EC"}}, signAlg: "ES256"},
			want: ErrForbiddenHeader, reason: "forbidden_header"},
		{name: "embedded x5c (JWT-08)", jag: jag{header: map[string]any{"x5c": []string{"MIIB"}}, signAlg: "ES256"},
			want: ErrForbiddenHeader, reason: "forbidden_header"},
		{name: "b64 false (RFC 7797)", jag: jag{header: map[string]any{"b64": false}, signAlg: "ES256"},
			want: ErrForbiddenHeader, reason: "forbidden_header"},
		{name: "b64 true", jag: jag{header: map[string]any{"b64": true}, signAlg: "ES256"},
			want: ErrForbiddenHeader, reason: "forbidden_header"},
		{name: "kid missing", jag: jag{header: map[string]any{"kid": omit{}}}, want: ErrBadKeyID, reason: "bad_kid"},
		{name: "kid empty", jag: jag{header: map[string]any{"kid": ""}}, want: ErrBadKeyID, reason: "bad_kid"},
		{name: "kid is a number", jag: jag{header: map[string]any{"kid": 1}}, want: ErrBadKeyID, reason: "bad_kid"},
		{name: "kid longer than 256 bytes", jag: jag{header: map[string]any{"kid": strings.Repeat("k", 257)}},
			want: ErrBadKeyID, reason: "bad_kid"},
		{name: "Kid mixed-case name only", jag: jag{rawHeader: `{"alg":"ES256","Kid":"ec-1","typ":"oauth-id-jag+jwt"}`},
			want: ErrBadKeyID, reason: "bad_kid"},
		{name: "unrelated extra header accepted", jag: jag{header: map[string]any{"x-vendor": "v"}}},
	}))
}

func TestRAS_B2_Step11_Typ(t *testing.T) {
	typ := func(v any) jag { return jag{header: map[string]any{"typ": v}} }
	runCases(t, noLookup([]tc{
		{name: "oauth-id-jag+jwt", jag: typ("oauth-id-jag+jwt")},
		{name: "upper-case", jag: typ("OAUTH-ID-JAG+JWT")},
		{name: "application/ prefix", jag: typ("application/oauth-id-jag+jwt")},
		{name: "mixed-case application/ prefix", jag: typ("Application/OAuth-ID-JAG+JWT")},
		{name: "missing (an ID token) (JWT-09)", jag: typ(omit{}), want: ErrBadType, reason: "bad_typ"},
		{name: "JWT (JWT-09)", jag: typ("JWT"), want: ErrBadType, reason: "bad_typ"},
		{name: "at+jwt access token (JWT-09)", jag: typ("at+jwt"), want: ErrBadType, reason: "bad_typ"},
		{name: "dpop+jwt proof (JWT-09)", jag: typ("dpop+jwt"), want: ErrBadType, reason: "bad_typ"},
		{name: "client-authentication+jwt (JWT-09)", jag: typ("client-authentication+jwt"), want: ErrBadType, reason: "bad_typ"},
		{name: "application/jwt", jag: typ("application/jwt"), want: ErrBadType, reason: "bad_typ"},
		{name: "other top-level type", jag: typ("text/oauth-id-jag+jwt"), want: ErrBadType, reason: "bad_typ"},
		{name: "doubled prefix", jag: typ("application/application/oauth-id-jag+jwt"), want: ErrBadType, reason: "bad_typ"},
		{name: "media-type parameter", jag: typ("oauth-id-jag+jwt; charset=utf-8"), want: ErrBadType, reason: "bad_typ"},
		{name: "surrounding space", jag: typ(" oauth-id-jag+jwt"), want: ErrBadType, reason: "bad_typ"},
		{name: "without +jwt suffix", jag: typ("oauth-id-jag"), want: ErrBadType, reason: "bad_typ"},
		{name: "number", jag: typ(1), want: ErrBadType, reason: "bad_typ"},
		{name: "Typ mixed-case name only", jag: jag{rawHeader: `{"alg":"ES256","kid":"ec-1","Typ":"oauth-id-jag+jwt"}`},
			want: ErrBadType, reason: "bad_typ"},
	}))
}
