package server

import (
	"net/http"
	"strings"
	"testing"
)

// TestAdminAPIOnlyOnAdminListener: the admin token works on the admin
// listener and the admin API does not exist on the public one; metrics are
// on the admin listener only.
func TestAdminAPIOnlyOnAdminListener(t *testing.T) {
	e := newEnv(t, envOpts{})
	e.standardSetup()
	e.exchange("agent-basic", e.idp.Mint(e.grant()), nil)
	for _, tc := range []struct {
		name, base, path, token string
		status                  int
	}{
		{"admin_on_admin_listener", e.adm, "/admin/v1/clients", testAdminToken, 200},
		{"admin_wrong_token", e.adm, "/admin/v1/clients", "nope", 401},
		{"admin_no_token", e.adm, "/admin/v1/clients", "", 401},
		{"admin_on_public_listener", e.pub, "/admin/v1/clients", testAdminToken, 404},
		{"metrics_on_admin_listener", e.adm, "/metrics", "", 200},
		{"metrics_not_on_public_listener", e.pub, "/metrics", "", 404},
		{"healthz_public", e.pub, "/healthz", "", 200},
		{"readyz_public", e.pub, "/readyz", "", 200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest("GET", tc.base+tc.path, nil)
			if tc.token != "" {
				req.Header.Set("Authorization", "Bearer "+tc.token)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d", resp.StatusCode, tc.status)
			}
			if tc.status == 401 && !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Bearer") {
				t.Fatalf("no Bearer challenge: %v", resp.Header)
			}
		})
	}
	_, page := get(t, e.adm+"/metrics")
	if !strings.Contains(string(page), `authplane_grants_total{grant_type="urn:ietf:params:oauth:grant-type:jwt-bearer",outcome="success",reason=""} 1`) {
		t.Fatalf("grant not counted:\n%s", page)
	}
}
