package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
)

// explainResult mirrors the answer of POST /admin/v1/policies/explain.
type explainResult struct {
	Decision string   `json:"decision"`
	Stage    string   `json:"stage"`
	Error    string   `json:"error"`
	Reason   string   `json:"reason"`
	IdPID    string   `json:"idp_id"`
	Subject  string   `json:"subject"`
	Resource string   `json:"resource"`
	Granted  []string `json:"granted_scopes"`
	Rules    []struct {
		ID       string   `json:"id"`
		Effect   string   `json:"effect"`
		Disabled bool     `json:"disabled"`
		Matched  bool     `json:"matched"`
		StepUp   bool     `json:"step_up"`
		Failures []string `json:"failures"`
	} `json:"rules"`
}

// adminExplainCmd is `admin policies explain`: a dry run of the token
// endpoint's decision for an ID-JAG (signature checked, nothing consumed) or
// a claims set.
func adminExplainCmd(e *adminEnv) *cobra.Command {
	var assertionFile, claimsFile, client, resource, scope string
	cmd := &cobra.Command{
		Use:   "explain (--assertion FILE | --claims FILE) --client ID [--resource URI] [--scope SCOPES]",
		Short: "Explain the decision for an ID-JAG or a claims set, rule by rule (changes nothing)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			body := map[string]any{"client_id": client, "resource": resource, "scope": scope}
			if (assertionFile == "") == (claimsFile == "") {
				return fmt.Errorf("give exactly one of --assertion or --claims")
			}
			if assertionFile != "" {
				raw, err := readArg(assertionFile)
				if err != nil {
					return err
				}
				body["assertion"] = strings.TrimSpace(string(raw))
			} else {
				raw, err := readArg(claimsFile)
				if err != nil {
					return err
				}
				var claims map[string]any
				if err := json.Unmarshal(raw, &claims); err != nil {
					return fmt.Errorf("claims file: %w", err)
				}
				body["claims"] = claims
			}
			c, err := e.client()
			if err != nil {
				return err
			}
			var raw json.RawMessage
			if err := c.Do(cmd.Context(), "POST", "/policies/explain", body, &raw); err != nil {
				return err
			}
			if e.output == "json" { // readable text unless JSON is asked for
				_, err := fmt.Fprintln(cmd.OutOrStdout(), string(raw))
				return err
			}
			var res explainResult
			if err := json.Unmarshal(raw, &res); err != nil {
				return err
			}
			printExplanation(cmd.OutOrStdout(), res)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&assertionFile, "assertion", "", "file holding a raw ID-JAG (- for stdin)")
	f.StringVar(&claimsFile, "claims", "", "file holding a JSON claims set (- for stdin)")
	f.StringVar(&client, "client", "", "the client id the request would authenticate as")
	f.StringVar(&resource, "resource", "", "the resource parameter of the request")
	f.StringVar(&scope, "scope", "", "the scope parameter of the request")
	_ = cmd.MarkFlagRequired("client")
	return cmd
}

func readArg(name string) ([]byte, error) {
	if name == "-" {
		return io.ReadAll(io.LimitReader(os.Stdin, 1<<20))
	}
	return os.ReadFile(name)
}

func printExplanation(w io.Writer, r explainResult) {
	fmt.Fprintf(w, "decision: %s", strings.ToUpper(r.Decision))
	if r.Decision != "allow" {
		fmt.Fprintf(w, " at %s (%s: %s)", r.Stage, r.Error, r.Reason)
	}
	fmt.Fprintf(w, "\nidp: %s  subject: %s  resource: %s\ngranted scopes: %s\nrules:\n",
		r.IdPID, r.Subject, r.Resource, strings.Join(r.Granted, " "))
	for _, rule := range r.Rules {
		state := "no match"
		switch {
		case rule.Disabled:
			state = "disabled"
		case rule.Matched:
			state = "MATCH"
		case rule.StepUp:
			state = "step-up needed"
		}
		fmt.Fprintf(w, "  %-24s %-5s %s\n", rule.ID, rule.Effect, state)
		for _, f := range rule.Failures {
			fmt.Fprintf(w, "      - %s\n", f)
		}
	}
}
