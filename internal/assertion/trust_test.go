package assertion

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"testing"
)

// editSig decodes the signature part, applies f and re-encodes it.
func editSig(f func([]byte) []byte) func(string) string {
	return func(tok string) string {
		sig, err := base64.RawURLEncoding.DecodeString(part(tok, 2))
		if err != nil {
			panic(err)
		}
		return withPart(2, base64.RawURLEncoding.EncodeToString(f(sig)))(tok)
	}
}

// lookupFunc adapts a function to IssuerLookup.
type lookupFunc func(string) (TrustedIssuer, bool)

func (f lookupFunc) LookupIssuer(iss string) (TrustedIssuer, bool) { return f(iss) }

func TestRAS_B2_Step13_Issuer(t *testing.T) {
	iss := func(v any) jag { return jag{claims: map[string]any{"iss": v}} }
	runCases(t, noLookup([]tc{
		{name: "second trusted issuer with its own key", jag: jag{claims: map[string]any{"iss": testOtherIdP},
			header: map[string]any{"kid": "ec-b"}, key: testKeys().ecOther},
			then: func(t *testing.T, a *Assertion) {
				if a.IdP.ID != "idp-b" {
					t.Fatalf("IdP = %+v", a.IdP)
				}
			}},
		{name: "unknown issuer", jag: iss("https://unknown.example.com"), want: ErrUnknownIssuer, reason: "unknown_issuer"},
		{name: "trusted issuer plus trailing slash", jag: iss(testIdP + "/"), want: ErrUnknownIssuer, reason: "unknown_issuer"},
		{name: "trusted issuer with upper-case host", jag: iss("https://IDP.example.com"), want: ErrUnknownIssuer, reason: "unknown_issuer"},
		{name: "trusted issuer over http", jag: iss("http://idp.example.com"), want: ErrUnknownIssuer, reason: "unknown_issuer"},
		{name: "trusted issuer with trailing space", jag: iss(testIdP + " "), want: ErrUnknownIssuer, reason: "unknown_issuer"},
		{name: "own issuer (IDP-20)", jag: iss(testAS), want: ErrOwnIssuer, reason: "own_issuer"},
		{name: "own issuer even when configured as trusted (IDP-20)", jag: iss(testAS),
			mod: func(v *Validator, _ *fakeKeys, _ string) {
				v.Issuers.(fakeIssuers)[testAS] = TrustedIssuer{ID: "idp-a", Issuer: testAS}
			}, want: ErrOwnIssuer, reason: "own_issuer"},
		{name: "lookup answering for another issuer", mod: func(v *Validator, _ *fakeKeys, _ string) {
			v.Issuers = lookupFunc(func(string) (TrustedIssuer, bool) { return TrustedIssuer{ID: "idp-b", Issuer: testOtherIdP}, true })
		}, want: ErrUnknownIssuer, reason: "unknown_issuer"},
		{name: "iss missing", jag: iss(omit{}), want: ErrBadClaims, reason: "bad_claims"},
		{name: "iss empty", jag: iss(""), want: ErrBadClaims, reason: "bad_claims"},
		{name: "ES256 from an RS256-only issuer (JWT-01)", jag: jag{claims: map[string]any{"iss": testRSOnly}},
			want: ErrBadAlg, reason: "bad_alg"},
	}))
}

func TestRAS_B2_Step14_KeyAndSignature(t *testing.T) {
	ks := testKeys()
	failKeys := func(err error) func(*Validator, *fakeKeys, string) {
		return func(_ *Validator, k *fakeKeys, _ string) { k.err = err }
	}
	otherPayload := part(jag{claims: map[string]any{"sub": "admin"}}.build(t), 1)
	now := testNow().Unix()
	runCases(t, []tc{
		{name: "RS256 with a 2048-bit key", jag: jag{header: map[string]any{"alg": "RS256"}},
			then: func(t *testing.T, a *Assertion) {
				if a.Alg != "RS256" || a.KeyID != "rsa-1" {
					t.Fatalf("Alg %q KeyID %q", a.Alg, a.KeyID)
				}
			}},
		{name: "RS256 from an RS256-only issuer", jag: jag{header: map[string]any{"alg": "RS256"},
			claims: map[string]any{"iss": testRSOnly, "iat": now - 5, "exp": now + 55}}},
		{name: "unknown kid", jag: jag{header: map[string]any{"kid": "rotated-away"}}, want: ErrUnknownKey, reason: "unknown_kid"},
		{name: "kid of 256 bytes is only a map key (JWT-08)", jag: jag{header: map[string]any{"kid": strings.Repeat("k", 256)}},
			want: ErrUnknownKey, reason: "unknown_kid"},
		{name: "kid with path traversal is only a map key (JWT-08)", jag: jag{header: map[string]any{"kid": "../../../../dev/null"}},
			want: ErrUnknownKey, reason: "unknown_kid"},
		{name: "kid of another issuer's key (JWT-06)", jag: jag{header: map[string]any{"kid": "ec-b"}, key: ks.ecOther},
			want: ErrUnknownKey, reason: "unknown_kid"},
		{name: "other issuer naming this issuer's kid (JWT-06)", jag: jag{claims: map[string]any{"iss": testOtherIdP}},
			want: ErrUnknownKey, reason: "unknown_kid"},
		{name: "resolver wraps ErrUnknownKey", mod: failKeys(fmt.Errorf("jwks refetch: %w", ErrUnknownKey)),
			want: ErrUnknownKey, reason: "unknown_kid"},
		{name: "keys unavailable (503)", mod: failKeys(fmt.Errorf("jwks: %w", ErrKeysUnavailable)),
			want: ErrKeysUnavailable, reason: "keys_unavailable"},
		{name: "resolver fails otherwise (503)", mod: failKeys(errors.New("connection refused")),
			want: ErrKeysUnavailable, reason: "keys_unavailable"},
		{name: "ES256 header naming an RSA key (JWT-01)", jag: jag{header: map[string]any{"kid": "rsa-1"}},
			want: ErrKeyMismatch, reason: "key_mismatch"},
		{name: "RS256 header naming an EC key (JWT-01)", jag: jag{header: map[string]any{"alg": "RS256", "kid": "ec-1"}, key: ks.rsa},
			want: ErrKeyMismatch, reason: "key_mismatch"},
		{name: "RS256 with a 1024-bit key (JWT-02)", jag: jag{header: map[string]any{"alg": "RS256", "kid": "rsa-weak"}, key: ks.rsaWeak},
			want: ErrKeyMismatch, reason: "key_mismatch"},
		{name: "ES256 with a P-384 key", jag: jag{header: map[string]any{"kid": "ec-384"}, key: ks.ec384},
			want: ErrKeyMismatch, reason: "key_mismatch"},
		{name: "key published for encryption", jag: jag{header: map[string]any{"kid": "ec-enc"}},
			want: ErrKeyMismatch, reason: "key_mismatch"},
		{name: "key published for RS256", jag: jag{header: map[string]any{"kid": "ec-as-rs"}},
			want: ErrKeyMismatch, reason: "key_mismatch"},
		{name: "resolver returning a private key", jag: jag{header: map[string]any{"kid": "ec-priv"}},
			want: ErrKeyMismatch, reason: "key_mismatch"},
		{name: "signed by another EC key", jag: jag{key: ks.ecOther}, want: ErrBadSignature, reason: "bad_signature"},
		{name: "signature bit flipped", jag: jag{tamper: editSig(func(b []byte) []byte { b[5] ^= 1; return b })},
			want: ErrBadSignature, reason: "bad_signature"},
		{name: "signature truncated", jag: jag{tamper: editSig(func(b []byte) []byte { return b[:63] })},
			want: ErrBadSignature, reason: "bad_signature"},
		{name: "signature empty", jag: jag{tamper: withPart(2, "")}, want: ErrBadSignature, reason: "bad_signature"},
		{name: "payload swapped after signing", jag: jag{tamper: withPart(1, otherPayload)},
			want: ErrBadSignature, reason: "bad_signature"},
	})
}

func TestJWT01_HS256KeyedWithRSAPublicKeyNeverReachesKeys(t *testing.T) {
	for label, key := range map[string][]byte{"PEM": rsaPublicPEM(t), "modulus bytes": testKeys().rsa.N.Bytes()} {
		runCases(t, []tc{{name: "HS256 keyed with the RSA public key " + label, jag: jag{header: map[string]any{"alg": "HS256", "kid": "rsa-1"}, key: key},
			want: ErrBadAlg, reason: "bad_alg", noKeyLookup: true}})
	}
}
