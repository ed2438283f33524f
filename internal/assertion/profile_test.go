package assertion

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"
)

func TestIDP23_ProfileClaims(t *testing.T) {
	claims := func(over map[string]any) jag { return jag{claims: over} }
	bad := func(name string, over map[string]any) tc {
		return tc{name: name, jag: claims(over), want: ErrBadClaims, reason: "bad_claims"}
	}
	runCases(t, []tc{
		{name: "defaults", then: func(t *testing.T, a *Assertion) {
			if !slices.Equal(a.Resources, []string{"https://mcp.example.com/mcp"}) ||
				!slices.Equal(a.Scopes, []string{"files.read", "files.write"}) {
				t.Fatalf("Resources %q Scopes %q", a.Resources, a.Scopes)
			}
			if a.Issuer != testIdP || a.Subject != "user-123" || a.JTI != "jti-0001" || a.IdP.ID != "idp-a" {
				t.Fatalf("identity: %+v", a)
			}
			if a.Tenant != "" || a.AuthTime != nil || a.EmailVerified != nil || a.Groups != nil || a.Cnf != nil || a.AMR != nil {
				t.Fatalf("absent claims not zero: %+v", a)
			}
		}},
		{name: "every optional claim", jag: claims(map[string]any{
			"resource": []string{"https://a.example/mcp", "https://b.example/mcp"}, "tenant": "acme",
			"acr": "phr", "amr": []string{"pwd", "otp"}, "email": "u@acme.example", "email_verified": true,
			"groups": []string{"eng", "admins"}, "cnf": map[string]any{"jkt": "0ZcOCORZNYy"}, "department": "R&D",
		}), then: func(t *testing.T, a *Assertion) {
			if len(a.Resources) != 2 || a.Tenant != "acme" || a.ACR != "phr" || !slices.Equal(a.AMR, []string{"pwd", "otp"}) ||
				a.Email != "u@acme.example" || a.EmailVerified == nil || !*a.EmailVerified ||
				!slices.Equal(a.Groups, []string{"eng", "admins"}) || a.Cnf["jkt"] != "0ZcOCORZNYy" {
				t.Fatalf("profile: %+v", a)
			}
			if a.Claims["department"] != "R&D" {
				t.Fatalf("Claims lacks a custom claim: %v", a.Claims)
			}
			if n, ok := a.Claims["exp"].(json.Number); !ok || n.String() != "1800000290" {
				t.Fatalf("Claims[exp] = %#v, want json.Number", a.Claims["exp"])
			}
		}},
		{name: "groups as one string", jag: claims(map[string]any{"groups": "admins"}), then: func(t *testing.T, a *Assertion) {
			if !slices.Equal(a.Groups, []string{"admins"}) {
				t.Fatalf("Groups = %q", a.Groups)
			}
		}},
		{name: "groups empty array", jag: claims(map[string]any{"groups": []string{}}), then: func(t *testing.T, a *Assertion) {
			if a.Groups == nil || len(a.Groups) != 0 {
				t.Fatalf("Groups = %#v", a.Groups)
			}
		}},
		{name: "scope absent", jag: claims(map[string]any{"scope": omit{}}), then: func(t *testing.T, a *Assertion) {
			if a.Scopes != nil {
				t.Fatalf("Scopes = %#v, want nil", a.Scopes)
			}
		}},
		{name: "groups claim ignored for an issuer without GroupsClaim", jag: jag{header: map[string]any{"kid": "ec-b"},
			key: testKeys().ecOther, claims: map[string]any{"iss": testOtherIdP, "groups": 7}}},
		bad("groups as a number", map[string]any{"groups": 7}),
		bad("groups array holding a number", map[string]any{"groups": []any{"eng", 7}}),
		bad("resource as a number", map[string]any{"resource": 1}),
		bad("resource empty array", map[string]any{"resource": []string{}}),
		bad("resource empty string", map[string]any{"resource": ""}),
		bad("resource array holding an empty string", map[string]any{"resource": []string{"https://a.example/mcp", ""}}),
		bad("resource array holding an object", map[string]any{"resource": []any{map[string]any{}}}),
		bad("scope as an array", map[string]any{"scope": []string{"files.read"}}),
		bad("scope empty", map[string]any{"scope": ""}),
		bad("scope with a double space", map[string]any{"scope": "files.read  files.write"}),
		bad("scope with a leading space", map[string]any{"scope": " files.read"}),
		bad("scope with a tab", map[string]any{"scope": "files.read\tfiles.write"}),
		bad("scope with a double quote", map[string]any{"scope": `files."read"`}),
		bad("scope with a backslash", map[string]any{"scope": `files\read`}),
		bad("scope with non-ASCII", map[string]any{"scope": "fichiers.lirë"}),
		bad("tenant as a number", map[string]any{"tenant": 42}),
		bad("acr as an array", map[string]any{"acr": []string{"phr"}}),
		bad("amr as a string", map[string]any{"amr": "pwd"}),
		bad("amr holding a number", map[string]any{"amr": []any{"pwd", 1}}),
		bad("email as a boolean", map[string]any{"email": true}),
		bad("email_verified as a string", map[string]any{"email_verified": "true"}),
		bad("cnf as a string", map[string]any{"cnf": "jkt"}),
		bad("cnf as an array", map[string]any{"cnf": []string{"jkt"}}),
	})
}

func TestValidate_UnverifiedClaimsOnFailure(t *testing.T) {
	identity := func(iss, sub, jti, client string) func(*testing.T, *Assertion) {
		return func(t *testing.T, a *Assertion) {
			if a.Issuer != iss || a.Subject != sub || a.JTI != jti || a.ClientID != client {
				t.Fatalf("unverified identity = %q %q %q %q, want %q %q %q %q",
					a.Issuer, a.Subject, a.JTI, a.ClientID, iss, sub, jti, client)
			}
			if a.LocalClientID != "" || a.Resources != nil || a.Scopes != nil {
				t.Fatalf("failed assertion carries verified-only fields: %+v", a)
			}
		}
	}
	full := identity(testIdP, "user-123", "jti-0001", testClient)
	runCases(t, []tc{
		{name: "expired", jag: times(-600*time.Second, -300*time.Second, nil), want: ErrExpired, reason: "expired",
			then: func(t *testing.T, a *Assertion) {
				full(t, a)
				if a.Alg != "ES256" || a.KeyID != "ec-1" || a.IdP.ID != "idp-a" || a.ExpiresAt.IsZero() {
					t.Fatalf("header/IdP/time not carried: %+v", a)
				}
			}},
		{name: "bad signature", jag: jag{key: testKeys().ecOther}, want: ErrBadSignature, reason: "bad_signature", then: full},
		{name: "header failure still reads the payload for audit", jag: jag{header: map[string]any{"typ": "JWT"}}, want: ErrBadType, reason: "bad_typ", then: full},
		{name: "client mismatch", client: "client-other", want: ErrClientMismatch, reason: "client_mismatch", then: full},
		{name: "unknown issuer", jag: jag{claims: map[string]any{"iss": "https://unknown.example"}},
			want: ErrUnknownIssuer, reason: "unknown_issuer", then: func(t *testing.T, a *Assertion) {
				identity("https://unknown.example", "user-123", "jti-0001", testClient)(t, a)
				if a.IdP.ID != "" {
					t.Fatalf("IdP set for an unknown issuer: %+v", a.IdP)
				}
			}},
		{name: "sub of the wrong type keeps the others", jag: jag{claims: map[string]any{"sub": 9}},
			want: ErrBadClaims, reason: "bad_claims", then: identity(testIdP, "", "jti-0001", testClient)},
		{name: "duplicate claim (lenient recovery for audit)", jag: jag{rawPayload: rawClaims(t, nil, `,"jti":"jti-dup"`)},
			want: ErrBadClaims, reason: "bad_claims", then: identity(testIdP, "user-123", "jti-dup", testClient)},
		{name: "malformed", jag: jag{tamper: withPart(1, "")}, want: ErrMalformed, reason: "malformed",
			then: identity("", "", "", "")},
	})
}

func TestValidate_Misconfigured(t *testing.T) {
	for _, c := range []struct {
		name string
		mod  func(*Validator)
	}{
		{"no own issuer", func(v *Validator) { v.Issuer = "" }},
		{"no issuer lookup", func(v *Validator) { v.Issuers = nil }},
		{"no key resolver", func(v *Validator) { v.Keys = nil }},
		{"no clock", func(v *Validator) { v.Now = nil }},
	} {
		t.Run(c.name, func(t *testing.T) {
			v, _ := newTestValidator()
			c.mod(v)
			a, err := v.Validate(context.Background(), jag{}.build(t), testClient)
			check(t, a, err, ErrMisconfigured, "misconfigured")
		})
	}
}

func TestReason(t *testing.T) {
	sentinels := map[error]string{
		ErrTooLarge: "too_large", ErrMalformed: "malformed", ErrBadAlg: "bad_alg", ErrBadType: "bad_typ",
		ErrForbiddenHeader: "forbidden_header", ErrBadKeyID: "bad_kid", ErrBadClaims: "bad_claims",
		ErrUnknownIssuer: "unknown_issuer", ErrOwnIssuer: "own_issuer", ErrUnknownKey: "unknown_kid",
		ErrKeysUnavailable: "keys_unavailable", ErrKeyMismatch: "key_mismatch", ErrBadSignature: "bad_signature",
		ErrBadAudience: "bad_audience", ErrExpired: "expired", ErrNotYetValid: "not_yet_valid",
		ErrIssuedInFuture: "issued_in_future", ErrLifetimeTooLong: "lifetime_too_long", ErrTooOld: "too_old",
		ErrBadJTI: "bad_jti", ErrBadSubject: "bad_sub", ErrBadClientID: "bad_client_id",
		ErrClientMismatch: "client_mismatch", ErrMisconfigured: "misconfigured",
	}
	seen := map[string]bool{}
	for err, code := range sentinels {
		if got := Reason(fmt.Errorf("outer: %w", err)); got != code {
			t.Errorf("Reason(%v) = %q, want %q", err, got, code)
		}
		if seen[code] {
			t.Errorf("code %q used twice", code)
		}
		seen[code] = true
	}
	if Reason(nil) != "" || Reason(errors.New("other")) != "unknown" {
		t.Errorf("Reason(nil) = %q, Reason(other) = %q", Reason(nil), Reason(errors.New("other")))
	}
	both := fmt.Errorf("%w: %w", ErrKeysUnavailable, ErrUnknownKey)
	if Reason(both) != "keys_unavailable" {
		t.Errorf("keys_unavailable must win over unknown_kid, got %q", Reason(both))
	}
}
