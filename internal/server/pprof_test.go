package server

import (
	"net/http"
	"testing"
)

func TestProfilesOnAdminListenerBehindToken(t *testing.T) {
	e := newEnv(t, envOpts{})
	cases := []struct {
		name, path, token string
		want              int
	}{
		{"no_token_unauthorized", "/debug/pprof/heap", "", http.StatusUnauthorized},
		{"wrong_token_unauthorized", "/debug/pprof/heap", "wrong", http.StatusUnauthorized},
		{"heap_profile", "/debug/pprof/heap", testAdminToken, http.StatusOK},
		{"goroutines_as_text", "/debug/pprof/goroutine?debug=1", testAdminToken, http.StatusOK},
		{"unknown_profile", "/debug/pprof/nope", testAdminToken, http.StatusNotFound},
		{"cpu_seconds_out_of_range", "/debug/pprof/profile?seconds=0", testAdminToken, http.StatusBadRequest},
		{"trace_seconds_not_a_number", "/debug/pprof/trace?seconds=x", testAdminToken, http.StatusBadRequest},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest("GET", e.adm+tc.path, nil)
			if tc.token != "" {
				req.Header.Set("Authorization", "Bearer "+tc.token)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tc.want {
				t.Fatalf("GET %s = %d, want %d", tc.path, resp.StatusCode, tc.want)
			}
		})
	}
	t.Run("not_on_public_listener", func(t *testing.T) {
		req, _ := http.NewRequest("GET", e.pub+"/debug/pprof/heap", nil)
		req.Header.Set("Authorization", "Bearer "+testAdminToken)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound {
			t.Fatalf("public GET /debug/pprof/heap = %d, want 404", resp.StatusCode)
		}
	})
}
