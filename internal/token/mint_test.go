package token

import (
	"bytes"
	"crypto"
	"encoding/json"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"
)

func TestRAS12_MintedTokenVerifies(t *testing.T) {
	k := newStaticKey(t)
	tok := mustMint(t, newMinter(k), fullClaims())
	got, err := newVerifier(k).Verify(tok, testAudience)
	if err != nil {
		t.Fatal(err)
	}
	want := fullClaims()
	want.Issuer = testIssuer
	want.JTI = got.JTI
	want.IssuedAt = testNow.Unix()
	want.NotBefore = testNow.Unix()
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("claims = %+v\nwant     %+v", got, want)
	}
	if len(got.JTI) != 22 {
		t.Fatalf("jti %q is not 128 bits base64url", got.JTI)
	}
}

// TestAT01_Header: typ at+jwt, alg ES256 and the kid, nothing else.
func TestAT01_Header(t *testing.T) {
	k := newStaticKey(t)
	tok := mustMint(t, newMinter(k), fullClaims())
	var h map[string]any
	if err := json.Unmarshal(segment(t, tok, 0), &h); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"alg": "ES256", "typ": "at+jwt", "kid": k.kid}
	if !reflect.DeepEqual(h, want) {
		t.Fatalf("header = %v, want %v", h, want)
	}
}

// TestRAS12_ClaimJSONTypes: every claim is present with its JSON type;
// aud is a string, not an array; NumericDates are integers; provenance is
// idp_iss/idp_id and never act.
func TestRAS12_ClaimJSONTypes(t *testing.T) {
	tok := mustMint(t, newMinter(newStaticKey(t)), fullClaims())
	dec := json.NewDecoder(bytes.NewReader(segment(t, tok, 1)))
	dec.UseNumber()
	var p map[string]any
	if err := dec.Decode(&p); err != nil {
		t.Fatal(err)
	}
	isString := func(v any) bool { _, ok := v.(string); return ok }
	isInt := func(v any) bool {
		n, ok := v.(json.Number)
		_, err := n.Int64()
		return ok && err == nil
	}
	isStrings := func(v any) bool {
		a, ok := v.([]any)
		return ok && len(a) > 0 && isString(a[0])
	}
	types := map[string]func(any) bool{
		"iss": isString, "sub": isString, "aud": isString, "client_id": isString, "scope": isString,
		"jti": isString, "iat": isInt, "nbf": isInt, "exp": isInt, "auth_time": isInt,
		"acr": isString, "amr": isStrings, "idp_iss": isString, "idp_id": isString,
	}
	for name, ok := range types {
		t.Run(name, func(t *testing.T) {
			v, present := p[name]
			if !present || !ok(v) {
				t.Fatalf("claim %s = %#v (present %v), wrong JSON type", name, v, present)
			}
		})
	}
	var names []string
	for n := range p {
		names = append(names, n)
	}
	sort.Strings(names)
	if len(names) != len(types) {
		t.Fatalf("payload members = %v, want exactly the %d known claims (no act)", names, len(types))
	}
	if p["scope"] != "tools:read tools:call" || p["idp_iss"] != "https://idp.example.com" {
		t.Fatalf("payload = %v", p)
	}
}

func TestRAS12_OptionalClaimsOmitted(t *testing.T) {
	c := fullClaims()
	c.Scope, c.AuthTime, c.ACR, c.AMR, c.IdPIssuer, c.IdPID = "", nil, "", nil, "", ""
	tok := mustMint(t, newMinter(newStaticKey(t)), c)
	var p map[string]any
	if err := json.Unmarshal(segment(t, tok, 1), &p); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"scope", "auth_time", "acr", "amr", "idp_iss", "idp_id"} {
		if _, ok := p[name]; ok {
			t.Errorf("empty optional claim %s serialized as %v", name, p[name])
		}
	}
}

func TestMintDefaultsAndKeepsGivenValues(t *testing.T) {
	m := newMinter(newStaticKey(t))
	v := newVerifier(m.Keys.(staticKey))
	a, _ := v.Verify(mustMint(t, m, fullClaims()), "")
	b, _ := v.Verify(mustMint(t, m, fullClaims()), "")
	if a.JTI == "" || a.JTI == b.JTI {
		t.Fatalf("jti values %q and %q: want fresh random ids", a.JTI, b.JTI)
	}
	c := fullClaims()
	c.Issuer = "https://spoofed.example.com"
	c.JTI = "given-jti"
	c.IssuedAt = testNow.Add(-time.Minute).Unix()
	c.NotBefore = testNow.Add(-30 * time.Second).Unix()
	got, err := v.Verify(mustMint(t, m, c), "")
	if err != nil {
		t.Fatal(err)
	}
	if got.Issuer != testIssuer || got.JTI != "given-jti" || got.IssuedAt != c.IssuedAt || got.NotBefore != c.NotBefore {
		t.Fatalf("claims = %+v: want iss forced, jti/iat/nbf kept", got)
	}
}

func TestMintRejectsIncompleteClaims(t *testing.T) {
	k := newStaticKey(t)
	tests := []struct {
		name   string
		minter *Minter
		edit   func(c *Claims)
		want   string
	}{
		{"no subject", newMinter(k), func(c *Claims) { c.Subject = "" }, "sub"},
		{"no audience", newMinter(k), func(c *Claims) { c.Audience = "" }, "aud"},
		{"no client_id", newMinter(k), func(c *Claims) { c.ClientID = "" }, "client_id"},
		{"no expiry", newMinter(k), func(c *Claims) { c.Expiry = 0 }, "exp"},
		{"expiry at iat", newMinter(k), func(c *Claims) { c.Expiry = testNow.Unix() }, "exp not after iat"},
		{"negative iat", newMinter(k), func(c *Claims) { c.IssuedAt = -5 }, "iat"},
		{"absurd expiry", newMinter(k), func(c *Claims) { c.Expiry = 1 << 62 }, "exp"},
		{"no issuer", &Minter{Keys: k}, func(*Claims) {}, "issuer"},
		{"no keys", &Minter{Issuer: testIssuer}, func(*Claims) {}, "key source"},
		{"empty key source", newMinter(staticKey{}), func(*Claims) {}, "no signing key"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := fullClaims()
			tc.edit(&c)
			tok, err := tc.minter.Mint(c)
			if err == nil || tok != "" || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Mint = %q, %v; want an error mentioning %q", tok, err, tc.want)
			}
		})
	}
}

// opaqueKey hides the *ecdsa.PrivateKey behind crypto.Signer, as an HSM
// handle would.
type opaqueKey struct{ crypto.Signer }

type opaqueSource struct {
	kid string
	key crypto.Signer
}

func (o opaqueSource) Signer() (string, crypto.Signer) { return o.kid, o.key }

func TestMintWithOpaqueSigner(t *testing.T) {
	k := newStaticKey(t)
	m := newMinter(opaqueSource{kid: k.kid, key: opaqueKey{k.key}})
	for range 20 { // R or S with leading zero bytes must still be 32 bytes wide
		if _, err := newVerifier(k).Verify(mustMint(t, m, fullClaims()), testAudience); err != nil {
			t.Fatal(err)
		}
	}
	var h map[string]any
	if err := json.Unmarshal(segment(t, mustMint(t, m, fullClaims()), 0), &h); err != nil {
		t.Fatal(err)
	}
	if h["kid"] != k.kid || h["typ"] != "at+jwt" || h["alg"] != "ES256" {
		t.Fatalf("header = %v", h)
	}
}

// TestMintSignerCacheFollowsKid: a new kid from the key source is used on
// the next Mint.
func TestMintSignerCacheFollowsKid(t *testing.T) {
	a, b := newStaticKey(t), newStaticKey(t)
	src := &switchingSource{cur: a}
	m := newMinter(src)
	var kids []string
	for _, k := range []staticKey{a, a, b, a} {
		src.cur = k
		var h struct{ Kid string }
		if err := json.Unmarshal(segment(t, mustMint(t, m, fullClaims()), 0), &h); err != nil {
			t.Fatal(err)
		}
		if _, err := newVerifier(k).Verify(mustMint(t, m, fullClaims()), ""); err != nil {
			t.Fatalf("token after switching to %s: %v", k.kid, err)
		}
		kids = append(kids, h.Kid)
	}
	if !slices.Equal(kids, []string{a.kid, a.kid, b.kid, a.kid}) {
		t.Fatalf("header kids = %v", kids)
	}
}

type switchingSource struct{ cur staticKey }

func (s *switchingSource) Signer() (string, crypto.Signer) { return s.cur.Signer() }
