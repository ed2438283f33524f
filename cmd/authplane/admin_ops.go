package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/authplane/authplane/internal/adminclient"
)

func adminKeysCmd(e *adminEnv) *cobra.Command {
	cmd := &cobra.Command{Use: "keys", Short: "List and rotate the server's token-signing keys"}
	cmd.AddCommand(
		adminListCmd(e, "list", "List signing keys (active and retired)", false, (*adminclient.Client).Keys, adminclient.KeysTable),
		&cobra.Command{
			Use:   "rotate",
			Short: "Create a new signing key and retire the active one",
			Args:  cobra.NoArgs,
			RunE: func(cmd *cobra.Command, _ []string) error {
				c, err := e.client()
				if err != nil {
					return err
				}
				r, err := c.RotateKeys(cmd.Context())
				if err != nil {
					return err
				}
				return emitValue(cmd, e, r, func(r []adminclient.KeyRotation) adminclient.Table {
					return adminclient.KeyRotationTable(r[0])
				})
			},
		},
	)
	return cmd
}

func adminTokensCmd(e *adminEnv) *cobra.Command {
	cmd := &cobra.Command{Use: "tokens", Short: "Revoke individual access tokens"}
	cmd.AddCommand(&cobra.Command{
		Use:   "revoke JTI",
		Short: "Revoke one access token by its jti",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := e.client()
			if err != nil {
				return err
			}
			if err := c.RevokeToken(cmd.Context(), args[0]); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "revoked token %s\n", args[0])
			return nil
		},
	})
	return cmd
}

func adminRevokeCmd(e *adminEnv) *cobra.Command {
	var client, subject, idp, reason string
	cmd := &cobra.Command{
		Use:   "revoke (--client ID | --subject SUBJECT | --idp ID)",
		Short: "Revoke every token of a client, subject or IdP issued until now",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			req, err := adminclient.RevocationFor(client, subject, idp)
			if err != nil {
				return err
			}
			req.Reason = reason
			c, err := e.client()
			if err != nil {
				return err
			}
			r, err := c.Revoke(cmd.Context(), req)
			if err != nil {
				return err
			}
			return emitValue(cmd, e, r, adminclient.RevocationsTable)
		},
	}
	cmd.Flags().StringVar(&client, "client", "", "client id")
	cmd.Flags().StringVar(&subject, "subject", "", "local subject")
	cmd.Flags().StringVar(&idp, "idp", "", "IdP id")
	cmd.Flags().StringVar(&reason, "reason", "", "note recorded with the revocation")
	return cmd
}

func adminRevocationsCmd(e *adminEnv) *cobra.Command {
	cmd := &cobra.Command{Use: "revocations", Short: "Show bulk revocations"}
	cmd.AddCommand(adminListCmd(e, "list", "List bulk revocations still in force", false,
		(*adminclient.Client).Revocations, adminclient.RevocationsTable))
	return cmd
}

// adminAuditFlags are the filters of `admin audit list`.
type adminAuditFlags struct {
	since, until string
	q            adminclient.AuditQuery
	lf           adminListFlags
}

func adminAuditCmd(e *adminEnv) *cobra.Command {
	var af adminAuditFlags
	list := &cobra.Command{
		Use:   "list",
		Short: "List audit events, with filters",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			q, err := af.query(time.Now())
			if err != nil {
				return err
			}
			c, err := e.client()
			if err != nil {
				return err
			}
			return adminRunList(cmd, e, c.Audit(), adminclient.AuditTable, af.lf, q.Values())
		},
	}
	af.registerFilters(list)
	af.lf.register(list)
	cmd := &cobra.Command{Use: "audit", Short: "Query, export and verify the audit trail"}
	cmd.AddCommand(list, adminAuditSearchCmd(e), adminAuditTailCmd(e), adminAuditVerifyCmd(e))
	return cmd
}
