package grant

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/authplane/authplane/internal/oauth"
)

// stubGrant is a Grant hook that records what it was given and answers
// with resp or err, having filled part of the audit event.
type stubGrant struct {
	typ  string
	resp any
	err  error
	got  *Request
}

func (g *stubGrant) Type() string { return g.typ }

func (g *stubGrant) Handle(_ context.Context, req *Request) (any, error) {
	g.got = req
	req.Event.Subject = "seen-by-grant"
	return g.resp, g.err
}

// observations records ObserveGrant calls.
type observations struct {
	mu  sync.Mutex
	got []string
}

func (o *observations) ObserveGrant(grantType, outcome, reason string, _ time.Duration) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.got = append(o.got, grantType+"/"+outcome+"/"+reason)
}

// The token endpoint records every denial with what was known at the point
// of failure (the claimed client even when authentication failed, the
// grant's additions, the precise reason) and never a success.
func TestTEP03_HandlerRecordsDenials(t *testing.T) {
	const gt = "urn:test:grant"
	cases := []struct {
		name               string
		form               url.Values
		user, pass         string
		grantErr           error
		status             int
		code, reason       string
		client, grantType  string
		grantSawClient     bool
		wantSubjectInEvent bool
	}{
		{name: "success", form: url.Values{"grant_type": {gt}}, user: "basic-client", pass: basicSecret,
			status: 200, grantType: gt, grantSawClient: true},
		{name: "missing grant_type", form: url.Values{"scope": {"x"}}, user: "basic-client", pass: basicSecret,
			status: 400, code: oauth.CodeInvalidRequest, reason: "missing_grant_type"},
		{name: "unsupported grant_type", form: url.Values{"grant_type": {"password"}}, user: "basic-client", pass: basicSecret,
			status: 400, code: oauth.CodeUnsupportedGrantType, reason: "unsupported_grant_type", grantType: "unsupported"},
		{name: "client authentication failed", form: url.Values{"grant_type": {gt}}, user: "basic-client", pass: "wrong",
			status: 401, code: oauth.CodeInvalidClient, reason: "bad_secret", client: "basic-client", grantType: gt},
		{name: "grant refused", form: url.Values{"grant_type": {gt}}, user: "basic-client", pass: basicSecret, grantErr: oauth.InvalidGrant("stub_refusal"),
			status: 400, code: oauth.CodeInvalidGrant, reason: "stub_refusal", client: "basic-client", grantType: gt, grantSawClient: true, wantSubjectInEvent: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			g := &stubGrant{typ: gt, resp: map[string]string{"access_token": "x"}, err: tc.grantErr}
			sink, obs := &denials{}, &observations{}
			clk := newClock()
			h := &Handler{Auth: newSecretAuth(t), Grants: []Grant{g}, Denials: sink, Observe: obs, Log: slog.New(slog.DiscardHandler), Now: clk.Now}
			r := postForm("/oauth/token", tc.form, tc.user, tc.pass)
			r.Header.Set("X-Request-Id", "req-1")
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, r)
			wantNoStore(t, rec)
			body := decodeBody(t, rec)
			if rec.Code != tc.status || (tc.code != "" && body["error"] != tc.code) {
				t.Fatalf("got %d %s, want %d %s", rec.Code, rec.Body, tc.status, tc.code)
			}
			if (g.got != nil) != tc.grantSawClient || (g.got != nil && g.got.Client.Client.ID != "basic-client") {
				t.Fatalf("grant called with %+v", g.got)
			}
			evs := sink.events()
			outcome := OutcomeSuccess
			if tc.status != 200 {
				outcome = OutcomeFailure
				if len(evs) != 1 {
					t.Fatalf("%d denial events, want 1", len(evs))
				}
				ev := evs[0]
				if ev.Type != EventGrantDenied || ev.Outcome != OutcomeFailure || ev.Reason != tc.reason || ev.ClientID != tc.client ||
					ev.RequestID != "req-1" || !ev.Time.Equal(testEpoch) || (ev.Subject == "seen-by-grant") != tc.wantSubjectInEvent {
					t.Fatalf("denial event %+v", ev)
				}
			} else if len(evs) != 0 {
				t.Fatalf("denial events %+v for a success", evs)
			}
			if want := tc.grantType + "/" + outcome + "/" + tc.reason; len(obs.got) != 1 || obs.got[0] != want {
				t.Fatalf("observations %v, want [%s]", obs.got, want)
			}
		})
	}
}
