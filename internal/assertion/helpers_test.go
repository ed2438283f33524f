package assertion

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"maps"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
)

const (
	testAS       = "https://as.example.com"
	testIdP      = "https://idp.example.com"
	testOtherIdP = "https://other-idp.example.com"
	testRSOnly   = "https://rs-only.example.com"
	testClient   = "client-local"
)

// testNow is the fixed clock of every test.
func testNow() time.Time { return time.Unix(1_800_000_000, 0).UTC() }

// keySet holds the private keys of the fixture, generated once per test binary (RSA generation is
// slow enough to matter).
type keySet struct {
	ec      *ecdsa.PrivateKey // idp-a "ec-1"
	ecOther *ecdsa.PrivateKey // idp-b "ec-b", and an unrelated signer
	ec384   *ecdsa.PrivateKey // idp-a "ec-384"
	rsa     *rsa.PrivateKey   // idp-a "rsa-1", idp-rs "rsa-1"
	rsaWeak *rsa.PrivateKey   // idp-a "rsa-weak" (1024 bits)
}

var testKeys = sync.OnceValue(func() *keySet {
	ec := func(c elliptic.Curve) *ecdsa.PrivateKey {
		k, err := ecdsa.GenerateKey(c, rand.Reader)
		if err != nil {
			panic(err)
		}
		return k
	}
	rk := func(bits int) *rsa.PrivateKey {
		k, err := rsa.GenerateKey(rand.Reader, bits)
		if err != nil {
			panic(err)
		}
		return k
	}
	return &keySet{ec: ec(elliptic.P256()), ecOther: ec(elliptic.P256()), ec384: ec(elliptic.P384()),
		rsa: rk(2048), rsaWeak: rk(1024)}
})

// fakeIssuers is a map-backed IssuerLookup.
type fakeIssuers map[string]TrustedIssuer

func (f fakeIssuers) LookupIssuer(iss string) (TrustedIssuer, bool) {
	t, ok := f[iss]
	return t, ok
}

// fakeKeys is a KeyResolver over per-issuer key sets that counts its calls.
type fakeKeys struct {
	mu    sync.Mutex
	sets  map[string]map[string]*jose.JSONWebKey
	err   error // returned instead of a key when set
	calls int
}

func (f *fakeKeys) ResolveKey(_ context.Context, issuerID, kid, _ string) (*jose.JSONWebKey, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	if f.err != nil {
		return nil, f.err
	}
	k, ok := f.sets[issuerID][kid]
	if !ok {
		return nil, ErrUnknownKey
	}
	return k, nil
}

func (f *fakeKeys) callCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls
}

func pub(kid string, k crypto.PublicKey) *jose.JSONWebKey {
	return &jose.JSONWebKey{Key: k, KeyID: kid, Use: "sig"}
}

// newTestValidator returns a Validator trusting three IdPs, and its key resolver:
// idp-a (all kinds of keys, client id map, groups claim), idp-b (its own EC key) and idp-rs
// (RS256 only, one-minute lifetime, 10 s skew).
func newTestValidator() (*Validator, *fakeKeys) {
	ks := testKeys()
	keys := &fakeKeys{sets: map[string]map[string]*jose.JSONWebKey{
		"idp-a": {
			"ec-1":     pub("ec-1", &ks.ec.PublicKey),
			"ec-384":   pub("ec-384", &ks.ec384.PublicKey),
			"rsa-1":    pub("rsa-1", &ks.rsa.PublicKey),
			"rsa-weak": pub("rsa-weak", &ks.rsaWeak.PublicKey),
			"ec-enc":   {Key: &ks.ec.PublicKey, KeyID: "ec-enc", Use: "enc"},
			"ec-as-rs": {Key: &ks.ec.PublicKey, KeyID: "ec-as-rs", Algorithm: "RS256"},
			"ec-priv":  {Key: ks.ec, KeyID: "ec-priv"},
		},
		"idp-b":  {"ec-b": pub("ec-b", &ks.ecOther.PublicKey)},
		"idp-rs": {"rsa-1": pub("rsa-1", &ks.rsa.PublicKey), "ec-1": pub("ec-1", &ks.ec.PublicKey)},
	}}
	issuers := fakeIssuers{
		testIdP: {ID: "idp-a", Issuer: testIdP, GroupsClaim: "groups",
			ClientIDMap: map[string]string{"idp-client-7": testClient, "shadow": "someone-else"}},
		testOtherIdP: {ID: "idp-b", Issuer: testOtherIdP},
		testRSOnly: {ID: "idp-rs", Issuer: testRSOnly, AllowedAlgs: []string{"RS256"},
			MaxLifetime: time.Minute, ClockSkew: 10 * time.Second},
	}
	return &Validator{Issuer: testAS, Issuers: issuers, Keys: keys, Now: testNow}, keys
}

// omit, as a header or claim value in a jag, removes that member.
type omit struct{}

// jag builds an ID-JAG with a knob for every defect. By default it is a valid ES256 ID-JAG from
// testIdP for testClient, signed with go-jose. Raw JSON, a mismatched key, or an alg go-jose will
// not sign with switch to a hand-assembled JWS signed with crypto/* directly.
type jag struct {
	header     map[string]any // merged over the default header
	claims     map[string]any // merged over the default claims
	rawHeader  string         // verbatim header JSON (duplicates, bad UTF-8, ...)
	rawPayload string         // verbatim payload JSON
	signAlg    string         // algorithm actually used to sign; default: the header alg
	key        any            // signing key; default: by signAlg
	tamper     func(string) string
}

func defaultClaims() map[string]any {
	now := testNow().Unix()
	return map[string]any{
		"iss": testIdP, "sub": "user-123", "aud": testAS, "client_id": testClient,
		"jti": "jti-0001", "iat": now - 10, "exp": now + 290,
		"resource": "https://mcp.example.com/mcp", "scope": "files.read files.write",
	}
}

func merge(base, over map[string]any) map[string]any {
	out := maps.Clone(base)
	for k, v := range over {
		if _, del := v.(omit); del {
			delete(out, k)
			continue
		}
		out[k] = v
	}
	return out
}

// build returns the compact ID-JAG.
func (j jag) build(t testing.TB) string {
	t.Helper()
	hdr := merge(map[string]any{"alg": "ES256", "typ": "oauth-id-jag+jwt", "kid": "ec-1"}, j.header)
	if alg, _ := j.header["alg"].(string); alg == "RS256" && j.header["kid"] == nil {
		hdr["kid"] = "rsa-1"
	}
	signAlg := j.signAlg
	if signAlg == "" {
		signAlg, _ = hdr["alg"].(string)
	}
	key := j.key
	if key == nil {
		key = defaultKey(signAlg)
	}
	payload := []byte(j.rawPayload)
	if j.rawPayload == "" {
		payload = mustJSON(t, merge(defaultClaims(), j.claims))
	}
	var tok string
	if j.rawHeader == "" && j.rawPayload == "" && j.key == nil && j.signAlg == "" &&
		(signAlg == "ES256" || signAlg == "RS256") {
		tok = signWithJose(t, signAlg, key, hdr, payload)
	} else {
		h := []byte(j.rawHeader)
		if j.rawHeader == "" {
			h = mustJSON(t, hdr)
		}
		tok = signByHand(t, signAlg, key, h, payload)
	}
	if j.tamper != nil {
		tok = j.tamper(tok)
	}
	return tok
}

func defaultKey(alg string) any {
	switch alg {
	case "RS256":
		return testKeys().rsa
	case "HS256":
		return []byte("0123456789abcdef0123456789abcdef")
	}
	return testKeys().ec
}

func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func signWithJose(t testing.TB, alg string, key any, hdr map[string]any, payload []byte) string {
	t.Helper()
	opts := &jose.SignerOptions{}
	for k, v := range hdr {
		if k != "alg" {
			opts.WithHeader(jose.HeaderKey(k), v)
		}
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.SignatureAlgorithm(alg), Key: key}, opts)
	if err != nil {
		t.Fatal(err)
	}
	jws, err := signer.Sign(payload)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := jws.CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// signByHand assembles header.payload.signature itself, so the exact header and payload bytes
// are signed. alg "none" yields an empty signature.
func signByHand(t testing.TB, alg string, key any, hdr, payload []byte) string {
	t.Helper()
	enc := base64.RawURLEncoding
	input := enc.EncodeToString(hdr) + "." + enc.EncodeToString(payload)
	digest := sha256.Sum256([]byte(input))
	var sig []byte
	switch k := key.(type) {
	case *ecdsa.PrivateKey:
		r, s, err := ecdsa.Sign(rand.Reader, k, digest[:])
		if err != nil {
			t.Fatal(err)
		}
		size := (k.Curve.Params().BitSize + 7) / 8
		sig = append(r.FillBytes(make([]byte, size)), s.FillBytes(make([]byte, size))...)
	case *rsa.PrivateKey:
		var err error
		if sig, err = rsa.SignPKCS1v15(nil, k, crypto.SHA256, digest[:]); err != nil {
			t.Fatal(err)
		}
	case []byte:
		m := hmac.New(sha256.New, k)
		m.Write([]byte(input))
		sig = m.Sum(nil)
	}
	if alg == "none" {
		sig = nil
	}
	return input + "." + enc.EncodeToString(sig)
}

// check asserts the outcome of Validate: want nil means success; otherwise err must wrap want and
// Reason must be reason. The Assertion is always non-nil and Verified only on success.
func check(t *testing.T, a *Assertion, err, want error, reason string) {
	t.Helper()
	if a == nil {
		t.Fatal("Validate returned a nil *Assertion")
	}
	if want == nil {
		if err != nil {
			t.Fatalf("Validate: unexpected error %v (reason %s)", err, Reason(err))
		}
		if !a.Verified {
			t.Fatal("success without Verified")
		}
		return
	}
	if !errors.Is(err, want) {
		t.Fatalf("Validate error = %v, want %v", err, want)
	}
	if got := Reason(err); got != reason {
		t.Fatalf("Reason = %q, want %q (err %v)", got, reason, err)
	}
	if a.Verified || a.Claims != nil {
		t.Fatal("failed validation returned Verified or Claims")
	}
}

// rsaPublicPEM is the PEM encoding of the fixture's RSA public key: the bytes an algorithm
// confusion attack uses as an HMAC secret.
func rsaPublicPEM(t testing.TB) []byte {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(&testKeys().rsa.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
}
