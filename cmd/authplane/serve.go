package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/authplane/authplane/internal/server"
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
		log := newLogger(cfg, cmd.ErrOrStderr())
		ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
		defer stop()
		srv, err := server.New(ctx, cfg, log, server.Options{})
		if err != nil {
			return err
		}
		if tok := srv.GeneratedAdminToken(); tok != "" {
			printAdminToken(cmd.ErrOrStderr(), tok, cfg.DataDir)
		}
		return srv.Run(ctx)
	}
	return cmd
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
