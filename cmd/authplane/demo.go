package main

import (
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/authplane/authplane/internal/demo"
)

func newDemoCmd() *cobra.Command {
	var once bool
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Run the IdP role, AuthPlane and an example MCP server in one process and walk through Cross-App Access",
		Long: "Starts the IdP role, AuthPlane and the example MCP server on loopback ports with embedded SQLite in a\n" +
			"temporary directory, registers them with each other, and runs the example MCP client (the MCP Go SDK's\n" +
			"EnterpriseHandler) through the whole chain: sign-in → ID token → ID-JAG → access token → tools/call.\n" +
			"It prints every step, a refused write and a refused user with their reasons, and the audit records of\n" +
			"both sides, then keeps serving with instructions to try more with the CLI. With --once it exits after\n" +
			"the flow: 0 if every step behaved as expected, non-zero otherwise.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, stop := signal.NotifyContext(background(cmd), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return demo.Run(ctx, demo.Options{Once: once, Out: cmd.OutOrStdout(), Log: cmd.ErrOrStderr()})
		},
	}
	cmd.Flags().BoolVar(&once, "once", false, "exit after the flow (0 when every step behaved as expected)")
	return cmd
}
