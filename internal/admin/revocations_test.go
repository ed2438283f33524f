package admin

import (
	"net/http"
	"testing"
	"time"
)

func TestRevocations(t *testing.T) {
	e := newEnv(t, func(d *Deps) { d.MaxTokenLifetime = 15 * time.Minute })
	now := e.clk.Now()

	var rev RevocationDTO
	e.call("POST", "/admin/v1/revocations", obj{"kind": "client", "value": "agent-1"}).must(t, http.StatusCreated, &rev)
	if rev.Kind != "client" || rev.Value != "agent-1" || !rev.At.Equal(now) || !rev.ExpiresAt.Equal(now.Add(15*time.Minute)) {
		t.Fatalf("revocation = %+v", rev)
	}
	ev := e.oneEvent(0, "admin.revocation.create")
	if ev.ClientID != "agent-1" || ev.Before != nil || imageOf(t, ev.After)["kind"] != "client" {
		t.Fatalf("event = %+v", ev)
	}

	e.call("POST", "/admin/v1/tokens/jti-123/revoke", nil).must(t, http.StatusNoContent, nil)
	ev = e.oneEvent(1, "admin.token.revoke")
	if ev.TokenJTI != "jti-123" {
		t.Fatalf("token revoke event = %+v", ev)
	}
	e.call("POST", "/admin/v1/revocations", obj{"kind": "idp", "value": "okta", "reason": "compromised"}).must(t, http.StatusCreated, nil)
	if ev := e.oneEvent(2, "admin.revocation.create"); ev.IdPID != "okta" {
		t.Fatalf("idp revoke event = %+v", ev)
	}
	e.call("POST", "/admin/v1/revocations", obj{"kind": "subject", "value": "okta|alice"}).must(t, http.StatusCreated, nil)
	if ev := e.oneEvent(3, "admin.revocation.create"); ev.Subject != "okta|alice" {
		t.Fatalf("subject revoke event = %+v", ev)
	}

	var list Items[RevocationDTO]
	e.call("GET", "/admin/v1/revocations", nil).must(t, http.StatusOK, &list)
	if len(list.Items) != 4 {
		t.Fatalf("revocations = %+v", list)
	}
	e.clk.Advance(16 * time.Minute)
	e.call("GET", "/admin/v1/revocations", nil).must(t, http.StatusOK, &list)
	if list.Items == nil || len(list.Items) != 0 {
		t.Fatalf("expired revocations listed: %+v", list)
	}
}

func TestRevocationValidation(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		name   string
		body   obj
		fields []string
	}{
		{"token kind needs the token endpoint", obj{"kind": "token", "value": "j"}, []string{"kind"}},
		{"unknown kind", obj{"kind": "user", "value": "x"}, []string{"kind"}},
		{"empty value", obj{"kind": "client", "value": ""}, []string{"value"}},
		{"unknown field", obj{"kind": "client", "value": "x", "until": "1h"}, []string{"until"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n := len(e.events())
			p := e.call("POST", "/admin/v1/revocations", tc.body).problem(t, http.StatusBadRequest, "invalid-request")
			requireFields(t, p, tc.fields...)
			e.noEvents(n)
		})
	}
}
