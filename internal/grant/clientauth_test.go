package grant

import (
	"context"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/authplane/authplane/internal/catalog"
	"github.com/authplane/authplane/internal/oauth"
	"github.com/authplane/authplane/internal/storage"
)

// Secrets of the shared-secret clients below. specialID and specialSecret
// need form-urlencoding before Base64 (CAUTH-02): a colon, a literal "%20",
// a plus, a space and non-ASCII characters.
const (
	basicSecret   = "s3cret-basic"
	postSecret    = "s3cret-post"
	specialID     = "a:b%20c"
	specialSecret = "sécret:ü+ /%é"
)

// secretClients registers one client per shared-secret situation.
func secretClients(t testing.TB) []storage.Client {
	h := newHasher(t)
	return []storage.Client{
		{ID: "basic-client", AuthMethod: storage.AuthClientSecretBasic, SecretHash: h.Hash(basicSecret), Enabled: true},
		{ID: specialID, AuthMethod: storage.AuthClientSecretBasic, SecretHash: h.Hash(specialSecret), Enabled: true},
		{ID: "日本-client", AuthMethod: storage.AuthClientSecretBasic, SecretHash: h.Hash(specialSecret), Enabled: true},
		{ID: "post-client", AuthMethod: storage.AuthClientSecretPost, SecretHash: h.Hash(postSecret), Enabled: true},
		{ID: "disabled-client", AuthMethod: storage.AuthClientSecretBasic, SecretHash: h.Hash(basicSecret), Enabled: false},
		{ID: "pk-client", AuthMethod: storage.AuthPrivateKeyJWT, JWKS: []byte(`{"keys":[]}`), Enabled: true},
	}
}

func newSecretAuth(t testing.TB) *ClientAuth {
	clk := newClock()
	snap := catalog.NewSnapshot(1, secretClients(t), nil, nil, nil, nil, nil)
	return &ClientAuth{
		Issuer: testIssuer, Catalog: newSnapshots(snap), Secrets: newHasher(t),
		Keys: &ClientKeys{Now: clk.Now}, Replay: openStore(t), Now: clk.Now,
	}
}

// authCase is one Authenticate call: the form, an optional raw
// Authorization header, and the expected outcome. wantCode "" means
// success as wantClient with wantMethod.
type authCase struct {
	name       string
	form       url.Values
	authz      string
	wantClient string
	wantMethod string
	wantCode   string
	wantStatus int
	wantReason string
	// wantBasic: a 401 must carry a Basic WWW-Authenticate challenge (TEP-03);
	// false: it must carry none.
	wantBasic   bool
	wantClaimed string
}

func b64std(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

func basicOf(id, sec string) string {
	return basicHeader(url.QueryEscape(id), url.QueryEscape(sec))
}

func runAuthCases(t *testing.T, a *ClientAuth, cases []authCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := postForm("/oauth/token", tc.form, "", "")
			if tc.authz != "" {
				r.Header.Set("Authorization", tc.authz)
			}
			got, claimed, err := a.Authenticate(context.Background(), r, formOf(t, tc.form))
			if claimed != tc.wantClaimed {
				t.Errorf("claimed client = %q, want %q", claimed, tc.wantClaimed)
			}
			if tc.wantCode == "" {
				if err != nil {
					t.Fatalf("Authenticate: %v", err)
				}
				if got.Client.ID != tc.wantClient || got.Method != tc.wantMethod {
					t.Fatalf("authenticated %q by %q, want %q by %q", got.Client.ID, got.Method, tc.wantClient, tc.wantMethod)
				}
				return
			}
			oe := wantOAuthError(t, err, tc.wantCode, tc.wantStatus, tc.wantReason)
			if hasBasic := strings.HasPrefix(oe.Challenge, "Basic "); hasBasic != tc.wantBasic {
				t.Errorf("challenge = %q, want Basic challenge: %v", oe.Challenge, tc.wantBasic)
			}
			if got.Client.ID != "" {
				t.Errorf("failed authentication returned client %q", got.Client.ID)
			}
		})
	}
}

func TestCAUTH02_ClientSecretBasic(t *testing.T) {
	a := newSecretAuth(t)
	tok := url.Values{"grant_type": {"x"}}
	with := func(k, v string) url.Values { return url.Values{"grant_type": {"x"}, k: {v}} }
	const ic, s401 = oauth.CodeInvalidClient, http.StatusUnauthorized
	runAuthCases(t, a, []authCase{
		{name: "right secret", form: tok, authz: basicOf("basic-client", basicSecret),
			wantClient: "basic-client", wantMethod: storage.AuthClientSecretBasic, wantClaimed: "basic-client"},
		{name: "scheme is case-insensitive", form: tok, authz: "bAsIc " + strings.TrimPrefix(basicOf("basic-client", basicSecret), "Basic "),
			wantClient: "basic-client", wantMethod: storage.AuthClientSecretBasic, wantClaimed: "basic-client"},
		{name: "wrong secret", form: tok, authz: basicOf("basic-client", "nope"),
			wantCode: ic, wantStatus: s401, wantReason: "bad_secret", wantBasic: true, wantClaimed: "basic-client"},
		{name: "form-urlencoded id and secret with colon, %20, plus, space, unicode", form: tok, authz: basicOf(specialID, specialSecret),
			wantClient: specialID, wantMethod: storage.AuthClientSecretBasic, wantClaimed: specialID},
		{name: "unicode client id", form: tok, authz: basicOf("日本-client", specialSecret),
			wantClient: "日本-client", wantMethod: storage.AuthClientSecretBasic, wantClaimed: "日本-client"},
		{name: "colon in id not encoded splits at the first colon", form: tok, authz: basicHeader(specialID, url.QueryEscape(specialSecret)),
			wantCode: ic, wantStatus: s401, wantReason: "unknown_client", wantBasic: true, wantClaimed: "a"},
		{name: "secret decoded: its raw encoding is not the secret", form: tok, authz: basicHeader("basic-client", url.QueryEscape(url.QueryEscape(basicSecret+" "))),
			wantCode: ic, wantStatus: s401, wantReason: "bad_secret", wantBasic: true, wantClaimed: "basic-client"},
		{name: "malformed base64", form: tok, authz: "Basic !!not-base64!!",
			wantCode: ic, wantStatus: s401, wantReason: "malformed_basic", wantBasic: true},
		{name: "no colon", form: tok, authz: "Basic " + b64std("basic-client"),
			wantCode: ic, wantStatus: s401, wantReason: "malformed_basic", wantBasic: true},
		{name: "bad percent encoding", form: tok, authz: basicHeader("basic%zz", "x"),
			wantCode: ic, wantStatus: s401, wantReason: "malformed_basic", wantBasic: true},
		{name: "empty client id", form: tok, authz: basicHeader("", "x"),
			wantCode: ic, wantStatus: s401, wantReason: "malformed_basic", wantBasic: true},
		{name: "scheme other than Basic", form: tok, authz: "Bearer abc",
			wantCode: ic, wantStatus: s401, wantReason: "unsupported_auth_scheme", wantBasic: true},
		{name: "body client_id equal to Basic id", form: with("client_id", "basic-client"), authz: basicOf("basic-client", basicSecret),
			wantClient: "basic-client", wantMethod: storage.AuthClientSecretBasic, wantClaimed: "basic-client"},
		{name: "body client_id differs from Basic id", form: with("client_id", "post-client"), authz: basicOf("basic-client", basicSecret),
			wantCode: ic, wantStatus: s401, wantReason: "client_id_mismatch", wantBasic: true, wantClaimed: "basic-client"},
		{name: "disabled client", form: tok, authz: basicOf("disabled-client", basicSecret),
			wantCode: ic, wantStatus: s401, wantReason: "client_disabled", wantBasic: true, wantClaimed: "disabled-client"},
		{name: "client_secret_post client using Basic", form: tok, authz: basicOf("post-client", postSecret),
			wantCode: ic, wantStatus: s401, wantReason: "auth_method_mismatch", wantBasic: true, wantClaimed: "post-client"},
		{name: "private_key_jwt client using Basic", form: tok, authz: basicOf("pk-client", ""),
			wantCode: ic, wantStatus: s401, wantBasic: true, wantClaimed: "pk-client"},
		{name: "unknown client", form: tok, authz: basicOf("nobody", basicSecret),
			wantCode: ic, wantStatus: s401, wantReason: "unknown_client", wantBasic: true, wantClaimed: "nobody"},
	})
}

func TestCAUTH03_ClientSecretPost(t *testing.T) {
	a := newSecretAuth(t)
	post := func(id, sec string) url.Values {
		v := url.Values{"grant_type": {"x"}, "client_secret": {sec}}
		if id != "" {
			v.Set("client_id", id)
		}
		return v
	}
	const ic, s401 = oauth.CodeInvalidClient, http.StatusUnauthorized
	runAuthCases(t, a, []authCase{
		{name: "right secret", form: post("post-client", postSecret),
			wantClient: "post-client", wantMethod: storage.AuthClientSecretPost, wantClaimed: "post-client"},
		{name: "wrong secret", form: post("post-client", basicSecret),
			wantCode: ic, wantStatus: s401, wantReason: "bad_secret", wantClaimed: "post-client"},
		{name: "missing client_id", form: post("", postSecret),
			wantCode: ic, wantStatus: s401, wantReason: "no_client_id"},
		{name: "client_secret_basic client using post", form: post("basic-client", basicSecret),
			wantCode: ic, wantStatus: s401, wantReason: "auth_method_mismatch", wantClaimed: "basic-client"},
		{name: "unknown client", form: post("nobody", postSecret),
			wantCode: ic, wantStatus: s401, wantReason: "unknown_client", wantClaimed: "nobody"},
	})
}

func TestCAUTH01_ExactlyOneMechanism(t *testing.T) {
	a := newSecretAuth(t)
	form := func(kv ...string) url.Values {
		v := url.Values{"grant_type": {"x"}}
		for i := 0; i < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return v
	}
	basic := basicOf("basic-client", basicSecret)
	const ir, s400 = oauth.CodeInvalidRequest, http.StatusBadRequest
	runAuthCases(t, a, []authCase{
		{name: "Basic and client_secret", form: form("client_secret", basicSecret), authz: basic,
			wantCode: ir, wantStatus: s400, wantReason: "multiple_client_auth"},
		{name: "Basic and client_assertion", form: form("client_assertion", "a.b.c", "client_assertion_type", oauth.ClientAssertionJWTBearer), authz: basic,
			wantCode: ir, wantStatus: s400, wantReason: "multiple_client_auth"},
		{name: "Basic and client_assertion_type alone", form: form("client_assertion_type", oauth.ClientAssertionJWTBearer), authz: basic,
			wantCode: ir, wantStatus: s400, wantReason: "multiple_client_auth"},
		{name: "client_secret and client_assertion", form: form("client_id", "post-client", "client_secret", postSecret, "client_assertion", "a.b.c",
			"client_assertion_type", oauth.ClientAssertionJWTBearer),
			wantCode: ir, wantStatus: s400, wantReason: "multiple_client_auth", wantClaimed: "post-client"},
		{name: "none", form: form("client_id", "post-client"),
			wantCode: oauth.CodeInvalidClient, wantStatus: http.StatusUnauthorized, wantReason: "no_client_auth", wantClaimed: "post-client"},
		{name: "empty client_secret is absent (TEP-01), so none", form: form("client_id", "post-client", "client_secret", ""),
			wantCode: oauth.CodeInvalidClient, wantStatus: http.StatusUnauthorized, wantReason: "no_client_auth", wantClaimed: "post-client"},
	})
}
