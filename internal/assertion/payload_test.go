package assertion

import (
	"strings"
	"testing"
)

func TestRAS_B2_Step12_PayloadStructureAndTypes(t *testing.T) {
	claims := func(over map[string]any) jag { return jag{claims: over} }
	runCases(t, noLookup([]tc{
		{name: "payload not JSON", jag: jag{rawPayload: "hello"}, want: ErrBadClaims, reason: "bad_claims"},
		{name: "payload is a JSON array", jag: jag{rawPayload: `[{"iss":"` + testIdP + `"}]`}, want: ErrBadClaims, reason: "bad_claims"},
		{name: "payload is a JSON string", jag: jag{rawPayload: `"` + testIdP + `"`}, want: ErrBadClaims, reason: "bad_claims"},
		{name: "payload trailing object", jag: jag{rawPayload: rawClaims(t, nil, "") + "{}"}, want: ErrBadClaims, reason: "bad_claims"},
		{name: "payload trailing comma", jag: jag{rawPayload: rawClaims(t, nil, ",")}, want: ErrBadClaims, reason: "bad_claims"},
		{name: "payload with surrounding whitespace accepted", jag: jag{rawPayload: " \n" + rawClaims(t, nil, "") + "\t"}},
		{name: "nesting 20 deep accepted", jag: jag{rawPayload: rawClaims(t, nil, `,"deep":`+nested(20))}},
		{name: "nesting 40 deep", jag: jag{rawPayload: rawClaims(t, nil, `,"deep":`+nested(40))}, want: ErrBadClaims, reason: "bad_claims"},
		{name: "ISS upper-case name only", jag: claims(map[string]any{"iss": omit{}, "ISS": testIdP}), want: ErrBadClaims, reason: "bad_claims"},
		{name: "Iss beside iss is a different claim", jag: claims(map[string]any{"Iss": testOtherIdP}),
			then: func(t *testing.T, a *Assertion) {
				if a.Issuer != testIdP || a.Claims["Iss"] != testOtherIdP {
					t.Fatalf("exact-case names not kept apart: Issuer %q, Iss %v", a.Issuer, a.Claims["Iss"])
				}
			}},
		{name: "iss is a number", jag: claims(map[string]any{"iss": 1}), want: ErrBadClaims, reason: "bad_claims"},
		{name: "iss is null", jag: claims(map[string]any{"iss": nil}), want: ErrBadClaims, reason: "bad_claims"},
		{name: "iss is an array", jag: claims(map[string]any{"iss": []string{testIdP}}), want: ErrBadClaims, reason: "bad_claims"},
		{name: "sub is a number", jag: claims(map[string]any{"sub": 123}), want: ErrBadClaims, reason: "bad_claims"},
		{name: "jti is a number", jag: claims(map[string]any{"jti": 7}), want: ErrBadClaims, reason: "bad_claims"},
		{name: "client_id is an array", jag: claims(map[string]any{"client_id": []string{testClient}}), want: ErrBadClaims, reason: "bad_claims"},
		{name: "client_id is an object", jag: claims(map[string]any{"client_id": map[string]any{"id": testClient}}),
			want: ErrBadClaims, reason: "bad_claims"},
	}))
}

// nested returns n nested JSON arrays.
func nested(n int) string { return strings.Repeat("[", n) + strings.Repeat("]", n) }

func TestJWT11_DuplicateMembers(t *testing.T) {
	runCases(t, noLookup([]tc{
		{name: "duplicate iss, same value", jag: jag{rawPayload: rawClaims(t, nil, `,"iss":"`+testIdP+`"`)},
			want: ErrBadClaims, reason: "bad_claims"},
		{name: "duplicate iss, other value", jag: jag{rawPayload: rawClaims(t, nil, `,"iss":"https://evil.example"`)},
			want: ErrBadClaims, reason: "bad_claims"},
		{name: "duplicate aud", jag: jag{rawPayload: rawClaims(t, nil, `,"aud":"https://other-as.example"`)},
			want: ErrBadClaims, reason: "bad_claims"},
		{name: "duplicate sub", jag: jag{rawPayload: rawClaims(t, nil, `,"sub":"admin"`)}, want: ErrBadClaims, reason: "bad_claims"},
		{name: "duplicate exp", jag: jag{rawPayload: rawClaims(t, nil, `,"exp":9999999999`)}, want: ErrBadClaims, reason: "bad_claims"},
		{name: "duplicate client_id", jag: jag{rawPayload: rawClaims(t, nil, `,"client_id":"other"`)}, want: ErrBadClaims, reason: "bad_claims"},
		{name: "duplicate inside cnf", jag: jag{rawPayload: rawClaims(t, nil, `,"cnf":{"jkt":"a","jkt":"b"}`)},
			want: ErrBadClaims, reason: "bad_claims"},
		{name: "duplicate inside an array of objects", jag: jag{rawPayload: rawClaims(t, nil, `,"authorization_details":[{"type":"a","type":"b"}]`)},
			want: ErrBadClaims, reason: "bad_claims"},
		{name: "duplicate header member", jag: jag{rawHeader: rawHeader(`,"typ":"oauth-id-jag+jwt"`)}, want: ErrMalformed, reason: "malformed"},
		{name: "same name in sibling objects accepted", jag: jag{rawPayload: rawClaims(t, nil, `,"a":{"x":1},"b":{"x":2}`)}},
	}))
}

func TestJWT05_UTF8Only(t *testing.T) {
	runCases(t, noLookup([]tc{
		{name: "invalid UTF-8 in a claim value", jag: jag{rawPayload: rawClaims(t, nil, ",\"name\":\"\xff\"")},
			want: ErrBadClaims, reason: "bad_claims"},
		{name: "invalid UTF-8 in a claim name", jag: jag{rawPayload: rawClaims(t, nil, ",\"\xc3\x28\":1")},
			want: ErrBadClaims, reason: "bad_claims"},
		{name: "overlong encoding", jag: jag{rawPayload: rawClaims(t, nil, ",\"name\":\"\xc0\xaf\"")},
			want: ErrBadClaims, reason: "bad_claims"},
		{name: "lone high surrogate escape", jag: jag{rawPayload: rawClaims(t, nil, `,"name":"\ud800"`)},
			want: ErrBadClaims, reason: "bad_claims"},
		{name: "lone low surrogate escape", jag: jag{rawPayload: rawClaims(t, nil, `,"name":"\udc00x"`)},
			want: ErrBadClaims, reason: "bad_claims"},
		{name: "high surrogate followed by a non-surrogate", jag: jag{rawPayload: rawClaims(t, nil, `,"name":"\ud83d\u0041"`)},
			want: ErrBadClaims, reason: "bad_claims"},
		{name: "surrogate pair accepted", jag: jag{rawPayload: rawClaims(t, nil, `,"name":"\ud83d\ude00"`)},
			then: func(t *testing.T, a *Assertion) {
				if a.Claims["name"] != "\U0001F600" {
					t.Fatalf("name = %q", a.Claims["name"])
				}
			}},
		{name: "escaped backslash before u is not an escape", jag: jag{rawPayload: rawClaims(t, nil, `,"name":"\\ud800"`)}},
		{name: "raw multi-byte UTF-8 accepted", jag: jag{rawPayload: rawClaims(t, nil, `,"name":"Zoë 日本"`)}},
		{name: "invalid UTF-8 in the header", jag: jag{rawHeader: rawHeader(",\"x\":\"\xff\"")}, want: ErrMalformed, reason: "malformed"},
	}))
}

func TestJWT12_NumericDates(t *testing.T) {
	now := testNow().Unix()
	at := func(name string, v any) jag { return jag{claims: map[string]any{name: v}} }
	raw := func(name, lit string) jag {
		return jag{rawPayload: rawClaims(t, map[string]any{name: omit{}}, `,"`+name+`":`+lit)}
	}
	runCases(t, noLookup([]tc{
		{name: "exp as a string", jag: at("exp", "1800000290"), want: ErrBadClaims, reason: "bad_claims"},
		{name: "iat as a boolean", jag: at("iat", true), want: ErrBadClaims, reason: "bad_claims"},
		{name: "nbf as an RFC 3339 string", jag: at("nbf", "2027-01-15T08:00:00Z"), want: ErrBadClaims, reason: "bad_claims"},
		{name: "auth_time as a string", jag: at("auth_time", "yesterday"), want: ErrBadClaims, reason: "bad_claims"},
		{name: "exp null", jag: at("exp", nil), want: ErrBadClaims, reason: "bad_claims"},
		{name: "exp as an array", jag: at("exp", []int64{now + 60}), want: ErrBadClaims, reason: "bad_claims"},
		{name: "exp overflows float64", jag: raw("exp", "1e400"), want: ErrBadClaims, reason: "bad_claims"},
		{name: "iat negative", jag: at("iat", -1), want: ErrBadClaims, reason: "bad_claims"},
		{name: "exp after year 9999", jag: at("exp", int64(253402300800)), want: ErrBadClaims, reason: "bad_claims"},
		{name: "exp in exponent notation accepted", jag: raw("exp", "1.80000029e9")},
		{name: "fractional exp accepted", jag: raw("exp", "1800000289.5"),
			then: func(t *testing.T, a *Assertion) {
				if a.ExpiresAt.UnixMilli() != 1800000289500 {
					t.Fatalf("ExpiresAt = %v", a.ExpiresAt)
				}
			}},
		{name: "auth_time number accepted", jag: at("auth_time", now-600),
			then: func(t *testing.T, a *Assertion) {
				if a.AuthTime == nil || a.AuthTime.Unix() != now-600 {
					t.Fatalf("AuthTime = %v", a.AuthTime)
				}
			}},
	}))
	// The largest NumericDate parses; the token then fails a later, post-signature check.
	runCases(t, []tc{{name: "exp at the end of year 9999 is a date", jag: at("exp", int64(253402300799)),
		want: ErrLifetimeTooLong, reason: "lifetime_too_long"}})
}

func TestJWT03_NestedTokensRejected(t *testing.T) {
	inner := jag{}.build(t)
	runCases(t, noLookup([]tc{
		{name: "signed JWT wrapping a JWT (cty JWT)", jag: jag{header: map[string]any{"cty": "JWT"}, rawPayload: inner},
			want: ErrBadClaims, reason: "bad_claims"},
		{name: "JWE (IDP-26 not configured)", jag: jag{tamper: func(s string) string {
			return part(s, 0) + ".ZW5jcnlwdGVkLWtleQ.aXYtaXYtaXYtaXY." + part(s, 1) + ".dGFnLXRhZy10YWc"
		}}, want: ErrMalformed, reason: "malformed"},
	}))
}
