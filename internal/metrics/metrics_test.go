package metrics

import (
	"errors"
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestMetricsPageListsEveryFamily(t *testing.T) {
	m := New("v1", "abc", func() int { return 7 })
	m.ObserveGrant("urn:ietf:params:oauth:grant-type:jwt-bearer", "success", "", 3*time.Millisecond)
	m.ObserveGrant("urn:ietf:params:oauth:grant-type:jwt-bearer", "failure", "replay", time.Millisecond)
	m.ObserveGrant("urn:ietf:params:oauth:grant-type:jwt-bearer", "failure", "policy_no_matching_rule", time.Millisecond)
	m.ObserveJWKSFetch("acme", nil)
	m.ObserveJWKSFetch("acme", errors.New("down"))
	m.AuditDropped("grant.denied")
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body, _ := io.ReadAll(rec.Body)
	page := string(body)
	for _, want := range []string{
		`authplane_grants_total{grant_type="urn:ietf:params:oauth:grant-type:jwt-bearer",outcome="success",reason=""} 1`,
		`authplane_replay_rejections_total 1`,
		`authplane_policy_decisions_total{result="allow"} 1`,
		`authplane_policy_decisions_total{result="no_matching_rule"} 1`,
		`authplane_jwks_fetches_total{idp="acme",result="failure"} 1`,
		`authplane_audit_dropped_total{type="grant.denied"} 1`,
		`authplane_audit_queue_depth 7`,
		`authplane_token_request_duration_seconds_bucket`,
		`authplane_build_info{commit="abc"`,
		`go_goroutines`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("metrics page lacks %q", want)
		}
	}
}
