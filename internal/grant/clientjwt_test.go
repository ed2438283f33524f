package grant

import (
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"math/big"
	"net/url"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// Reasons of private_key_jwt failures.
const (
	rHeader    = "bad_client_assertion_header"
	rClaims    = "bad_client_assertion_claims"
	rMalformed = "malformed_client_assertion"
	rSubject   = "client_assertion_subject"
	rUnknown   = "unknown_client"
	rKey       = "client_key"
	rSignature = "bad_client_assertion_signature"
)

// pkCase is one client assertion: built by editing a valid header and
// claim set of pk-inline signed with ec-1, or raw. want is "" for success
// (as client, default pk-inline), else the failure reason.
type pkCase struct {
	name   string
	client string
	rsa    bool
	edit   func(h, c map[string]any)
	raw    func(t testing.TB, f *pkFixture) string
	form   url.Values
	want   string
}

func TestCAUTH05_PrivateKeyJWT(t *testing.T) {
	f := newPKFixture(t, true)
	now := f.clk.Now()
	set := func(kv ...any) func(h, c map[string]any) {
		return func(_, c map[string]any) {
			for i := 0; i < len(kv); i += 2 {
				if kv[i+1] == nil {
					delete(c, kv[i].(string))
				} else {
					c[kv[i].(string)] = kv[i+1]
				}
			}
		}
	}
	hdr := func(k string, v any) func(h, c map[string]any) {
		return func(h, _ map[string]any) {
			if v == nil {
				delete(h, k)
			} else {
				h[k] = v
			}
		}
	}
	raw := func(header, payload string) func(testing.TB, *pkFixture) string {
		return func(t testing.TB, f *pkFixture) string { return signJWT(t, f.ecKey, header, payload) }
	}
	validPayload := func() string { return mustJSON(t, f.claims("pk-inline")) }
	cases := []pkCase{
		{name: "valid ES256 inline jwks"},
		{name: "valid RS256 inline jwks", rsa: true},
		{name: "valid ES256 jwks_uri", client: "pk-uri"},
		{name: "client_id form parameter equal to iss", form: url.Values{"client_id": {"pk-inline"}}},
		{name: "client_id form parameter differing from iss", form: url.Values{"client_id": {"pk-uri"}}, want: rSubject},
		{name: "iss differs from sub", edit: set("sub", "pk-uri"), want: rSubject},
		{name: "iss missing", edit: set("iss", nil), want: rSubject},
		{name: "aud is the token endpoint URL", edit: set("aud", testTokenEndpoint), want: rClaims},
		{name: "aud array of our issuer alone", edit: set("aud", []string{testIssuer})},
		{name: "aud array of two", edit: set("aud", []string{testIssuer, testTokenEndpoint}), want: rClaims},
		{name: "aud with trailing slash", edit: set("aud", testIssuer+"/"), want: rClaims},
		{name: "aud missing", edit: set("aud", nil), want: rClaims},
		{name: "exp missing", edit: set("exp", nil), want: rClaims},
		{name: "exp as a string", edit: set("exp", "2000000000"), want: rClaims},
		{name: "exp 5 minutes ahead", edit: set("exp", now.Add(5*time.Minute).Unix())},
		{name: "exp more than 5 minutes ahead", edit: set("exp", now.Add(6*time.Minute).Unix()), want: rClaims},
		{name: "expired", edit: set("exp", now.Add(-time.Minute).Unix()), want: rClaims},
		{name: "iat in the future", edit: set("iat", now.Add(2*time.Minute).Unix()), want: rClaims},
		{name: "iat within the skew", edit: set("iat", now.Add(10*time.Second).Unix())},
		{name: "nbf in the future", edit: set("nbf", now.Add(2*time.Minute).Unix()), want: rClaims},
		{name: "jti missing", edit: set("jti", nil), want: rClaims},
		{name: "jti not a string", edit: set("jti", 42), want: rClaims},
		{name: "jti too long", edit: set("jti", strings.Repeat("j", 257)), want: rClaims},
		{name: "typ absent", edit: hdr("typ", nil)},
		{name: "typ JWT", edit: hdr("typ", "JWT")},
		{name: "typ client-authentication+jwt", edit: hdr("typ", "client-authentication+jwt")},
		{name: "typ application/client-authentication+jwt", edit: hdr("typ", "application/client-authentication+jwt")},
		{name: "typ oauth-id-jag+jwt", edit: hdr("typ", "oauth-id-jag+jwt"), want: rHeader},
		{name: "typ at+jwt", edit: hdr("typ", "at+jwt"), want: rHeader},
		{name: "typ application/at+jwt", edit: hdr("typ", "application/at+jwt"), want: rHeader},
		{name: "typ dpop+jwt", edit: hdr("typ", "dpop+jwt"), want: rHeader},
		{name: "typ not a string", edit: hdr("typ", 1), want: rHeader},
		{name: "typ repeated, at+jwt hidden behind JWT (JWT-11)",
			raw: func(t testing.TB, f *pkFixture) string {
				return signJWT(t, f.ecKey, `{"alg":"ES256","kid":"ec-1","typ":"at+jwt","typ":"JWT"}`, validPayload())
			}, want: "*"},
		{name: "jwk header", edit: hdr("jwk", publicJWK(t, f.ecKey, "ec-1")), want: rHeader},
		{name: "jku header", edit: hdr("jku", f.jwks.uri()), want: rHeader},
		{name: "x5u header", edit: hdr("x5u", f.jwks.uri()), want: rHeader},
		{name: "x5c header", edit: hdr("x5c", []string{selfSignedCert(t, f)}), want: rHeader},
		{name: "crit header", edit: hdr("crit", []string{"exp"}), want: rHeader},
		{name: "alg none", raw: func(t testing.TB, f *pkFixture) string {
			return signJWT(t, nil, `{"alg":"none","kid":"ec-1"}`, validPayload())
		}, want: rMalformed},
		{name: "alg HS256", raw: func(t testing.TB, f *pkFixture) string {
			return signJWT(t, []byte(strings.Repeat("k", 32)), `{"alg":"HS256","kid":"ec-1"}`, validPayload())
		}, want: rMalformed},
		{name: "alg RS256 naming an EC key", raw: raw(`{"alg":"RS256","kid":"ec-1"}`, validPayload()), want: rKey},
		{name: "kid unknown (inline jwks: no refetch)", edit: hdr("kid", "ec-404"), want: rKey},
		{name: "signed by another key under a registered kid", raw: func(t testing.TB, f *pkFixture) string {
			return f.assertion(t, newECKey(t), "ec-1", f.claims("pk-inline"))
		}, want: rSignature},
		{name: "payload edited after signing", raw: func(t testing.TB, f *pkFixture) string {
			tok := f.assertion(t, f.ecKey, "ec-1", f.claims("pk-inline"))
			parts := strings.Split(tok, ".")
			c := f.claims("pk-inline")
			c["exp"] = f.clk.Now().Add(4 * time.Minute).Unix()
			return parts[0] + "." + b64(mustJSON(t, c)) + "." + parts[2]
		}, want: rSignature},
		{name: "duplicate claim", raw: func(t testing.TB, f *pkFixture) string {
			p := validPayload()
			return signJWT(t, f.ecKey, `{"alg":"ES256","kid":"ec-1"}`, `{"iss":"pk-uri",`+p[1:])
		}, want: rMalformed},
		{name: "two segments", raw: func(testing.TB, *pkFixture) string { return "a.b" }, want: rMalformed},
		{name: "too large", raw: func(testing.TB, *pkFixture) string { return strings.Repeat("a", 9000) + ".b.c" }, want: rMalformed},
		{name: "wrong client_assertion_type", form: url.Values{"client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:saml2-bearer"}},
			want: "bad_client_assertion_type"},
		{name: "unknown client", client: "nobody", want: rUnknown},
		{name: "secret client presenting a client assertion", client: "secret-client", want: rUnknown},
		{name: "disabled client", client: "pk-disabled", want: "client_disabled"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f.runPKCase(t, tc)
		})
	}
}

func (f *pkFixture) runPKCase(t *testing.T, tc pkCase) {
	client := tc.client
	if client == "" {
		client = "pk-inline"
	}
	var tok string
	if tc.raw != nil {
		tok = tc.raw(t, f)
	} else {
		var key any = f.ecKey
		h := map[string]any{"alg": "ES256", "kid": "ec-1"}
		switch {
		case tc.rsa:
			key, h = f.rsaKey, map[string]any{"alg": "RS256", "kid": "rsa-1"}
		case client == "pk-uri":
			key, h["kid"] = f.uriKey, "uri-1"
		}
		c := f.claims(client)
		if tc.edit != nil {
			tc.edit(h, c)
		}
		tok = signJWT(t, key, mustJSON(t, h), mustJSON(t, c))
	}
	switch tc.want {
	case "":
		got, _, err := f.authenticate(t, tok, tc.form)
		if err != nil {
			t.Fatalf("Authenticate: %v", err)
		}
		if got.Client.ID != client {
			t.Fatalf("authenticated %q, want %q", got.Client.ID, client)
		}
	case "*":
		f.mustFail(t, tok, tc.form, "")
	default:
		f.mustFail(t, tok, tc.form, tc.want)
	}
}

// selfSignedCert is a valid DER certificate for the fixture's EC key, in
// the base64 (not base64url) form x5c uses.
func selfSignedCert(t testing.TB, f *pkFixture) string {
	t.Helper()
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "pk-inline"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &f.ecKey.PublicKey, f.ecKey)
	if err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(der)
}

func TestCAUTH05_JTISingleUse(t *testing.T) {
	f := newPKFixture(t, false)
	c := f.claims("pk-inline")
	tok := f.assertion(t, f.ecKey, "ec-1", c)
	f.mustAuthenticate(t, tok, "pk-inline")
	f.mustFail(t, tok, nil, "client_assertion_replay")

	// A rejected assertion does not consume its jti: the checks run
	// before the replay gate.
	c2 := f.claims("pk-inline")
	c2["aud"] = testTokenEndpoint
	f.mustFail(t, f.assertion(t, f.ecKey, "ec-1", c2), nil, rClaims)
	c2["aud"] = testIssuer
	f.mustAuthenticate(t, f.assertion(t, f.ecKey, "ec-1", c2), "pk-inline")

	// jtis are per client: another client may use the same value.
	c3 := f.claims("pk-uri")
	c3["jti"] = c["jti"]
	f.mustAuthenticate(t, f.assertion(t, f.uriKey, "uri-1", c3), "pk-uri")
}

func TestCAUTH05_JTIRaceHasOneWinner(t *testing.T) {
	f := newPKFixture(t, false)
	tok := f.assertion(t, f.ecKey, "ec-1", f.claims("pk-inline"))
	const n = 8
	errs := make(chan error, n)
	for range n {
		go func() {
			_, _, err := f.authenticate(t, tok, nil)
			errs <- err
		}()
	}
	wins := 0
	for range n {
		if err := <-errs; err == nil {
			wins++
		} else {
			wantOAuthError(t, err, "invalid_client", 401, "client_assertion_replay")
		}
	}
	if wins != 1 {
		t.Fatalf("%d of %d concurrent uses succeeded, want exactly 1", wins, n)
	}
}

// Keys are registered per client: another client's key never verifies.
func TestJWT06_KeyOfAnotherClientRejected(t *testing.T) {
	f := newPKFixture(t, false)
	f.mustFail(t, f.assertion(t, f.uriKey, "uri-1", f.claims("pk-inline")), nil, rKey)
	f.mustFail(t, f.assertion(t, f.ecKey, "uri-1", f.claims("pk-inline")), nil, rKey)
	if n := f.jwks.fetches.Load(); n != 0 {
		t.Fatalf("%d fetches of pk-uri's jwks_uri for pk-inline's assertions", n)
	}
}

// Inline keys follow the registry: an update of the client (new UpdatedAt)
// replaces the cached key set (CAUTH-07).
func TestCAUTH07_InlineKeyRotation(t *testing.T) {
	f := newPKFixture(t, false)
	f.mustAuthenticate(t, f.assertion(t, f.ecKey, "ec-1", f.claims("pk-inline")), "pk-inline")
	next := newECKey(t)
	c := f.snaps.Current().Clients["pk-inline"]
	c.JWKS = []byte(mustJSON(t, jose.JSONWebKeySet{Keys: []jose.JSONWebKey{publicJWK(t, next, "ec-2")}}))
	c.UpdatedAt = c.UpdatedAt.Add(time.Second)
	f.setClient(c)
	f.mustAuthenticate(t, f.assertion(t, next, "ec-2", f.claims("pk-inline")), "pk-inline")
	f.mustFail(t, f.assertion(t, f.ecKey, "ec-1", f.claims("pk-inline")), nil, rKey)
}
