package token

import (
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

func TestAT05_TypAccepted(t *testing.T) {
	k := newStaticKey(t)
	v := newVerifier(k)
	tests := []struct {
		typ  string
		want error
	}{
		{"at+jwt", nil},
		{"application/at+jwt", nil},
		{"AT+JWT", nil},
		{"Application/At+Jwt", nil},
		{"JWT", ErrType},
		{"", ErrType},
		{"dpop+jwt", ErrType},
		{"client-authentication+jwt", ErrType},
		{"application/jwt", ErrType},
		{"at+jwt ", ErrType},
		{"application/at+jwt; charset=utf-8", ErrType},
	}
	for _, tc := range tests {
		t.Run(tc.typ, func(t *testing.T) {
			tok := signRaw(t, k.key, rawHeader(k.kid, tc.typ), validPayload())
			_, err := v.Verify(tok, testAudience)
			if !errors.Is(err, tc.want) {
				t.Fatalf("Verify error = %v, want %v", err, tc.want)
			}
		})
	}
}

func TestAT05_MissingTypRejected(t *testing.T) {
	k := newStaticKey(t)
	tok := signRaw(t, k.key, `{"alg":"ES256","kid":"`+k.kid+`"}`, validPayload())
	if _, err := newVerifier(k).Verify(tok, testAudience); !errors.Is(err, ErrType) {
		t.Fatalf("Verify error = %v, want ErrType", err)
	}
}

// TestJWT09_IDJAGTypeRejected: an ID-JAG, even one signed by our own key
// with claims that would otherwise pass, is never accepted as an access
// token.
func TestJWT09_IDJAGTypeRejected(t *testing.T) {
	k := newStaticKey(t)
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256,
		Key: jose.JSONWebKey{Key: k.key, KeyID: k.kid}}, (&jose.SignerOptions{}).WithType("oauth-id-jag+jwt"))
	if err != nil {
		t.Fatal(err)
	}
	jws, err := s.Sign([]byte(validPayload()))
	if err != nil {
		t.Fatal(err)
	}
	tok, err := jws.CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := newVerifier(k).Verify(tok, testAudience); !errors.Is(err, ErrType) {
		t.Fatalf("Verify error = %v, want ErrType", err)
	}
}

// TestAT01_AlgNotES256Rejected: none, HMAC (keyed with public key bytes,
// the classic confusion) and other algorithms are refused before any key
// is used (JWT-01, JWT-02).
func TestAT01_AlgNotES256Rejected(t *testing.T) {
	k := newStaticKey(t)
	v := newVerifier(k)
	hmacKey := k.key.PublicKey.X.FillBytes(make([]byte, 32))
	hs, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.HS256, Key: hmacKey},
		(&jose.SignerOptions{}).WithType("at+jwt").WithHeader("kid", k.kid))
	if err != nil {
		t.Fatal(err)
	}
	hsJWS, err := hs.Sign([]byte(validPayload()))
	if err != nil {
		t.Fatal(err)
	}
	hsTok, err := hsJWS.CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	es256Sig := strings.Split(signRaw(t, k.key, rawHeader(k.kid, "at+jwt"), validPayload()), ".")[2]
	algHeader := func(alg string) string {
		return `{"alg":"` + alg + `","kid":"` + k.kid + `","typ":"at+jwt"}`
	}
	tests := []struct {
		name string
		tok  string
	}{
		{"none, empty signature", b64(algHeader("none")) + "." + b64(validPayload()) + "."},
		{"NONE", b64(algHeader("NONE")) + "." + b64(validPayload()) + "."},
		{"HS256 keyed with the public key", hsTok},
		{"ES384 header, ES256 signature", b64(algHeader("ES384")) + "." + b64(validPayload()) + "." + es256Sig},
		{"RS256", b64(algHeader("RS256")) + "." + b64(validPayload()) + "." + es256Sig},
		{"es256 lower case", b64(algHeader("es256")) + "." + b64(validPayload()) + "." + es256Sig},
		{"no alg", b64(`{"kid":"`+k.kid+`","typ":"at+jwt"}`) + "." + b64(validPayload()) + "." + es256Sig},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := v.Verify(tc.tok, testAudience); !errors.Is(err, ErrSignature) {
				t.Fatalf("Verify error = %v, want ErrSignature", err)
			}
		})
	}
}

func TestAT05_Rejections(t *testing.T) {
	k, other := newStaticKey(t), newStaticKey(t)
	good := mustMint(t, newMinter(k), fullClaims())
	segs := strings.Split(good, ".")
	impostor := staticKey{kid: k.kid, key: other.key} // our kid, someone else's key
	foreign := &Minter{Issuer: "https://evil.example.com", Keys: k, Now: fixedNow}
	flipLast := func(s string) string {
		c := "A"
		if strings.HasSuffix(s, "A") {
			c = "Q"
		}
		return s[:len(s)-1] + c
	}
	payload := func(p string) string { return signRaw(t, k.key, rawHeader(k.kid, "at+jwt"), p) }
	withClaim := func(old, repl string) string {
		return payload(strings.Replace(validPayload(), old, repl, 1))
	}
	tests := []struct {
		name     string
		tok      string
		audience string
		want     error
	}{
		{"wrong audience", good, "https://other.example.com/mcp", ErrAudience},
		{"audience prefix", good, testAudience + "/x", ErrAudience},
		{"wrong issuer", mustMint(t, foreign, fullClaims()), testAudience, ErrIssuer},
		{"unknown kid", mustMint(t, newMinter(other), fullClaims()), testAudience, ErrUnknownKey},
		{"no kid", signRaw(t, k.key, `{"alg":"ES256","typ":"at+jwt"}`, validPayload()), testAudience, ErrUnknownKey},
		{"our kid, other key", mustMint(t, newMinter(impostor), fullClaims()), testAudience, ErrSignature},
		{"tampered payload", segs[0] + "." + b64(strings.Replace(string(segment(t, good, 1)), "alice", "admin", 1)) +
			"." + segs[2], testAudience, ErrSignature},
		{"tampered signature", segs[0] + "." + segs[1] + "." + flipLast(segs[2]), testAudience, ErrSignature},
		{"truncated signature", segs[0] + "." + segs[1] + "." + segs[2][:40], testAudience, ErrSignature},
		{"empty", "", testAudience, ErrMalformed},
		{"two segments", segs[0] + "." + segs[1], testAudience, ErrMalformed},
		{"four segments", good + ".x", testAudience, ErrMalformed},
		{"JSON serialization", `{"payload":"` + segs[1] + `","protected":"` + segs[0] + `","signature":"` + segs[2] + `"}`,
			testAudience, ErrMalformed},
		{"padded base64", segs[0] + "==." + segs[1] + "." + segs[2], testAudience, ErrMalformed},
		{"standard base64 alphabet", segs[0] + "." + segs[1] + "." + strings.NewReplacer("-", "+", "_", "/").Replace(segs[2]) + "+",
			testAudience, ErrMalformed},
		{"embedded newline", segs[0] + "." + segs[1][:10] + "\n" + segs[1][10:] + "." + segs[2], testAudience, ErrMalformed},
		{"leading space", " " + good, testAudience, ErrMalformed},
		{"oversized", good + strings.Repeat("A", MaxTokenSize), testAudience, ErrMalformed},
		{"crit header", signRaw(t, k.key, `{"alg":"ES256","crit":["exp"],"exp":1,"kid":"`+k.kid+`","typ":"at+jwt"}`,
			validPayload()), testAudience, ErrMalformed},
		{"jwk header", signRaw(t, k.key, `{"alg":"ES256","jwk":{},"kid":"`+k.kid+`","typ":"at+jwt"}`,
			validPayload()), testAudience, ErrMalformed},
		{"jku header", signRaw(t, k.key, `{"alg":"ES256","jku":"https://evil.example.com/jwks","kid":"`+k.kid+`","typ":"at+jwt"}`,
			validPayload()), testAudience, ErrMalformed},
		{"duplicate header member", signRaw(t, k.key, `{"alg":"ES256","kid":"`+k.kid+`","typ":"JWT","typ":"at+jwt"}`,
			validPayload()), testAudience, ErrMalformed},
		{"header not an object", signRaw(t, k.key, `["ES256"]`, validPayload()), testAudience, ErrMalformed},
		{"duplicate claim", withClaim(`"sub":"alice"`, `"sub":"alice","sub":"admin"`), testAudience, ErrMalformed},
		{"aud array", withClaim(`"aud":"`+testAudience+`"`, `"aud":["`+testAudience+`"]`), testAudience, ErrMalformed},
		{"exp as string", withClaim(`"exp":1772367300`, `"exp":"1772367300"`), testAudience, ErrMalformed},
		{"exp fractional", withClaim(`"exp":1772367300`, `"exp":1772367300.5`), testAudience, ErrMalformed},
		{"exp absurd", withClaim(`"exp":1772367300`, `"exp":99999999999999`), testAudience, ErrMalformed},
		{"no exp", withClaim(`,"exp":1772367300`, ``), testAudience, ErrMalformed},
		{"no sub", withClaim(`"sub":"alice",`, ``), testAudience, ErrMalformed},
		{"no client_id", withClaim(`"client_id":"agent-1",`, ``), testAudience, ErrMalformed},
		{"no jti", withClaim(`"jti":"j1",`, ``), testAudience, ErrMalformed},
		{"no iss", withClaim(`"iss":"`+testIssuer+`",`, ``), testAudience, ErrMalformed},
		{"invalid UTF-8", withClaim(`"alice"`, "\"al\xffce\""), testAudience, ErrMalformed},
		{"payload not an object", payload(`"just a string"`), testAudience, ErrMalformed},
		{"trailing data", payload(validPayload() + `{}`), testAudience, ErrMalformed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := newVerifier(k).Verify(tc.tok, tc.audience)
			if !errors.Is(err, tc.want) {
				t.Fatalf("Verify error = %v, want %v", err, tc.want)
			}
			if c.JTI != "" || c.Subject != "" {
				t.Fatalf("Verify returned claims %+v with an error", c)
			}
		})
	}
}

// TestAT05_TimeEdges pins exp and nbf at the second, with and without
// leeway. The token has iat = nbf = testNow and exp = testNow + 15 min.
func TestAT05_TimeEdges(t *testing.T) {
	k := newStaticKey(t)
	tok := mustMint(t, newMinter(k), fullClaims())
	exp := testNow.Add(15 * time.Minute)
	tests := []struct {
		name   string
		now    time.Time
		leeway time.Duration
		want   error
	}{
		{"at issue", testNow, 0, nil},
		{"one second before exp", exp.Add(-time.Second), 0, nil},
		{"at exp", exp, 0, ErrExpired},
		{"within leeway after exp", exp.Add(29 * time.Second), 30 * time.Second, nil},
		{"at exp plus leeway", exp.Add(30 * time.Second), 30 * time.Second, ErrExpired},
		{"before nbf", testNow.Add(-time.Second), 0, ErrExpired},
		{"before nbf within leeway", testNow.Add(-30 * time.Second), 30 * time.Second, nil},
		{"before nbf beyond leeway", testNow.Add(-31 * time.Second), 30 * time.Second, ErrExpired},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v := &Verifier{Issuer: testIssuer, Keys: k.set(), Now: func() time.Time { return tc.now }, Leeway: tc.leeway}
			if _, err := v.Verify(tok, testAudience); !errors.Is(err, tc.want) {
				t.Fatalf("Verify error = %v, want %v", err, tc.want)
			}
		})
	}
}

// TestRAS11_EmptyAudienceMeansAny: introspection passes "" and checks aud
// itself; the claim still comes back.
func TestRAS11_EmptyAudienceMeansAny(t *testing.T) {
	k := newStaticKey(t)
	c, err := newVerifier(k).Verify(mustMint(t, newMinter(k), fullClaims()), "")
	if err != nil {
		t.Fatal(err)
	}
	if c.Audience != testAudience {
		t.Fatalf("aud = %q", c.Audience)
	}
}

func TestVerifierKeyFiltering(t *testing.T) {
	k := newStaticKey(t)
	tok := mustMint(t, newMinter(k), fullClaims())
	tests := []struct {
		name string
		edit func(j *jose.JSONWebKey)
		want error
	}{
		{"alg and use unset", func(j *jose.JSONWebKey) { j.Algorithm, j.Use = "", "" }, nil},
		{"alg ES384", func(j *jose.JSONWebKey) { j.Algorithm = "ES384" }, ErrUnknownKey},
		{"use enc", func(j *jose.JSONWebKey) { j.Use = "enc" }, ErrUnknownKey},
		{"symmetric key under our kid", func(j *jose.JSONWebKey) { j.Key = []byte("0123456789abcdef0123456789abcdef") }, ErrUnknownKey},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			j := k.jwk()
			tc.edit(&j)
			v := &Verifier{Issuer: testIssuer, Now: fixedNow,
				Keys: func() jose.JSONWebKeySet { return jose.JSONWebKeySet{Keys: []jose.JSONWebKey{j}} }}
			if _, err := v.Verify(tok, testAudience); !errors.Is(err, tc.want) {
				t.Fatalf("Verify error = %v, want %v", err, tc.want)
			}
		})
	}
}

func TestVerifierMisconfigured(t *testing.T) {
	k := newStaticKey(t)
	tok := mustMint(t, newMinter(k), fullClaims())
	for _, v := range []*Verifier{{Keys: k.set()}, {Issuer: testIssuer}} {
		if _, err := v.Verify(tok, ""); err == nil {
			t.Fatalf("Verifier %+v accepted a token", v)
		}
	}
}

// TestJWT11_NonCanonicalBase64Rejected: a signature segment whose unused
// trailing bits are set decodes to the same bytes under lenient base64, so
// it would be a second valid encoding of one token; strict decoding
// refuses it.
func TestJWT11_NonCanonicalBase64Rejected(t *testing.T) {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	k := newStaticKey(t)
	segs := strings.Split(mustMint(t, newMinter(k), fullClaims()), ".")
	enc := segs[2] // 64 bytes = 86 chars: the low 4 bits of the last char are unused and zero
	idx := strings.IndexByte(alphabet, enc[len(enc)-1])
	forged := segs[0] + "." + segs[1] + "." + enc[:len(enc)-1] + string(alphabet[idx|1])
	if _, err := base64.RawURLEncoding.DecodeString(strings.Split(forged, ".")[2]); err != nil {
		t.Fatalf("lenient base64 should accept the forged segment: %v", err)
	}
	if _, err := newVerifier(k).Verify(forged, testAudience); !errors.Is(err, ErrMalformed) {
		t.Fatalf("Verify error = %v, want ErrMalformed for non-canonical base64", err)
	}
}
