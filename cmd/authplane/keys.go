package main

import (
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/authplane/authplane/internal/server"
)

func newKeysCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "keys", Short: "Manage AuthPlane's token-signing keys directly in the store"}
	rotate := &cobra.Command{
		Use:   "rotate",
		Short: "Create a new signing key that signs at once; the old one stays published until its tokens expire",
		Long: "Rotates the signing key in the store the configuration names. Running instances pick the new key up\n" +
			"within a second. The rotation is recorded in the audit trail (actor \"cli\"). Against a running\n" +
			"server, `authplane admin keys rotate` does the same through the admin API.",
		Args: cobra.NoArgs,
	}
	f := addServerFlags(rotate)
	rotate.RunE = func(cmd *cobra.Command, _ []string) error {
		cfg, err := f.load()
		if err != nil {
			return err
		}
		res, err := server.RotateKeys(background(cmd), cfg, newLogger(cfg, cmd.ErrOrStderr()))
		if err != nil {
			return err
		}
		enc := json.NewEncoder(cmd.OutOrStdout())
		enc.SetIndent("", "  ")
		if err := enc.Encode(res); err != nil {
			return fmt.Errorf("print result: %w", err)
		}
		return nil
	}
	cmd.AddCommand(rotate)
	return cmd
}
