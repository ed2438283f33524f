package adminclient

import (
	"strings"
	"testing"
	"time"
)

func TestAuditQueryValues(t *testing.T) {
	cases := []struct {
		name string
		q    AuditQuery
		want string
	}{
		{"empty", AuditQuery{}, ""},
		{"times in UTC", AuditQuery{Since: time.Date(2026, 1, 2, 4, 0, 0, 0, time.FixedZone("x", 3600)), Until: time.Date(2026, 1, 3, 0, 0, 0, 5, time.UTC)},
			"since=2026-01-02T03%3A00%3A00Z&until=2026-01-03T00%3A00%3A00.000000005Z"},
		{"every filter", AuditQuery{Type: "token.issued", Outcome: "success", Reason: "r", IdP: "okta", Client: "c", Subject: "s", Resource: "gh", JTI: "j"},
			"client=c&idp=okta&jti=j&outcome=success&reason=r&resource=gh&subject=s&type=token.issued"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.q.Values().Encode(); got != tc.want {
				t.Fatalf("got %s, want %s", got, tc.want)
			}
		})
	}
}

func TestParseTime(t *testing.T) {
	now := time.Date(2026, 5, 6, 12, 0, 0, 0, time.UTC)
	cases := []struct {
		name    string
		in      string
		want    time.Time
		wantErr string
	}{
		{"empty", "", time.Time{}, ""},
		{"rfc3339", "2026-05-01T10:00:00+02:00", time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC), ""},
		{"date", "2026-05-01", time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC), ""},
		{"duration ago", "90m", now.Add(-90 * time.Minute), ""},
		{"negative duration", "-1h", time.Time{}, "must not be negative"},
		{"garbage", "yesterday", time.Time{}, "neither"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseTime(tc.in, now)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || !got.Equal(tc.want) {
				t.Fatalf("got %v, %v; want %v", got, err, tc.want)
			}
		})
	}
}

func TestRevocationFor(t *testing.T) {
	cases := []struct {
		name                 string
		client, subject, idp string
		want                 RevocationRequest
		wantErr              bool
	}{
		{"client", "agent-1", "", "", RevocationRequest{Kind: RevokeClient, Value: "agent-1"}, false},
		{"subject", "", "alice", "", RevocationRequest{Kind: RevokeSubject, Value: "alice"}, false},
		{"idp", "", "", "okta", RevocationRequest{Kind: RevokeIdP, Value: "okta"}, false},
		{"none", "", "", "", RevocationRequest{}, true},
		{"two", "agent-1", "alice", "", RevocationRequest{}, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := RevocationFor(tc.client, tc.subject, tc.idp)
			if (err != nil) != tc.wantErr || got != tc.want {
				t.Fatalf("got %+v, %v", got, err)
			}
		})
	}
}
