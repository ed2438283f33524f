package bench

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/authplane/authplane/internal/config"
	"github.com/authplane/authplane/internal/server"
)

const testAdminToken = "bench-test-admin-token-0123456789abcdef0123"

// startServer runs an AuthPlane on SQLite in a temporary directory in this
// process, with loopback key fetches allowed, and returns its public and
// admin base URLs.
func startServer(t *testing.T) (public, admin string) {
	t.Helper()
	cfg, err := config.Load(config.LoadOptions{Environ: []string{}, Flags: map[string]any{
		"dev": "true", "data_dir": t.TempDir(), "issuer": "http://127.0.0.1:1", "admin_token": testAdminToken,
		"public_addr": "127.0.0.1:0", "admin_addr": "127.0.0.1:0", "insecure_allow_loopback": "true",
	}})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := server.New(t.Context(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), server.Options{})
	if err != nil {
		t.Fatal(err)
	}
	l, err := srv.Listen()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = srv.Serve(ctx, l) }()
	t.Cleanup(func() { cancel(); <-done })
	return "http://" + l.Public.Addr().String(), "http://" + l.Admin.Addr().String()
}

// A short run against an in-process server: every request succeeds and
// every token it received has its token.issued audit event. (A smoke test
// of the generator, not a measurement: it asserts nothing about speed.)
func TestRunAgainstTargetAuditsEveryToken(t *testing.T) {
	for _, tc := range []struct{ auth, alg string }{
		{ClientAuthSecret, IdPAlgES256}, {ClientAuthPrivateKeyJWT, IdPAlgES256}, {ClientAuthSecret, IdPAlgRS256},
	} {
		t.Run(tc.auth+"_"+tc.alg, func(t *testing.T) {
			pub, adm := startServer(t)
			res, err := Run(t.Context(), Options{
				Target: pub, AdminURL: adm, AdminToken: testAdminToken, ClientAuth: tc.auth, IdPAlg: tc.alg,
				Concurrency: 2, Duration: time.Second, Warmup: 200 * time.Millisecond,
			})
			if err != nil {
				t.Fatal(err)
			}
			if res.OK == 0 || len(res.Problems()) > 0 || len(res.Errors) > 0 {
				t.Fatalf("ok %d of %d, errors %v, problems %v", res.OK, res.Requests, res.Errors, res.Problems())
			}
			if res.Audit.Tokens < res.OK || !res.Audit.OK() || res.Audit.Events < res.Audit.Tokens {
				t.Fatalf("audit check %+v for %d grants", res.Audit, res.OK)
			}
			if res.IdPAlg != tc.alg {
				t.Fatalf("report names ID-JAGs %q, want %q", res.IdPAlg, tc.alg)
			}
			if res.Store != "target" || res.Server.Measured {
				t.Fatalf("store %q, server measured %v: want target, false", res.Store, res.Server.Measured)
			}
			var text, js strings.Builder
			if err := res.WriteText(&text); err != nil || !strings.Contains(text.String(), "grants/s") {
				t.Fatalf("text report %q, %v", text.String(), err)
			}
			if err := res.WriteJSON(&js); err != nil || !strings.Contains(js.String(), `"grants_per_second"`) {
				t.Fatalf("JSON report %q, %v", js.String(), err)
			}
		})
	}
}

func TestOptionsRefuseNonLoopbackAndBadValues(t *testing.T) {
	ok := func() Options {
		return Options{Concurrency: 1, Duration: time.Second, Target: "http://127.0.0.1:9000",
			AdminURL: "http://127.0.0.1:9001", AdminToken: "t"}
	}
	cases := []struct {
		name    string
		mutate  func(*Options)
		wantErr string
	}{
		{"loopback_target_ok", func(*Options) {}, ""},
		{"localhost_ok", func(o *Options) { o.Target = "http://localhost:9000" }, ""},
		{"ipv6_loopback_ok", func(o *Options) { o.Target = "http://[::1]:9000" }, ""},
		{"started_server_sqlite_ok", func(o *Options) { *o = Options{Concurrency: 1, Duration: time.Second} }, ""},
		{"public_ip_refused", func(o *Options) { o.Target = "http://192.0.2.10:9000" }, "non-loopback"},
		{"host_name_refused", func(o *Options) { o.Target = "http://example.com" }, "non-loopback"},
		{"admin_url_refused", func(o *Options) { o.AdminURL = "http://10.0.0.1:9001" }, "non-loopback"},
		{"path_refused", func(o *Options) { o.Target = "http://127.0.0.1:9000/x" }, "base URL"},
		{"no_admin_token", func(o *Options) { o.AdminToken = "" }, "admin token"},
		{"zero_concurrency", func(o *Options) { o.Concurrency = 0 }, "concurrency"},
		{"too_long", func(o *Options) { o.Duration = 5 * time.Minute }, "duration"},
		{"bad_client_auth", func(o *Options) { o.ClientAuth = "basic" }, "client auth"},
		{"rs256_ok", func(o *Options) { o.IdPAlg = IdPAlgRS256 }, ""},
		{"hmac_idp_alg_refused", func(o *Options) { o.IdPAlg = "HS256" }, "IdP alg"},
		{"bad_store", func(o *Options) { *o = Options{Concurrency: 1, Duration: time.Second, Store: "mysql://x"} }, "store"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			o := ok()
			tc.mutate(&o)
			err := o.check()
			if tc.wantErr == "" && err != nil {
				t.Fatalf("check: %v", err)
			}
			if tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Fatalf("check: %v, want an error about %q", err, tc.wantErr)
			}
		})
	}
}

func TestPercentileNearestRank(t *testing.T) {
	ms := func(n int) time.Duration { return time.Duration(n) * time.Millisecond }
	sorted := []time.Duration{ms(1), ms(2), ms(3), ms(4), ms(5), ms(6), ms(7), ms(8), ms(9), ms(10)}
	cases := []struct {
		name string
		p    float64
		want time.Duration
	}{
		{"p50", 0.5, ms(5)}, {"p90", 0.9, ms(9)}, {"p99", 0.99, ms(10)}, {"p100", 1, ms(10)}, {"p1", 0.01, ms(1)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := percentile(sorted, tc.p); got != tc.want {
				t.Fatalf("percentile(%v) = %v, want %v", tc.p, got, tc.want)
			}
		})
	}
	if percentile(nil, 0.5) != 0 {
		t.Fatal("percentile of nothing is not 0")
	}
}

func TestTokenJTI(t *testing.T) {
	cases := []struct{ name, body, want string }{
		{"token", `{"access_token":"eyJhbGciOiJFUzI1NiJ9.eyJqdGkiOiJhYmMifQ.c2ln","token_type":"Bearer"}`, "abc"},
		{"no_token", `{"error":"invalid_grant"}`, ""},
		{"not_a_jws", `{"access_token":"opaque"}`, ""},
		{"bad_base64", `{"access_token":"a.!!!.b"}`, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := tokenJTI([]byte(tc.body)); got != tc.want {
				t.Fatalf("tokenJTI = %q, want %q", got, tc.want)
			}
		})
	}
}
