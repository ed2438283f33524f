package grant

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/authplane/authplane/internal/catalog"
	"github.com/authplane/authplane/internal/keys"
	"github.com/authplane/authplane/internal/keys/keystest"
	"github.com/authplane/authplane/internal/oauth"
	"github.com/authplane/authplane/internal/secret"
	"github.com/authplane/authplane/internal/storage"
	"github.com/authplane/authplane/internal/token"
)

// The resource the tokens are for; its resource server introspects as the
// client whose id equals the resource id (INT-04 (P)).
const (
	filesID  = "mcp-files"
	filesURI = "https://mcp.example.com/files"
	otherID  = "mcp-other"
	rsSecret = "rs-secret"
)

// tokenFixture mints and verifies our access tokens with a real keys.Manager
// and serves a catalog snapshot of: clients agent, agent2 and the resource
// servers mcp-files and mcp-other (all client_secret_basic, secret
// rsSecret); resources mcp-files and mcp-other; IdPs idp-1 and idp-2.
type tokenFixture struct {
	clk      *fakeClock
	keys     *keys.Manager
	minter   *token.Minter
	verifier *token.Verifier
	snaps    *snapshots
	// catalog is what the handlers read: snaps unless a test replaces it.
	catalog Snapshots
	auth    *ClientAuth
	audit   *denials
}

func newTokenFixture(t testing.TB) *tokenFixture {
	t.Helper()
	f := &tokenFixture{clk: newClock(), audit: &denials{}}
	mgr, err := keys.NewManager(context.Background(), &keystest.MemStore{}, bytes.Repeat([]byte{7}, keys.KEKSize), keys.Options{Now: f.clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	f.keys = mgr
	f.minter = &token.Minter{Issuer: testIssuer, Keys: mgr, Now: f.clk.Now}
	f.verifier = &token.Verifier{Issuer: testIssuer, Keys: mgr.PublicKeys, Now: f.clk.Now, Leeway: 30 * time.Second}
	f.snaps = newSnapshots(catalog.NewSnapshot(1, f.clients(t), f.resources(), f.idps(), nil, nil, nil))
	f.catalog = f.snaps
	f.auth = &ClientAuth{Issuer: testIssuer, Catalog: f.snaps, Secrets: newHasher(t), Keys: &ClientKeys{Now: f.clk.Now}, Now: f.clk.Now}
	return f
}

func (f *tokenFixture) clients(t testing.TB) []storage.Client {
	h := newHasher(t)
	var out []storage.Client
	for _, id := range []string{"agent", "agent2", filesID, otherID} {
		out = append(out, storage.Client{ID: id, AuthMethod: storage.AuthClientSecretBasic, SecretHash: h.Hash(rsSecret), Enabled: true})
	}
	return out
}

func (f *tokenFixture) resources() []storage.Resource {
	return []storage.Resource{
		{ID: filesID, URI: filesURI, Scopes: []string{"read"}, Enabled: true},
		{ID: otherID, URI: "https://mcp.example.com/other", Enabled: true},
	}
}

func (f *tokenFixture) idps() []storage.IdP {
	return []storage.IdP{{ID: "idp-1", Issuer: "https://idp.example.com", Enabled: true}, {ID: "idp-2", Issuer: "https://idp2.example.com", Enabled: true}}
}

// claims are those of a token issued now to agent for mcp-files.
func (f *tokenFixture) claims() token.Claims {
	now := f.clk.Now()
	return token.Claims{
		Subject: "idp-1|alice", Audience: filesURI, ClientID: "agent", Scope: "read",
		IssuedAt: now.Unix(), Expiry: now.Add(5 * time.Minute).Unix(), IdPID: "idp-1", IdPIssuer: "https://idp.example.com",
	}
}

// mint signs c, filling jti, iss and nbf as Mint would, and returns the
// token with its claims.
func (f *tokenFixture) mint(t testing.TB, c token.Claims) (string, token.Claims) {
	t.Helper()
	if c.JTI == "" {
		c.JTI = secret.ID()
	}
	c.Issuer, c.NotBefore = testIssuer, c.IssuedAt
	raw, err := f.minter.Mint(c)
	if err != nil {
		t.Fatal(err)
	}
	return raw, c
}

// idJAG signs claims with our own current signing key under typ
// oauth-id-jag+jwt: only the type tells it from an access token.
func (f *tokenFixture) idJAG(t testing.TB, c token.Claims) string {
	t.Helper()
	kid, signer := f.keys.Signer()
	key, ok := signer.(*ecdsa.PrivateKey)
	if !ok {
		t.Fatalf("signer is %T", signer)
	}
	c.Issuer, c.JTI, c.NotBefore = testIssuer, "jag-1", c.IssuedAt
	hdr := mustJSON(t, map[string]string{"alg": "ES256", "kid": kid, "typ": oauth.TypIDJAG})
	return signJWT(t, key, hdr, mustJSON(t, c))
}

func (f *tokenFixture) introspection() *Introspection {
	return &Introspection{Auth: f.auth, Catalog: f.catalog, Verifier: f.verifier, Audit: f.audit,
		Log: slog.New(slog.DiscardHandler), Now: f.clk.Now}
}

// call posts form to h as caller (Basic, secret rsSecret; "" = no
// authentication).
func call(h http.Handler, caller string, form url.Values) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, postForm("/oauth/x", form, caller, rsSecret))
	return rec
}

// wantInactive checks a 200 whose body is exactly {"active":false}
// (INT-04).
func wantInactive(t testing.TB, rec *httptest.ResponseRecorder) {
	t.Helper()
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d, body %s", rec.Code, rec.Body)
	}
	body := decodeBody(t, rec)
	if len(body) != 1 || body["active"] != false {
		t.Fatalf("body = %s, want only {\"active\":false}", rec.Body)
	}
}

func wantNoStore(t testing.TB, rec *httptest.ResponseRecorder) {
	t.Helper()
	if rec.Header().Get("Cache-Control") != "no-store" || rec.Header().Get("Content-Type") != "application/json" {
		t.Fatalf("headers %v lack no-store JSON (INT-05, TEP-04)", rec.Header())
	}
}

// wantActive checks an active response describing c.
func wantActive(t testing.TB, rec *httptest.ResponseRecorder, c token.Claims) {
	t.Helper()
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d, body %s", rec.Code, rec.Body)
	}
	b := decodeBody(t, rec)
	want := map[string]any{
		"active": true, "scope": c.Scope, "client_id": c.ClientID, "token_type": "Bearer", "sub": c.Subject,
		"aud": c.Audience, "iss": testIssuer, "jti": c.JTI,
		"exp": float64(c.Expiry), "iat": float64(c.IssuedAt), "nbf": float64(c.NotBefore),
	}
	for k, v := range want {
		if b[k] != v {
			t.Errorf("%s = %v, want %v", k, b[k], v)
		}
	}
	if len(b) != len(want) {
		t.Errorf("body %s has members beyond %v", rec.Body, want)
	}
}

// snapInputs are the records a test snapshot is built from.
type snapInputs struct {
	clients   []storage.Client
	resources []storage.Resource
	idps      []storage.IdP
	revs      []storage.Revocation
}

// withSnapshot installs the base records edited by edit.
func (f *tokenFixture) withSnapshot(t testing.TB, edit func(*snapInputs)) {
	in := snapInputs{clients: f.clients(t), resources: f.resources(), idps: f.idps()}
	if edit != nil {
		edit(&in)
	}
	f.snaps.p.Store(catalog.NewSnapshot(2, in.clients, in.resources, in.idps, nil, nil, in.revs))
}

func revoke(kind, value string, at time.Time) func(*snapInputs) {
	return func(in *snapInputs) {
		in.revs = append(in.revs, storage.Revocation{Kind: kind, Value: value, At: at, ExpiresAt: at.Add(time.Hour)})
	}
}

func TestINT04_IntrospectionVisibilityAndState(t *testing.T) {
	f := newTokenFixture(t)
	h := f.introspection()
	now := f.clk.Now()
	raw, c := f.mint(t, f.claims())
	other := &token.Minter{Issuer: "https://elsewhere.example.com", Keys: f.keys, Now: f.clk.Now}
	foreign, err := other.Mint(f.claims())
	if err != nil {
		t.Fatal(err)
	}
	expiredClaims := f.claims()
	expiredClaims.IssuedAt, expiredClaims.Expiry = now.Add(-10*time.Minute).Unix(), now.Add(-time.Minute).Unix()
	expired, _ := f.mint(t, expiredClaims)
	// Expired 10 s ago: within the verifier's 30 s leeway for resource
	// servers' clocks, but this server's own clock is authoritative.
	expiredClaims.Expiry = now.Add(-10 * time.Second).Unix()
	justExpired, _ := f.mint(t, expiredClaims)
	iat := time.Unix(c.IssuedAt, 0)
	setClient := func(enabled, present bool) func(*snapInputs) {
		return func(in *snapInputs) {
			in.clients = in.clients[1:] // agent is first
			if present {
				in.clients = append(in.clients, storage.Client{ID: "agent", AuthMethod: storage.AuthClientSecretBasic, Enabled: enabled})
			}
		}
	}
	setIdP := func(enabled, present bool) func(*snapInputs) {
		return func(in *snapInputs) {
			in.idps = in.idps[1:] // idp-1 is first
			if present {
				in.idps = append(in.idps, storage.IdP{ID: "idp-1", Enabled: enabled})
			}
		}
	}
	cases := []struct {
		name, caller, token string
		edit                func(*snapInputs)
		active              bool
	}{
		{name: "own client", caller: "agent", token: raw, active: true},
		{name: "resource server of the token's audience", caller: filesID, token: raw, active: true},
		{name: "another client", caller: "agent2", token: raw},
		{name: "resource server of another resource", caller: otherID, token: raw},
		{name: "expired", caller: "agent", token: expired},
		{name: "expired within the verifier's leeway", caller: "agent", token: justExpired},
		{name: "revoked by jti", caller: "agent", token: raw, edit: revoke(storage.RevokeToken, c.JTI, now)},
		{name: "revoked by client at iat", caller: "agent", token: raw, edit: revoke(storage.RevokeClient, "agent", iat)},
		{name: "client revocation before iat", caller: "agent", token: raw, edit: revoke(storage.RevokeClient, "agent", iat.Add(-time.Second)), active: true},
		{name: "revoked by subject", caller: filesID, token: raw, edit: revoke(storage.RevokeSubject, c.Subject, now)},
		{name: "revoked by IdP", caller: filesID, token: raw, edit: revoke(storage.RevokeIdP, "idp-1", now)},
		{name: "another IdP revoked", caller: filesID, token: raw, edit: revoke(storage.RevokeIdP, "idp-2", now), active: true},
		{name: "another client revoked", caller: filesID, token: raw, edit: revoke(storage.RevokeClient, "agent2", now), active: true},
		{name: "client disabled", caller: filesID, token: raw, edit: setClient(false, true)},
		{name: "client deleted", caller: filesID, token: raw, edit: setClient(false, false)},
		{name: "IdP disabled", caller: filesID, token: raw, edit: setIdP(false, true)},
		{name: "IdP deleted", caller: filesID, token: raw, edit: setIdP(false, false)},
		{name: "garbage", caller: "agent", token: "garbage"},
		{name: "ID-JAG signed with our key", caller: "agent", token: f.idJAG(t, f.claims())},
		{name: "token of another issuer", caller: "agent", token: foreign},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f.withSnapshot(t, tc.edit)
			before := len(f.audit.events())
			rec := call(h, tc.caller, url.Values{"token": {tc.token}})
			wantNoStore(t, rec)
			if tc.active {
				wantActive(t, rec, c)
			} else {
				wantInactive(t, rec)
			}
			evs := f.audit.events()
			if len(evs) != before+1 {
				t.Fatalf("%d audit events recorded, want 1", len(evs)-before)
			}
			ev := evs[len(evs)-1]
			wantJTI, wantReason := "", "inactive"
			if tc.active {
				wantJTI, wantReason = c.JTI, ""
			}
			if ev.Type != EventIntrospected || ev.Outcome != OutcomeSuccess || ev.ClientID != tc.caller ||
				ev.TokenJTI != wantJTI || ev.Reason != wantReason || ev.ID == "" || !ev.Time.Equal(now) {
				t.Fatalf("audit event %+v", ev)
			}
		})
	}
}

func TestINT01_INT02_IntrospectionRequest(t *testing.T) {
	f := newTokenFixture(t)
	h := f.introspection()
	raw, c := f.mint(t, f.claims())
	cases := []struct {
		name, caller string
		form         url.Values
		authz        string
		status       int
		code         string
		active       bool
	}{
		{name: "hint access_token", caller: filesID, form: url.Values{"token": {raw}, "token_type_hint": {"access_token"}}, status: 200, active: true},
		{name: "wrong hint refresh_token still finds the access token", caller: filesID, form: url.Values{"token": {raw}, "token_type_hint": {"refresh_token"}}, status: 200, active: true},
		{name: "unsupported hint", caller: filesID, form: url.Values{"token": {raw}, "token_type_hint": {"id_token"}}, status: 400, code: oauth.CodeUnsupportedTokenType},
		{name: "missing token", caller: filesID, form: url.Values{"token_type_hint": {"access_token"}}, status: 400, code: oauth.CodeInvalidRequest},
		{name: "unauthenticated", form: url.Values{"token": {raw}}, status: 401, code: oauth.CodeInvalidClient},
		{name: "unauthenticated with client_id", form: url.Values{"token": {raw}, "client_id": {filesID}}, status: 401, code: oauth.CodeInvalidClient},
		{name: "wrong secret", form: url.Values{"token": {raw}}, authz: basicOf(filesID, "nope"), status: 401, code: oauth.CodeInvalidClient},
		{name: "our access token as Bearer is not client authentication", form: url.Values{"token": {raw}}, authz: "Bearer " + raw, status: 401, code: oauth.CodeInvalidClient},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := len(f.audit.events())
			r := postForm("/oauth/introspect", tc.form, tc.caller, rsSecret)
			if tc.authz != "" {
				r.Header.Set("Authorization", tc.authz)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, r)
			wantNoStore(t, rec)
			if tc.status == 200 {
				wantActive(t, rec, c)
				return
			}
			if b := decodeBody(t, rec); rec.Code != tc.status || b["error"] != tc.code {
				t.Fatalf("got %d %s, want %d %s", rec.Code, rec.Body, tc.status, tc.code)
			}
			if tc.status == 401 && tc.authz != "" && rec.Header().Get("WWW-Authenticate") == "" {
				t.Error("401 after an Authorization header without WWW-Authenticate (TEP-03)")
			}
			if n := len(f.audit.events()) - before; n != 0 {
				t.Errorf("%d introspection events for a refused request", n)
			}
		})
	}
}
