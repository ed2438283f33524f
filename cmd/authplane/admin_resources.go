package main

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/authplane/authplane/internal/adminclient"
)

// secretNote is printed with every client secret the server shows.
const secretNote = "Note: store this client secret now; it cannot be shown again (replace it with `authplane admin clients rotate-secret %s`).\n"

func adminClientsCmd(e *adminEnv) *cobra.Command {
	cmd := adminResource[adminclient.OAuthClient]{
		use: "clients", short: "registered OAuth clients (agents, resource servers)", noun: "client", keys: []string{"ID"},
		coll:  (*adminclient.Client).Clients,
		table: adminclient.ClientsTable,
		spec:  adminclient.ClientFields(),
		show:  adminShowClientWrite,
	}.command(e)
	cmd.AddCommand(&cobra.Command{
		Use:   "rotate-secret ID",
		Short: "Replace a client's secret and show the new one once",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := e.client()
			if err != nil {
				return err
			}
			s, err := c.RotateClientSecret(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			if err := emitValue(cmd, e, s, adminSecretTable); err != nil {
				return err
			}
			fmt.Fprintf(cmd.ErrOrStderr(), secretNote, s.ClientID)
			return nil
		},
	})
	return cmd
}

// adminShowClientWrite prints a created or updated client and, once, the
// secret the server may return with it: in the JSON (default) as the server
// sent it, in table mode on its own line; the note goes to standard error.
func adminShowClientWrite(cmd *cobra.Command, e *adminEnv, raw json.RawMessage) error {
	var cc adminclient.CreatedClient
	if err := json.Unmarshal(raw, &cc); err != nil {
		return fmt.Errorf("decode response: %w", err)
	}
	if e.format(false) == adminclient.FormatJSON {
		if err := adminclient.WriteJSON(cmd.OutOrStdout(), raw); err != nil {
			return err
		}
	} else {
		if err := adminclient.ClientsTable([]adminclient.OAuthClient{cc.OAuthClient}).Write(cmd.OutOrStdout()); err != nil {
			return err
		}
		if cc.ClientSecret != "" {
			fmt.Fprintf(cmd.OutOrStdout(), "\nclient_secret: %s\n", cc.ClientSecret)
		}
	}
	if cc.ClientSecret != "" {
		fmt.Fprintf(cmd.ErrOrStderr(), secretNote, cc.ID)
	}
	return nil
}

// adminSecretTable renders a rotated secret.
func adminSecretTable(s []adminclient.ClientSecret) adminclient.Table {
	t := adminclient.Table{Header: []string{"CLIENT ID", "CLIENT SECRET"}}
	for _, x := range s {
		t.Rows = append(t.Rows, []string{x.ClientID, x.ClientSecret})
	}
	return t
}

func adminResourcesCmd(e *adminEnv) *cobra.Command {
	return adminResource[adminclient.Resource]{
		use: "resources", short: "protected resources (MCP servers)", noun: "resource", keys: []string{"ID"},
		coll:  (*adminclient.Client).Resources,
		table: adminclient.ResourcesTable,
		spec:  adminclient.ResourceFields(),
	}.command(e)
}

func adminIdPsCmd(e *adminEnv) *cobra.Command {
	cmd := adminResource[adminclient.IdP]{
		use: "idps", short: "trusted IdPs whose ID-JAGs are accepted", noun: "trusted IdP", keys: []string{"ID"},
		coll:  (*adminclient.Client).IdPs,
		table: adminclient.IdPsTable,
		spec:  adminclient.IdPFields(),
	}.command(e)
	cmd.AddCommand(
		adminIdPStatusCmd(e, "refresh ID", "Refetch an IdP's keys on every instance and show the result", (*adminclient.Client).RefreshIdP),
		adminIdPStatusCmd(e, "status ID", "Show an IdP's key cache: last fetch, expiry, kids, last error", (*adminclient.Client).IdPStatus),
	)
	return cmd
}

func adminIdPStatusCmd(e *adminEnv, use, short string,
	call func(*adminclient.Client, context.Context, string) (adminclient.IdPStatus, error)) *cobra.Command {
	return &cobra.Command{
		Use:   use,
		Short: short,
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := e.client()
			if err != nil {
				return err
			}
			s, err := call(c, cmd.Context(), args[0])
			if err != nil {
				return err
			}
			return emitValue(cmd, e, s, adminclient.IdPStatusTable)
		},
	}
}

func adminPoliciesCmd(e *adminEnv) *cobra.Command {
	cmd := adminResource[adminclient.Policy]{
		use: "policies", short: "policy rules", noun: "policy", keys: []string{"ID"},
		coll:  (*adminclient.Client).Policies,
		table: adminclient.PoliciesTable,
		spec:  adminclient.PolicyFields(),
	}.command(e)
	cmd.Aliases = append(cmd.Aliases, "policy")
	cmd.AddCommand(adminExplainCmd(e))
	return cmd
}

func adminSubjectMappingsCmd(e *adminEnv) *cobra.Command {
	return adminResource[adminclient.SubjectMapping]{
		use: "subject-mappings", short: "mappings of IdP subjects to local subjects", noun: "subject mapping", keys: []string{"IDP", "SUB"},
		coll:  (*adminclient.Client).SubjectMappings,
		table: adminclient.SubjectMappingsTable,
		spec:  adminclient.SubjectMappingFields(),
	}.command(e)
}
