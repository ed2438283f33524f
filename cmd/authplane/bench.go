package main

import (
	"errors"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/authplane/authplane/internal/bench"
	"github.com/authplane/authplane/internal/config"
)

// newBenchCmd is `authplane bench`, the load generator of DESIGN.md §8.
func newBenchCmd() *cobra.Command {
	var (
		o        bench.Options
		jsonOut  bool
		adminURL string
	)
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Measure jwt-bearer grants per second against an AuthPlane on loopback",
		Long: "Start an AuthPlane server process on loopback (or target a running one with --target), register a\n" +
			"test IdP, client, resource and policy through the admin API, pre-sign a pool of unique ID-JAGs and\n" +
			"drive POST /oauth/token at --concurrency for --duration over keep-alive connections. Reports grants/s,\n" +
			"latency percentiles, errors by status and error code, the server's CPU and memory, and checks that\n" +
			"every token received has its token.issued audit event. Exits non-zero if any request failed or any\n" +
			"token is missing from the audit trail. Targets other than loopback are refused.\n\n" +
			"The bench IdP signs RS256 ID-JAGs by default, as Okta, Entra ID and Google sign their tokens;\n" +
			"--idp-alg ES256 measures ES256 ones. The started server inherits GOMAXPROCS, GOGC, GOMEMLIMIT and\n" +
			"GODEBUG from the environment, and nothing else.\n\n" +
			"With --target, the server must run with insecure_allow_loopback (the bench IdP serves its keys over\n" +
			"http on 127.0.0.1); the admin API is found through --admin-url, else AUTHPLANE_ADMIN_URL, and the\n" +
			"token comes from AUTHPLANE_ADMIN_TOKEN.",
		Args: cobra.NoArgs,
	}
	f := cmd.Flags()
	f.StringVar(&o.Store, "store", "sqlite", `store of the started server: "sqlite" or a postgres:// DSN (the run uses a schema of its own and drops it)`)
	f.IntVar(&o.Concurrency, "concurrency", 32, "requests in flight")
	f.DurationVar(&o.Duration, "duration", 20*time.Second, "measured window (at most 4m)")
	f.DurationVar(&o.Warmup, "warmup", bench.DefaultWarmup, "unmeasured warm-up before the window")
	f.StringVar(&o.ClientAuth, "client-auth", bench.ClientAuthSecret, `client authentication: "secret" (client_secret_basic) or "private_key_jwt"`)
	f.StringVar(&o.IdPAlg, "idp-alg", bench.IdPAlgRS256, `signature algorithm of the bench IdP's ID-JAGs: "RS256" (as Okta, Entra ID and Google sign) or "ES256"`)
	f.StringVar(&o.Target, "target", "", "public base URL of a running AuthPlane on loopback (default: start one)")
	f.StringVar(&adminURL, "admin-url", "", "admin base URL of the --target")
	f.IntVar(&o.PID, "pid", 0, "process id of the --target, to report its CPU and memory")
	f.StringVar(&o.ServerLogLevel, "server-log-level", "info", "log level of the started server (its log goes to a temporary file)")
	f.StringVar(&o.CPUProfile, "cpuprofile", "", "write a CPU profile of the server during the window to this file (for go tool pprof)")
	f.BoolVar(&jsonOut, "json", false, "print the result as JSON")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		if o.Target != "" {
			s := config.LoadClient()
			o.AdminURL, o.AdminToken = s.AdminURL, s.AdminToken
			if adminURL != "" {
				o.AdminURL = adminURL
			}
		}
		o.Commit, o.Progress = commit(), cmd.ErrOrStderr()
		ctx, stop := signal.NotifyContext(background(cmd), os.Interrupt, syscall.SIGTERM)
		defer stop()
		res, err := bench.Run(ctx, o)
		if err != nil {
			return err
		}
		if jsonOut {
			err = res.WriteJSON(cmd.OutOrStdout())
		} else {
			err = res.WriteText(cmd.OutOrStdout())
		}
		if err != nil {
			return err
		}
		if p := res.Problems(); len(p) > 0 {
			return errors.New("bench: " + strings.Join(p, "; "))
		}
		return nil
	}
	return cmd
}
