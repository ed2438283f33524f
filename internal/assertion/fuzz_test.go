package assertion

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// FuzzValidate feeds arbitrary strings to Validate. Invariants: no panic; the Assertion is never
// nil; Verified is set exactly on success; every failure has a known reason code; and any success
// is independently a valid ID-JAG for the test client (checked with go-jose's jwt package, not with
// this package's code).
func FuzzValidate(f *testing.F) {
	valid := jag{}.build(f)
	seeds := []string{
		valid, // a valid ES256 ID-JAG
		jag{header: map[string]any{"alg": "RS256"}}.build(f),                                       // a valid RS256 ID-JAG
		jag{claims: map[string]any{"client_id": "idp-client-7", "aud": []string{testAS}}}.build(f), // mapped client, aud array
		valid[:len(valid)/2],                                          // truncated
		valid[:strings.LastIndexByte(valid, '.')],                     // signature cut off
		valid + "\n",                                                  // trailing whitespace
		jag{rawHeader: rawHeader(`,"alg":"ES256"`)}.build(f),          // duplicated header member
		jag{rawPayload: rawClaims(f, nil, `,"sub":"admin"`)}.build(f), // duplicated claim
		jag{header: map[string]any{"alg": "none"}}.build(f),           // alg none
		jag{header: map[string]any{"alg": "HS256", "kid": "rsa-1"}, key: rsaPublicPEM(f)}.build(f), // HS256 confusion
		jag{header: map[string]any{"crit": []string{"exp"}}}.build(f),                              // crit
		jag{rawPayload: rawClaims(f, nil, `,"x":"\ud800"`)}.build(f),                               // lone surrogate
		jag{claims: map[string]any{"exp": "1800000290"}}.build(f),                                  // NumericDate as a string
		"eyJhbGciOiJSU0EtT0FFUCJ9.a.b.c.d",                                                         // five-part JWE shape
		"..",                                                                                       // three empty parts
		"",                                                                                         // empty
	}
	for _, s := range seeds {
		f.Add(s)
	}
	v, _ := newTestValidator()
	f.Fuzz(func(t *testing.T, raw string) {
		a, err := v.Validate(context.Background(), raw, testClient)
		if a == nil {
			t.Fatal("nil Assertion")
		}
		if a.Verified != (err == nil) {
			t.Fatalf("Verified = %v with err %v", a.Verified, err)
		}
		if err != nil {
			if Reason(err) == "unknown" {
				t.Fatalf("error without a sentinel: %v", err)
			}
			return
		}
		if err := independentlyValid(raw, a); err != nil {
			t.Fatalf("Validate accepted a token that is not valid: %v", err)
		}
	})
}

// independentlyValid re-checks an accepted token with go-jose's jwt package and the fixture keys.
func independentlyValid(raw string, a *Assertion) error {
	tok, err := jwt.ParseSigned(raw, []jose.SignatureAlgorithm{jose.ES256, jose.RS256})
	if err != nil {
		return err
	}
	h := tok.Headers[0]
	if typ, _ := h.ExtraHeaders["typ"].(string); !strings.EqualFold(strings.TrimPrefix(strings.ToLower(typ), "application/"), "oauth-id-jag+jwt") {
		return fmt.Errorf("typ %q", typ)
	}
	var c jwt.Claims
	var extra struct {
		ClientID string `json:"client_id"`
	}
	v, keys := newTestValidator()
	if err := tok.UnsafeClaimsWithoutVerification(&c); err != nil {
		return err
	}
	idp, ok := v.Issuers.LookupIssuer(c.Issuer)
	if !ok {
		return fmt.Errorf("issuer %q not trusted", c.Issuer)
	}
	jwk := keys.sets[idp.ID][h.KeyID]
	if jwk == nil || jwk.Algorithm != "" || jwk.Use != "sig" {
		return fmt.Errorf("key %q not usable", h.KeyID)
	}
	if err := tok.Claims(jwk.Key, &c, &extra); err != nil {
		return err
	}
	if err := c.ValidateWithLeeway(jwt.Expected{Issuer: idp.Issuer, AnyAudience: jwt.Audience{testAS}, Time: testNow()}, time.Minute); err != nil {
		return err
	}
	switch {
	case len(c.Audience) != 1, c.Subject == "", c.ID == "", c.Expiry == nil, c.IssuedAt == nil:
		return errors.New("required claim missing or aud not single")
	case c.Expiry.Time().Sub(c.IssuedAt.Time()) > 5*time.Minute:
		return errors.New("lifetime too long")
	case extra.ClientID != testClient && idp.ClientIDMap[extra.ClientID] != testClient:
		return fmt.Errorf("client_id %q", extra.ClientID)
	case a.Subject != c.Subject || a.JTI != c.ID || a.Issuer != c.Issuer:
		return errors.New("Assertion differs from the token")
	}
	return nil
}

func BenchmarkValidateES256(b *testing.B) { benchValidate(b, jag{}) }

func BenchmarkValidateRS256(b *testing.B) {
	benchValidate(b, jag{header: map[string]any{"alg": "RS256"}})
}

// benchValidate measures the whole validation of one ID-JAG.
func benchValidate(b *testing.B, j jag) {
	v, _ := newTestValidator()
	tok := j.build(b)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.Validate(ctx, tok, testClient); err != nil {
			b.Fatal(err)
		}
	}
}

// TestFuzzOracleRejects proves independentlyValid is not vacuous: it must reject tokens that
// Validate rejects for reasons the fuzz invariant relies on.
func TestFuzzOracleRejects(t *testing.T) {
	for name, j := range map[string]jag{
		"expired":       times(-600*time.Second, -300*time.Second, nil),
		"other client":  {claims: map[string]any{"client_id": "client-other"}},
		"two audiences": {claims: map[string]any{"aud": []string{testAS, "https://x.example"}}},
		"wrong typ":     {header: map[string]any{"typ": "at+jwt"}},
		"wrong key":     {key: testKeys().ecOther},
		"too long":      times(-time.Second, 10*time.Minute, nil),
	} {
		if independentlyValid(j.build(t), &Assertion{}) == nil {
			t.Errorf("%s: oracle accepted it", name)
		}
	}
	tok := jag{}.build(t)
	v, _ := newTestValidator()
	a, err := v.Validate(context.Background(), tok, testClient)
	if err != nil || independentlyValid(tok, a) != nil {
		t.Fatalf("oracle rejects a valid token: %v / %v", err, independentlyValid(tok, a))
	}
}
