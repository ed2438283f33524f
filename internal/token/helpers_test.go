package token

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

const (
	testIssuer   = "https://as.example.com"
	testAudience = "https://mcp.example.com/mcp"
)

// testNow is the fixed minting time of the tests.
var testNow = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func fixedNow() time.Time { return testNow }

// staticKey is a KeySource with one ES256 key.
type staticKey struct {
	kid string
	key *ecdsa.PrivateKey
}

func newStaticKey(t testing.TB) staticKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	jwk := jose.JSONWebKey{Key: &k.PublicKey}
	tp, err := jwk.Thumbprint(crypto.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	return staticKey{kid: base64.RawURLEncoding.EncodeToString(tp), key: k}
}

func (s staticKey) Signer() (string, crypto.Signer) { return s.kid, s.key }

func (s staticKey) jwk() jose.JSONWebKey {
	return jose.JSONWebKey{Key: &s.key.PublicKey, KeyID: s.kid, Algorithm: "ES256", Use: "sig"}
}

func (s staticKey) set() func() jose.JSONWebKeySet {
	return func() jose.JSONWebKeySet { return jose.JSONWebKeySet{Keys: []jose.JSONWebKey{s.jwk()}} }
}

func newMinter(k KeySource) *Minter {
	return &Minter{Issuer: testIssuer, Keys: k, Now: fixedNow}
}

func newVerifier(k staticKey) *Verifier {
	return &Verifier{Issuer: testIssuer, Keys: k.set(), Now: fixedNow}
}

// fullClaims has every claim set, as the jwt-bearer grant mints them.
func fullClaims() Claims {
	authTime := testNow.Add(-10 * time.Minute).Unix()
	return Claims{
		Subject:   "idp1|alice",
		Audience:  testAudience,
		ClientID:  "agent-1",
		Scope:     "tools:read tools:call",
		Expiry:    testNow.Add(15 * time.Minute).Unix(),
		AuthTime:  &authTime,
		ACR:       "urn:example:mfa",
		AMR:       []string{"pwd", "otp"},
		IdPIssuer: "https://idp.example.com",
		IdPID:     "idp1",
	}
}

func mustMint(t testing.TB, m *Minter, c Claims) string {
	t.Helper()
	tok, err := m.Mint(c)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// signRaw builds a compact JWS over exactly the given header and payload
// JSON, ES256-signed by k, to craft tokens Mint would never produce.
func signRaw(t testing.TB, k *ecdsa.PrivateKey, headerJSON, payloadJSON string) string {
	t.Helper()
	input := b64(headerJSON) + "." + b64(payloadJSON)
	digest := sha256.Sum256([]byte(input))
	r, s, err := ecdsa.Sign(rand.Reader, k, digest[:])
	if err != nil {
		t.Fatal(err)
	}
	sig := make([]byte, 64)
	r.FillBytes(sig[:32])
	s.FillBytes(sig[32:])
	return input + "." + base64.RawURLEncoding.EncodeToString(sig)
}

func b64(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

// segment returns the decoded i-th segment of a compact JWS.
func segment(t testing.TB, tok string, i int) []byte {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(strings.Split(tok, ".")[i])
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// validPayload is a payload that passes every claim check at testNow.
func validPayload() string {
	return `{"iss":"` + testIssuer + `","sub":"alice","aud":"` + testAudience +
		`","client_id":"agent-1","jti":"j1","iat":1772366400,"nbf":1772366400,"exp":1772367300}`
}

func rawHeader(kid, typ string) string {
	return `{"alg":"ES256","kid":"` + kid + `","typ":"` + typ + `"}`
}
