package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/authplane/authplane/internal/adminclient"
	"github.com/authplane/authplane/internal/config"
)

// adminEnv holds the persistent flags of `authplane admin`, shared by every
// subcommand.
type adminEnv struct {
	url          string
	token        string
	insecureHTTP bool
	timeout      time.Duration
	output       string
}

func newAdminCmd() *cobra.Command {
	e := &adminEnv{}
	cmd := &cobra.Command{
		Use:   "admin",
		Short: "Manage a running AuthPlane server through its admin API",
		Long: "Manage a running AuthPlane server through its admin API (/admin/v1).\n\n" +
			"The server is found through --admin-url, else AUTHPLANE_ADMIN_URL, else http://AUTHPLANE_ADMIN_ADDR,\n" +
			"else http://" + config.DefaultAdminAddr + ". The token comes from --admin-token, else AUTHPLANE_ADMIN_TOKEN\n" +
			"(prefer the variable: command lines are visible to other local users). Lists print a table and\n" +
			"single objects JSON unless -o says otherwise.",
		SilenceUsage: true,
	}
	pf := cmd.PersistentFlags()
	pf.StringVar(&e.url, "admin-url", "", "admin API base URL (default $AUTHPLANE_ADMIN_URL, http://$AUTHPLANE_ADMIN_ADDR or http://"+config.DefaultAdminAddr+")")
	pf.StringVar(&e.token, "admin-token", "", "admin bearer token (default $AUTHPLANE_ADMIN_TOKEN)")
	pf.BoolVar(&e.insecureHTTP, "insecure-http", false, "INSECURE: allow sending the token over plain http to a non-loopback host")
	pf.DurationVar(&e.timeout, "timeout", adminclient.DefaultTimeout, "time-out of each admin API request")
	pf.StringVarP(&e.output, "output", "o", "", "output format: table or json (default: table for lists, json for single objects)")
	cmd.AddCommand(
		adminClientsCmd(e), adminResourcesCmd(e), adminIdPsCmd(e), adminPoliciesCmd(e), adminSubjectMappingsCmd(e),
		adminKeysCmd(e), adminTokensCmd(e), adminRevokeCmd(e), adminRevocationsCmd(e), adminAuditCmd(e),
		adminConnectionsCmd(e),
	)
	return cmd
}

// client returns the API client the flags and the environment describe.
func (e *adminEnv) client() (*adminclient.Client, error) {
	if err := adminclient.ValidFormat(e.output); err != nil {
		return nil, err
	}
	s := config.LoadClient()
	if e.url != "" {
		s.AdminURL = e.url
	}
	if e.token != "" {
		s.AdminToken = e.token
	}
	if s.AdminToken == "" {
		return nil, errors.New("no admin token: set AUTHPLANE_ADMIN_TOKEN (or --admin-token)")
	}
	return &adminclient.Client{
		BaseURL:      s.AdminURL,
		Token:        s.AdminToken,
		HTTP:         adminclient.NewHTTPClient(e.timeout),
		InsecureHTTP: e.insecureHTTP,
	}, nil
}

// format is the output format: -o, else table for lists and JSON for
// single objects.
func (e *adminEnv) format(list bool) string {
	switch {
	case e.output != "":
		return e.output
	case list:
		return adminclient.FormatTable
	}
	return adminclient.FormatJSON
}

// emitRaw prints one object the server returned: verbatim JSON, or a
// one-row table of it decoded as T.
func emitRaw[T any](cmd *cobra.Command, e *adminEnv, raw json.RawMessage, table func([]T) adminclient.Table) error {
	if e.format(false) == adminclient.FormatJSON {
		return adminclient.WriteJSON(cmd.OutOrStdout(), raw)
	}
	var v T
	if err := json.Unmarshal(raw, &v); err != nil {
		return fmt.Errorf("decode response: %w", err)
	}
	return table([]T{v}).Write(cmd.OutOrStdout())
}

// emitValue prints one typed answer as JSON or as a one-row table.
func emitValue[T any](cmd *cobra.Command, e *adminEnv, v T, table func([]T) adminclient.Table) error {
	if e.format(false) == adminclient.FormatJSON {
		return adminclient.WriteJSON(cmd.OutOrStdout(), v)
	}
	return table([]T{v}).Write(cmd.OutOrStdout())
}

// readObjectFile reads the -f file ("-" for standard input) as a JSON or
// YAML object.
func readObjectFile(cmd *cobra.Command, name string) (map[string]any, error) {
	var r io.Reader = cmd.InOrStdin()
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		r = f
	}
	data, err := io.ReadAll(io.LimitReader(r, adminclient.MaxBodyBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	obj, err := adminclient.DecodeObject(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return obj, nil
}
