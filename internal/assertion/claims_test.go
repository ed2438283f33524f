package assertion

import (
	"strings"
	"testing"
	"time"
)

func TestRAS_B2_Step15_Audience(t *testing.T) {
	aud := func(v any) jag { return jag{claims: map[string]any{"aud": v}} }
	runCases(t, []tc{
		{name: "string equal to our issuer", jag: aud(testAS)},
		{name: "array of exactly our issuer", jag: aud([]string{testAS})},
		{name: "array of two including ours (RAS-09)", jag: aud([]string{testAS, "https://other-as.example"}),
			want: ErrBadAudience, reason: "bad_audience"},
		{name: "array of ours twice (RAS-09)", jag: aud([]string{testAS, testAS}), want: ErrBadAudience, reason: "bad_audience"},
		{name: "empty array", jag: aud([]string{}), want: ErrBadAudience, reason: "bad_audience"},
		{name: "missing (JWT-07)", jag: aud(omit{}), want: ErrBadAudience, reason: "bad_audience"},
		{name: "null", jag: aud(nil), want: ErrBadAudience, reason: "bad_audience"},
		{name: "another AS (RAS-26)", jag: aud("https://other-as.example"), want: ErrBadAudience, reason: "bad_audience"},
		{name: "our issuer plus trailing slash (B.9 item 4)", jag: aud(testAS + "/"), want: ErrBadAudience, reason: "bad_audience"},
		{name: "our issuer upper-cased", jag: aud(strings.ToUpper(testAS)), want: ErrBadAudience, reason: "bad_audience"},
		{name: "token endpoint URL (B.9 item 8)", jag: aud(testAS + "/oauth2/token"), want: ErrBadAudience, reason: "bad_audience"},
		{name: "number", jag: aud(1), want: ErrBadAudience, reason: "bad_audience"},
		{name: "array holding a number", jag: aud([]any{1}), want: ErrBadAudience, reason: "bad_audience"},
		{name: "array holding an array", jag: aud([]any{[]string{testAS}}), want: ErrBadAudience, reason: "bad_audience"},
		{name: "object", jag: aud(map[string]any{"aud": testAS}), want: ErrBadAudience, reason: "bad_audience"},
	})
}

// times returns a jag with iat and exp (and nbf when non-nil) at these offsets from the clock.
func times(iat, exp time.Duration, extra map[string]any) jag {
	now := testNow()
	c := map[string]any{"iat": now.Add(iat).Unix(), "exp": now.Add(exp).Unix()}
	for k, v := range extra {
		c[k] = v
	}
	return jag{claims: c}
}

func TestRAS_B2_Step16_Expiry(t *testing.T) {
	const s = time.Second
	runCases(t, []tc{
		{name: "exp in the future", jag: times(-10*s, 290*s, nil)},
		{name: "exp now is within skew", jag: times(-60*s, 0, nil)},
		{name: "exp = now - skew + 1s accepted", jag: times(-100*s, -59*s, nil)},
		{name: "exp = now - skew rejected", jag: times(-100*s, -60*s, nil), want: ErrExpired, reason: "expired"},
		{name: "exp long past", jag: times(-3600*s, -3300*s, nil), want: ErrExpired, reason: "expired"},
		{name: "exp missing", jag: jag{claims: map[string]any{"exp": omit{}}}, want: ErrBadClaims, reason: "bad_claims"},
		{name: "issuer skew of 10s: exp = now - 10s rejected", jag: rsOnly(-50*s, -10*s),
			want: ErrExpired, reason: "expired"},
		{name: "issuer skew of 10s: exp = now - 9s accepted", jag: rsOnly(-50*s, -9*s)},
	})
}

// rsOnly returns an RS256 ID-JAG from the RS256-only issuer (1 min lifetime, 10 s skew).
func rsOnly(iat, exp time.Duration) jag {
	j := times(iat, exp, map[string]any{"iss": testRSOnly})
	j.header = map[string]any{"alg": "RS256"}
	return j
}

func TestRAS_B2_Step17_IssuedAtLifetimeNotBefore(t *testing.T) {
	const s = time.Second
	now := testNow()
	runCases(t, []tc{
		{name: "iat = now + skew accepted", jag: times(60*s, 300*s, nil)},
		{name: "iat = now + skew + 1s", jag: times(61*s, 300*s, nil), want: ErrIssuedInFuture, reason: "issued_in_future"},
		{name: "iat missing", jag: jag{claims: map[string]any{"iat": omit{}}}, want: ErrBadClaims, reason: "bad_claims"},
		// With exp - iat ≤ lifetime, exp ≥ now - skew implies now - iat ≤ lifetime + skew, so the
		// too_old edge shows only in which check fails first.
		{name: "now - iat = lifetime + skew is not too old", jag: times(-360*s, 10*s, nil),
			want: ErrLifetimeTooLong, reason: "lifetime_too_long"},
		{name: "now - iat = lifetime + skew + 1s", jag: times(-361*s, 10*s, nil), want: ErrTooOld, reason: "too_old"},
		{name: "exp - iat = 300s accepted", jag: times(-1*s, 299*s, nil)},
		{name: "exp - iat = 301s (RAS-25)", jag: times(-1*s, 300*s, nil), want: ErrLifetimeTooLong, reason: "lifetime_too_long"},
		{name: "day-long ID-JAG (RAS-25)", jag: times(-1*s, 86399*s, nil), want: ErrLifetimeTooLong, reason: "lifetime_too_long"},
		{name: "issuer lifetime of 60s: exp - iat = 60s accepted", jag: rsOnly(-1*s, 59*s)},
		{name: "issuer lifetime of 60s: exp - iat = 61s", jag: rsOnly(-1*s, 60*s), want: ErrLifetimeTooLong, reason: "lifetime_too_long"},
		{name: "issuer lifetime of 60s: now - iat = 71s", jag: rsOnly(-71*s, 10*s), want: ErrTooOld, reason: "too_old"},
		{name: "issuer lifetime above 5 min is capped", jag: times(-1*s, 300*s, nil),
			mod: func(v *Validator, _ *fakeKeys, _ string) {
				idp := v.Issuers.(fakeIssuers)[testIdP]
				idp.MaxLifetime = time.Hour
				v.Issuers.(fakeIssuers)[testIdP] = idp
			}, want: ErrLifetimeTooLong, reason: "lifetime_too_long"},
		{name: "nbf = now + skew accepted", jag: times(-10*s, 290*s, map[string]any{"nbf": now.Add(60 * s).Unix()})},
		{name: "nbf = now + skew + 1s", jag: times(-10*s, 290*s, map[string]any{"nbf": now.Add(61 * s).Unix()}),
			want: ErrNotYetValid, reason: "not_yet_valid"},
		{name: "nbf in the past accepted", jag: times(-10*s, 290*s, map[string]any{"nbf": now.Add(-10 * s).Unix()}),
			then: func(t *testing.T, a *Assertion) {
				if a.NotBefore == nil || !a.NotBefore.Equal(now.Add(-10*s)) {
					t.Fatalf("NotBefore = %v", a.NotBefore)
				}
			}},
	})
}

func TestRAS_B2_Step18_JTI(t *testing.T) {
	jti := func(v any) jag { return jag{claims: map[string]any{"jti": v}} }
	runCases(t, []tc{
		{name: "256 bytes accepted", jag: jti(strings.Repeat("j", 256))},
		{name: "257 bytes", jag: jti(strings.Repeat("j", 257)), want: ErrBadJTI, reason: "bad_jti"},
		{name: "empty", jag: jti(""), want: ErrBadJTI, reason: "bad_jti"},
		{name: "missing", jag: jti(omit{}), want: ErrBadJTI, reason: "bad_jti"},
	})
}

func TestRAS_B2_Step19_SubjectAndClientIDClaim(t *testing.T) {
	claim := func(name string, v any) jag { return jag{claims: map[string]any{name: v}} }
	runCases(t, []tc{
		{name: "sub missing", jag: claim("sub", omit{}), want: ErrBadSubject, reason: "bad_sub"},
		{name: "sub empty", jag: claim("sub", ""), want: ErrBadSubject, reason: "bad_sub"},
		{name: "client_id missing", jag: claim("client_id", omit{}), want: ErrBadClientID, reason: "bad_client_id"},
		{name: "client_id empty", jag: claim("client_id", ""), want: ErrBadClientID, reason: "bad_client_id"},
	})
}

func TestRAS_B2_Step20_ClientBinding(t *testing.T) {
	cid := func(v string) jag { return jag{claims: map[string]any{"client_id": v}} }
	localIs := func(want string) func(*testing.T, *Assertion) {
		return func(t *testing.T, a *Assertion) {
			if a.LocalClientID != want {
				t.Fatalf("LocalClientID = %q, want %q", a.LocalClientID, want)
			}
		}
	}
	runCases(t, []tc{
		{name: "same client id at IdP and here", jag: cid(testClient), then: localIs(testClient)},
		{name: "IdP client id mapped to ours", jag: cid("idp-client-7"), then: func(t *testing.T, a *Assertion) {
			localIs(testClient)(t, a)
			if a.ClientID != "idp-client-7" {
				t.Fatalf("ClientID = %q, want the raw claim", a.ClientID)
			}
		}},
		{name: "another client (RAS-27)", jag: cid("client-other"), want: ErrClientMismatch, reason: "client_mismatch"},
		{name: "IdP client id presented by the IdP-side id", jag: cid("idp-client-7"), client: "idp-client-7",
			want: ErrClientMismatch, reason: "client_mismatch"},
		{name: "mapped away from the raw value", jag: cid("shadow"), client: "shadow",
			want: ErrClientMismatch, reason: "client_mismatch"},
		{name: "case differs", jag: cid(strings.ToUpper(testClient)), want: ErrClientMismatch, reason: "client_mismatch"},
		{name: "CIMD URL client id", jag: cid("https://app.example.com/client.json"), client: "https://app.example.com/client.json"},
		{name: "CIMD URL plus trailing slash", jag: cid("https://app.example.com/client.json/"),
			client: "https://app.example.com/client.json", want: ErrClientMismatch, reason: "client_mismatch"},
	})
}
