package admin

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/authplane/authplane/internal/storage"
)

func TestIdPLifecycle(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	var created IdPDTO
	e.call("POST", "/admin/v1/idps", idpObj("okta", "https://idp.example.com")).must(t, http.StatusCreated, &created)
	if created.MaxAssertionLifetime.String() != "5m" || created.ClockSkew.String() != "1m" ||
		created.SubjectMode != storage.SubjectPrefixed || created.AllowedAlgs != nil {
		t.Fatalf("defaults not applied: %+v", created)
	}
	ev := e.oneEvent(0, "admin.idp.create")
	if ev.IdPID != "okta" || ev.Issuer != "https://idp.example.com" {
		t.Fatalf("event idp=%q issuer=%q", ev.IdPID, ev.Issuer)
	}

	var got IdPDTO
	e.call("GET", "/admin/v1/idps/okta", nil).must(t, http.StatusOK, &got)
	var list ListResult[IdPDTO]
	e.call("GET", "/admin/v1/idps", nil).must(t, http.StatusOK, &list)
	if got.Issuer != created.Issuer || len(list.Items) != 1 {
		t.Fatalf("got = %+v, list = %+v", got, list)
	}

	// A cached key set survives an unrelated change but not a new issuer.
	if err := e.store.PutIdPKeyState(ctx, storage.IdPKeyState{IdPID: "okta", JWKS: []byte(`{"keys":[{"kid":"k1"}]}`)}); err != nil {
		t.Fatal(err)
	}
	e.call("PUT", "/admin/v1/idps/okta", idpObj("okta", "https://idp.example.com").with("tenant", "t1")).must(t, http.StatusOK, nil)
	e.oneEvent(1, "admin.idp.update")
	if _, err := e.store.GetIdPKeyState(ctx, "okta"); err != nil {
		t.Fatalf("key state dropped by an unrelated change: %v", err)
	}
	e.call("PUT", "/admin/v1/idps/okta", idpObj("okta", "https://new.example.com")).must(t, http.StatusOK, nil)
	ev = e.oneEvent(2, "admin.idp.update")
	if imageOf(t, ev.Before)["issuer"] != "https://idp.example.com" || imageOf(t, ev.After)["issuer"] != "https://new.example.com" {
		t.Fatalf("images before=%s after=%s", ev.Before, ev.After)
	}
	if _, err := e.store.GetIdPKeyState(ctx, "okta"); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("key state of the old issuer kept: %v", err)
	}

	e.call("DELETE", "/admin/v1/idps/okta", nil).must(t, http.StatusNoContent, nil)
	e.oneEvent(3, "admin.idp.delete")
	e.call("GET", "/admin/v1/idps/okta", nil).problem(t, http.StatusNotFound, "not-found")
}

func TestRAS25_IdPValidation(t *testing.T) {
	e := newEnv(t)
	e.call("POST", "/admin/v1/idps", idpObj("taken", "https://taken.example.com")).must(t, http.StatusCreated, nil)
	e.call("POST", "/admin/v1/clients", clientObj("agent-1")).must(t, http.StatusCreated, nil)
	base := idpObj("i", "https://i.example.com")
	tests := []struct {
		name   string
		body   any
		status int
		fields []string
	}{
		{"http issuer", idpObj("i", "http://i.example.com"), 400, []string{"issuer"}},
		{"loopback http issuer without insecure flag", idpObj("i", "http://127.0.0.1:9100"), 400, []string{"issuer"}},
		{"issuer with query", idpObj("i", "https://i.example.com?x=1"), 400, []string{"issuer"}},
		{"issuer with fragment", idpObj("i", "https://i.example.com#f"), 400, []string{"issuer"}},
		{"bad jwks_uri", base.with("jwks_uri", "ftp://i.example.com/jwks"), 400, []string{"jwks_uri"}},
		{"empty allowed_algs", base.with("allowed_algs", []string{}), 400, []string{"allowed_algs"}},
		{"alg outside the allowlist", base.with("allowed_algs", []string{"HS256", "none"}), 400, []string{"allowed_algs[0]", "allowed_algs[1]"}},
		{"lifetime above 5m", base.with("max_assertion_lifetime", "6m"), 400, []string{"max_assertion_lifetime"}},
		{"lifetime below 1s", base.with("max_assertion_lifetime", "500ms"), 400, []string{"max_assertion_lifetime"}},
		{"skew above 2m", base.with("clock_skew", "3m"), 400, []string{"clock_skew"}},
		{"negative skew", base.with("clock_skew", "-1s"), 400, []string{"clock_skew"}},
		{"bad duration", base.with("clock_skew", "soon"), 400, nil},
		{"unknown subject mode", base.with("subject_mode", "jit"), 400, []string{"subject_mode"}},
		{"email mode without domains", base.with("subject_mode", "email"), 400, []string{"email_domains"}},
		{"email mode with empty domains", base.with("subject_mode", "email", "email_domains", []string{}), 400, []string{"email_domains"}},
		{"bad email domain", base.with("email_domains", []string{"Example.COM", "a..b"}), 400, []string{"email_domains[0]", "email_domains[1]"}},
		{"client_id_map to unknown client", base.with("client_id_map", obj{"x": "agent-1", "y": "ghost"}), 400, []string{"client_id_map.y"}},
		{"bad allowed host", base.with("allowed_hosts", []string{"https://h.example.com/"}), 400, []string{"allowed_hosts[0]"}},
		{"duplicate id", idpObj("taken", "https://other.example.com"), 409, nil},
		{"duplicate issuer", idpObj("other", "https://taken.example.com"), 409, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n := len(e.events())
			slug := map[int]string{400: "invalid-request", 409: "conflict"}[tc.status]
			p := e.call("POST", "/admin/v1/idps", tc.body).problem(t, tc.status, slug)
			requireFields(t, p, tc.fields...)
			e.noEvents(n)
		})
	}
	ok := base.with("subject_mode", "email", "email_domains", []string{"example.com"}, "allowed_algs", []string{"ES256"},
		"client_id_map", obj{"idp-side": "agent-1"}, "allowed_hosts", []string{"keys.example.com:8443", "10.0.0.1"},
		"max_assertion_lifetime", "90s", "clock_skew", "0s")
	e.call("POST", "/admin/v1/idps", ok).must(t, http.StatusCreated, nil)
}

func TestNET01_LoopbackIssuerOnlyWhenInsecure(t *testing.T) {
	e := newEnv(t, func(d *Deps) { d.InsecureAllowLoopback = true })
	e.call("POST", "/admin/v1/idps", idpObj("local", "http://127.0.0.1:9100")).must(t, http.StatusCreated, nil)
	e.call("POST", "/admin/v1/idps", idpObj("remote", "http://idp.example.com")).problem(t, http.StatusBadRequest, "invalid-request")
}

func TestIdPDeleteRefusedWhileReferenced(t *testing.T) {
	e := newEnv(t)
	e.call("POST", "/admin/v1/idps", idpObj("okta", "https://idp.example.com")).must(t, http.StatusCreated, nil)
	e.call("POST", "/admin/v1/clients", clientObj("c").with("allowed_idps", []string{"okta"})).must(t, http.StatusCreated, nil)
	e.call("POST", "/admin/v1/policies", policyObj("p").with("idps", []string{"okta"})).must(t, http.StatusCreated, nil)
	e.call("POST", "/admin/v1/subject-mappings", obj{"idp_id": "okta", "external_subject": "00u1", "local_subject": "alice"}).
		must(t, http.StatusCreated, nil)
	n := len(e.events())
	p := e.call("DELETE", "/admin/v1/idps/okta", nil).problem(t, http.StatusConflict, "conflict")
	requireFields(t, p, "clients[c].allowed_idps", "policies[p].idps", "subject_mappings")
	e.noEvents(n)

	e.call("POST", "/admin/v1/idps", idpObj("azure", "https://login.example.net").with("client_id_map", obj{"x": "c"})).
		must(t, http.StatusCreated, nil)
	p = e.call("DELETE", "/admin/v1/clients/c", nil).problem(t, http.StatusConflict, "conflict")
	requireFields(t, p, "idps[azure].client_id_map.x")
}

// fakeIdPs is an IdPOperator that reports a fixed fetch outcome.
type fakeIdPs struct {
	state storage.IdPKeyState
	err   error
	calls []string
}

func (f *fakeIdPs) Refresh(ctx context.Context, id string) (storage.IdPKeyState, error) {
	f.calls = append(f.calls, "refresh "+id)
	return f.state, f.err
}

func (f *fakeIdPs) Status(ctx context.Context, id string) (IdPStatus, error) {
	f.calls = append(f.calls, "status "+id)
	return StatusFromKeyState(f.state), nil
}

func TestIdPRefreshAndStatus(t *testing.T) {
	fetched := time.Date(2025, 6, 1, 11, 0, 0, 0, time.UTC)
	op := &fakeIdPs{state: storage.IdPKeyState{IdPID: "okta", JWKSURI: "https://idp.example.com/jwks",
		JWKS: []byte(`{"keys":[{"kid":"k1"},{"kid":"k2"}]}`), FetchedAt: fetched, LastAttempt: fetched}}
	e := newEnv(t, func(d *Deps) { d.IdPs = op })
	e.call("POST", "/admin/v1/idps", idpObj("okta", "https://idp.example.com")).must(t, http.StatusCreated, nil)

	var st IdPStatus
	e.call("POST", "/admin/v1/idps/okta/refresh", nil).must(t, http.StatusOK, &st)
	if st.IdPID != "okta" || len(st.Kids) != 2 || st.Kids[1] != "k2" || !st.FetchedAt.Equal(fetched) {
		t.Fatalf("status = %+v", st)
	}
	ev := e.oneEvent(1, "admin.idp.refresh")
	if ev.IdPID != "okta" || imageOf(t, ev.After)["jwks_uri"] != "https://idp.example.com/jwks" {
		t.Fatalf("refresh event = %+v", ev)
	}
	e.call("GET", "/admin/v1/idps/okta/status", nil).must(t, http.StatusOK, &st)
	if len(op.calls) != 2 || op.calls[1] != "status okta" {
		t.Fatalf("operator calls = %v", op.calls)
	}
	e.call("POST", "/admin/v1/idps/ghost/refresh", nil).problem(t, http.StatusNotFound, "not-found")
	e.call("GET", "/admin/v1/idps/ghost/status", nil).problem(t, http.StatusNotFound, "not-found")

	// A failed fetch still answers the status and is audited as a failure.
	op.err = errors.New("jwks: 503 from https://idp.example.com/jwks")
	op.state.LastError = ""
	e.call("POST", "/admin/v1/idps/okta/refresh", nil).must(t, http.StatusOK, &st)
	if st.LastError != op.err.Error() || len(st.Kids) != 2 {
		t.Fatalf("status after a failed fetch = %+v", st)
	}
	if ev := e.oneEventWith(2, "admin.idp.refresh", "failure"); ev.Reason != "idp_keys_fetch_failed" {
		t.Fatalf("failed refresh event = %+v", ev)
	}
}

func TestIdPRefreshFallsBackToARequest(t *testing.T) {
	op := &fakeIdPs{err: errors.New("idp: unknown IdP \"okta\"")}
	e := newEnv(t, func(d *Deps) { d.IdPs = op })
	e.call("POST", "/admin/v1/idps", idpObj("okta", "https://idp.example.com").with("enabled", false)).must(t, http.StatusCreated, nil)
	var st IdPStatus
	e.call("POST", "/admin/v1/idps/okta/refresh", nil).must(t, http.StatusOK, &st)
	if !st.RefreshRequested.Equal(e.clk.Now()) || st.Kids == nil {
		t.Fatalf("status = %+v", st)
	}
	e.oneEvent(1, "admin.idp.refresh")
}

func TestIdPRefreshWithoutOperatorRequestsRefetch(t *testing.T) {
	e := newEnv(t)
	e.call("POST", "/admin/v1/idps", idpObj("okta", "https://idp.example.com")).must(t, http.StatusCreated, nil)
	var st IdPStatus
	e.call("GET", "/admin/v1/idps/okta/status", nil).must(t, http.StatusOK, &st)
	if st.Kids == nil || len(st.Kids) != 0 || st.IdPID != "okta" {
		t.Fatalf("status of a never-fetched IdP = %+v", st)
	}
	e.call("POST", "/admin/v1/idps/okta/refresh", nil).must(t, http.StatusOK, &st)
	if !st.RefreshRequested.Equal(e.clk.Now()) {
		t.Fatalf("refresh_requested = %v", st.RefreshRequested)
	}
	e.oneEvent(1, "admin.idp.refresh")
	ks, err := e.store.GetIdPKeyState(context.Background(), "okta")
	if err != nil || !ks.RefreshRequested.Equal(e.clk.Now()) {
		t.Fatalf("stored key state = %+v, %v", ks, err)
	}
}
