package grant

import (
	"context"
	"log/slog"
	"net/url"
	"testing"
	"time"

	"github.com/authplane/authplane/internal/catalog"
	"github.com/authplane/authplane/internal/oauth"
	"github.com/authplane/authplane/internal/storage"
	"github.com/authplane/authplane/internal/storage/sqlite"
	"github.com/authplane/authplane/internal/token"
)

// revokeFixture serves revocation and introspection from a real catalog
// over a SQLite store holding the tokenFixture's records.
type revokeFixture struct {
	*tokenFixture
	store     *sqlite.Store
	cat       *catalog.Catalog
	refreshes int
	revoke    *Revocation
}

func newRevokeFixture(t *testing.T) *revokeFixture {
	t.Helper()
	f := &revokeFixture{tokenFixture: newTokenFixture(t), store: openStore(t)}
	ctx := context.Background()
	for _, c := range f.clients(t) {
		if err := f.store.CreateClient(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	for _, r := range f.resources() {
		if err := f.store.CreateResource(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	for _, i := range f.idps() {
		if err := f.store.CreateIdP(ctx, i); err != nil {
			t.Fatal(err)
		}
	}
	f.cat = catalog.New(f.store, catalog.Options{Now: f.clk.Now})
	if err := f.cat.Load(ctx); err != nil {
		t.Fatal(err)
	}
	f.auth.Catalog, f.catalog = f.cat, f.cat
	f.revoke = &Revocation{
		Auth: f.auth, Verifier: f.verifier, Store: f.store, Log: slog.New(slog.DiscardHandler), Now: f.clk.Now,
		Refresh: func(ctx context.Context) error { f.refreshes++; return f.cat.Refresh(ctx) },
	}
	return f
}

// revocations lists the store's unexpired revocations.
func (f *revokeFixture) revocations(t *testing.T) []storage.Revocation {
	t.Helper()
	revs, err := f.store.ListRevocations(context.Background(), f.clk.Now())
	if err != nil {
		t.Fatal(err)
	}
	return revs
}

func (f *revokeFixture) revokedEvents(t *testing.T) []storage.AuditEvent {
	t.Helper()
	evs, err := f.store.ListAudit(context.Background(), storage.AuditFilter{Type: EventRevoked}, storage.Page{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

func TestREV01_OwnTokenRevoked(t *testing.T) {
	f := newRevokeFixture(t)
	raw, c := f.mint(t, f.claims())
	rec := call(f.revoke, "agent", url.Values{"token": {raw}, "token_type_hint": {"refresh_token"}})
	wantNoStore(t, rec)
	if rec.Code != 200 || len(decodeBody(t, rec)) != 0 {
		t.Fatalf("got %d %s, want 200 {}", rec.Code, rec.Body)
	}
	revs := f.revocations(t)
	if len(revs) != 1 || revs[0].Kind != storage.RevokeToken || revs[0].Value != c.JTI || !revs[0].At.Equal(f.clk.Now()) ||
		!revs[0].ExpiresAt.After(time.Unix(c.Expiry, 0)) {
		t.Fatalf("revocations %+v, want one of jti %s", revs, c.JTI)
	}
	evs := f.revokedEvents(t)
	if len(evs) != 1 {
		t.Fatalf("%d token.revoked events, want 1", len(evs))
	}
	ev := evs[0]
	if ev.Outcome != OutcomeSuccess || ev.ClientID != "agent" || ev.TokenJTI != c.JTI || ev.Subject != c.Subject ||
		ev.Resource != filesURI || ev.IdPID != "idp-1" {
		t.Fatalf("audit event %+v", ev)
	}
	if f.refreshes != 1 {
		t.Fatalf("catalog refreshed %d times, want 1", f.refreshes)
	}
	// The instance sees the revocation at once: introspection says inactive.
	wantInactive(t, call(f.introspection(), filesID, url.Values{"token": {raw}}))
	// Revoking it again is still 200 (REV-03).
	if rec := call(f.revoke, "agent", url.Values{"token": {raw}}); rec.Code != 200 {
		t.Fatalf("second revocation: %d %s", rec.Code, rec.Body)
	}
}

func TestREV02_OtherClientsTokenNotRevoked(t *testing.T) {
	f := newRevokeFixture(t)
	raw, c := f.mint(t, f.claims())
	for _, caller := range []string{"agent2", filesID} {
		rec := call(f.revoke, caller, url.Values{"token": {raw}})
		wantNoStore(t, rec)
		if b := decodeBody(t, rec); rec.Code != 400 || b["error"] != oauth.CodeInvalidRequest {
			t.Fatalf("%s: got %d %s, want 400 invalid_request", caller, rec.Code, rec.Body)
		}
	}
	if revs := f.revocations(t); len(revs) != 0 {
		t.Fatalf("revocations %+v after refused requests", revs)
	}
	if evs := f.revokedEvents(t); len(evs) != 0 {
		t.Fatalf("token.revoked events %+v after refused requests", evs)
	}
	wantActive(t, call(f.introspection(), "agent", url.Values{"token": {raw}}), c)
}

func TestREV03_InvalidTokensAnswered200(t *testing.T) {
	f := newRevokeFixture(t)
	now := f.clk.Now()
	expiredClaims := f.claims()
	expiredClaims.IssuedAt, expiredClaims.Expiry = now.Add(-10*time.Minute).Unix(), now.Add(-time.Minute).Unix()
	expired, _ := f.mint(t, expiredClaims)
	other := &token.Minter{Issuer: "https://elsewhere.example.com", Keys: f.keys, Now: f.clk.Now}
	foreign, err := other.Mint(f.claims())
	if err != nil {
		t.Fatal(err)
	}
	for name, tok := range map[string]string{
		"garbage": "garbage", "three dots": "a.b.c", "expired own token": expired,
		"token of another issuer": foreign, "ID-JAG": f.idJAG(t, f.claims()),
	} {
		t.Run(name, func(t *testing.T) {
			rec := call(f.revoke, "agent", url.Values{"token": {tok}})
			wantNoStore(t, rec)
			if rec.Code != 200 || len(decodeBody(t, rec)) != 0 {
				t.Fatalf("got %d %s, want 200 {}", rec.Code, rec.Body)
			}
		})
	}
	if revs := f.revocations(t); len(revs) != 0 {
		t.Fatalf("revocations %+v for invalid tokens", revs)
	}
}

func TestREV04_RevocationRequestErrors(t *testing.T) {
	f := newRevokeFixture(t)
	raw, _ := f.mint(t, f.claims())
	cases := []struct {
		name, caller string
		form         url.Values
		status       int
		code         string
	}{
		{"unauthenticated", "", url.Values{"token": {raw}, "client_id": {"agent"}}, 401, oauth.CodeInvalidClient},
		{"unsupported token_type_hint", "agent", url.Values{"token": {raw}, "token_type_hint": {"id_token"}}, 400, oauth.CodeUnsupportedTokenType},
		{"missing token", "agent", url.Values{"token_type_hint": {"access_token"}}, 400, oauth.CodeInvalidRequest},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec := call(f.revoke, tc.caller, tc.form)
			wantNoStore(t, rec)
			if b := decodeBody(t, rec); rec.Code != tc.status || b["error"] != tc.code {
				t.Fatalf("got %d %s, want %d %s", rec.Code, rec.Body, tc.status, tc.code)
			}
		})
	}
	if revs := f.revocations(t); len(revs) != 0 {
		t.Fatalf("revocations %+v after refused requests", revs)
	}
}
