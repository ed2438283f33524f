// Command authplane is the AuthPlane binary: the authorization server, its
// operator CLI, the demo and the load generator. main only parses flags and
// wires packages together; behaviour lives under internal/.
package main

import (
	"os"

	"github.com/spf13/cobra"
)

func main() {
	if err := newRootCmd().Execute(); err != nil {
		os.Exit(1)
	}
}

func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:           "authplane",
		Short:         "AuthPlane: OAuth 2.1 authorization server for MCP with Cross-App Access (ID-JAG)",
		SilenceUsage:  true,
		SilenceErrors: false,
	}
	root.AddCommand(
		newServeCmd(),
		newMigrateCmd(),
		newKeysCmd(),
		newAdminCmd(),
		newIdPCmd(),
		newXAACmd(),
		newVersionCmd(),
		newBenchCmd(),
		newDemoCmd(),
	)
	return root
}
