package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/authplane/authplane/internal/logsink"
	"github.com/authplane/authplane/internal/server"
)

// The server's log buffer: its size, and how long a line may wait in it.
const (
	logBufferSize = 64 << 10
	logFlushEvery = 100 * time.Millisecond
)

func newServeCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the authorization server (public and admin listeners)",
		Args:  cobra.NoArgs,
	}
	f := addServerFlags(cmd)
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		cfg, err := f.load()
		if err != nil {
			return err
		}
		// The log is buffered (internal/logsink): one write per request
		// would be a measurable share of a grant. Warnings and errors are
		// written at once.
		sink := logsink.New(cmd.ErrOrStderr(), logBufferSize, logFlushEvery)
		defer sink.Close()
		log := newLogger(cfg, sink)
		log = slog.New(logsink.WithFlushAt(log.Handler(), sink, slog.LevelWarn))
		if procs, raised := raiseProcs(); raised {
			log.Debug("GOMAXPROCS raised by one for the store writer's blocking system calls", "gomaxprocs", procs)
		}
		if setGCPercent() {
			log.Debug("garbage collector target set", "gogc", serveGCPercent)
		}
		ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
		defer stop()
		srv, err := server.New(ctx, cfg, log, server.Options{})
		if err != nil {
			return err
		}
		if tok := srv.GeneratedAdminToken(); tok != "" {
			_ = sink.Flush()
			printAdminToken(cmd.ErrOrStderr(), tok, cfg.DataDir)
		}
		return srv.Run(ctx)
	}
	return cmd
}

// raiseProcs gives the Go scheduler one processor more than it chose
// (the usable CPUs), unless GOMAXPROCS is set in the environment. The
// SQLite writer (modernc.org/sqlite) makes its write and fsync calls as
// blocking system calls; a goroutine blocked in one keeps its processor
// until the scheduler's monitor takes it back, and on return waits for a
// free one behind the request goroutines. On two cores that idled about a
// tenth of the machine under load and cost as much throughput
// (docs/benchmarks.md). The extra processor is not an extra CPU: the
// kernel shares the cores among the threads.
func raiseProcs() (int, bool) {
	if _, set := os.LookupEnv("GOMAXPROCS"); set {
		return runtime.GOMAXPROCS(0), false
	}
	n := runtime.GOMAXPROCS(0) + 1
	runtime.GOMAXPROCS(n)
	return n, true
}

// serveGCPercent is the server's garbage collection target (GOGC). A grant
// allocates about 8 KiB and the live heap is small, so at the default of
// 100 the collector runs many times a second under load; 200 halves that
// for about 10 MB more peak memory (docs/benchmarks.md).
const serveGCPercent = 200

// setGCPercent applies serveGCPercent unless GOGC is set in the
// environment, and reports whether it did.
func setGCPercent() bool {
	if _, set := os.LookupEnv("GOGC"); set {
		return false
	}
	debug.SetGCPercent(serveGCPercent)
	return true
}

// printAdminToken shows a dev-mode admin token the one time it exists in
// clear.
func printAdminToken(w io.Writer, tok, dataDir string) {
	fmt.Fprintf(w, `
================================================================
 AuthPlane dev mode: an admin token was generated. It is shown
 ONCE; only its hash is kept (%s/admin-token.hash).

   export AUTHPLANE_ADMIN_TOKEN=%s

 Delete the hash file and restart to generate a new one.
================================================================

`, dataDir, tok)
}

// background returns a context for commands that run to completion.
func background(cmd *cobra.Command) context.Context {
	if ctx := cmd.Context(); ctx != nil {
		return ctx
	}
	return context.Background()
}
