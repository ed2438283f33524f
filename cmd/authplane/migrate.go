package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/authplane/authplane/internal/server"
)

func newMigrateCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "migrate",
		Short: "Apply the store's schema migrations and exit (serve also does this at start)",
		Args:  cobra.NoArgs,
	}
	f := addServerFlags(cmd)
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		cfg, err := f.load()
		if err != nil {
			return err
		}
		st, err := server.OpenStore(background(cmd), cfg, newLogger(cfg, cmd.ErrOrStderr()))
		if err != nil {
			return err
		}
		defer st.Close()
		fmt.Fprintln(cmd.OutOrStdout(), "migrations applied")
		return nil
	}
	return cmd
}
