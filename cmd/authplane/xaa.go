package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/authplane/authplane/internal/xaa"
)

// xaaFlags are the endpoints and credentials of one XAA chain.
type xaaFlags struct {
	idp, idpClientID, idpClientSecret string
	as, clientID, clientSecret        string
	resource, scope                   string
	idTokenFile                       string
	username, password, redirectURI   string
}

func newXAACmd() *cobra.Command {
	cmd := &cobra.Command{Use: "xaa", Short: "Operator tools for Cross-App Access: run and explain the ID-JAG exchange"}
	cmd.AddCommand(newXAATokenCmd(), newXAAExplainCmd())
	return cmd
}

func newXAATokenCmd() *cobra.Command {
	f := &xaaFlags{}
	cmd := &cobra.Command{
		Use:   "token",
		Short: "Perform the whole exchange step by step against real endpoints and explain where it fails",
		Long: "Signs in at the IdP (or takes an ID token), exchanges it for an ID-JAG (RFC 8693), checks the ID-JAG\n" +
			"locally against what the authorization server requires, presents it (RFC 7523 jwt-bearer) and prints every\n" +
			"artefact decoded, signatures elided. Exits non-zero at the first failing step, naming what to check.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runXAAToken(cmd.Context(), cmd.OutOrStdout(), f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.idp, "idp", "", "IdP issuer URL")
	fl.StringVar(&f.idpClientID, "idp-client-id", "", "the app's client id at the IdP")
	fl.StringVar(&f.idpClientSecret, "idp-client-secret", "", "the app's client secret at the IdP")
	fl.StringVar(&f.as, "as", "", "the resource authorization server's issuer (AuthPlane)")
	fl.StringVar(&f.clientID, "client-id", "", "the app's client id at the authorization server")
	fl.StringVar(&f.clientSecret, "client-secret", "", "the app's client secret at the authorization server")
	fl.StringVar(&f.resource, "resource", "", "the MCP server's resource identifier")
	fl.StringVar(&f.scope, "scope", "", "space-separated scopes to request")
	fl.StringVar(&f.idTokenFile, "id-token", "", "file holding an ID token (instead of signing in)")
	fl.StringVar(&f.username, "username", "", "sign in at the IdP as this user (dev IdP role's form)")
	fl.StringVar(&f.password, "password", "", "the user's password")
	fl.StringVar(&f.redirectURI, "redirect-uri", "", "the app's registered redirect URI at the IdP (for sign-in)")
	for _, name := range []string{"idp", "idp-client-id", "idp-client-secret", "as", "client-id", "client-secret", "resource"} {
		_ = cmd.MarkFlagRequired(name)
	}
	return cmd
}

// step prints a numbered step's outcome.
type stepper struct {
	w io.Writer
	n int
}

func (s *stepper) step(title string) { s.n++; fmt.Fprintf(s.w, "\n[%d] %s\n", s.n, title) }
func (s *stepper) line(format string, a ...any) {
	fmt.Fprintf(s.w, "    "+format+"\n", a...)
}

func runXAAToken(ctx context.Context, w io.Writer, f *xaaFlags) error {
	hc := &http.Client{Timeout: 15 * time.Second}
	st := &stepper{w: w}
	st.step("Discover the IdP " + f.idp)
	idpMeta, err := xaa.Discover(ctx, hc, f.idp)
	if err != nil {
		return fmt.Errorf("IdP discovery failed: %w", err)
	}
	st.line("token endpoint: %s", idpMeta.TokenEndpoint)
	idToken, err := obtainIDToken(ctx, hc, st, f, idpMeta.AuthorizationEndpoint, idpMeta.TokenEndpoint)
	if err != nil {
		return err
	}
	st.step("Exchange the ID token for an ID-JAG at the IdP (RFC 8693, audience " + f.as + ")")
	jag, err := xaa.ExchangeForIDJAG(ctx, hc, xaa.ExchangeRequest{
		IdPTokenEndpoint: idpMeta.TokenEndpoint, IdP: xaa.Credentials{ClientID: f.idpClientID, ClientSecret: f.idpClientSecret},
		IDToken: idToken, Audience: f.as, Resource: f.resource, Scopes: strings.Fields(f.scope),
	})
	if err != nil {
		return fmt.Errorf("the IdP refused the exchange (its own policy, app registration or the audience/resource pairing): %w", err)
	}
	d, err := xaa.Decode(jag.AccessToken)
	if err != nil {
		return fmt.Errorf("the IdP returned something that is not a JWT: %w", err)
	}
	st.line("ID-JAG:\n%s", d)
	if !reportChecks(st, xaa.CheckIDJAG(d, xaa.Expect{ASIssuer: f.as, ClientID: f.clientID, Resource: f.resource, Now: time.Now()})) {
		return fmt.Errorf("the ID-JAG will be refused by the authorization server (see the failed checks)")
	}
	return presentToAS(ctx, hc, st, f, jag.AccessToken)
}

func obtainIDToken(ctx context.Context, hc *http.Client, st *stepper, f *xaaFlags, authorizeURL, tokenURL string) (string, error) {
	if f.idTokenFile != "" {
		st.step("Read the ID token from " + f.idTokenFile)
		b, err := os.ReadFile(f.idTokenFile)
		return strings.TrimSpace(string(b)), err
	}
	if f.username == "" || f.redirectURI == "" {
		return "", fmt.Errorf("give --id-token, or --username, --password and --redirect-uri to sign in")
	}
	st.step("Sign in at the IdP as " + f.username + " (authorization code + PKCE S256)")
	tok, err := xaa.SignIn(ctx, hc, xaa.SignInRequest{
		AuthorizeURL: authorizeURL, TokenURL: tokenURL, App: xaa.Credentials{ClientID: f.idpClientID, ClientSecret: f.idpClientSecret},
		RedirectURI: f.redirectURI, Username: f.username, Password: f.password,
	})
	if err != nil {
		return "", fmt.Errorf("sign-in failed: %w", err)
	}
	id := tok.Extra("id_token").(string)
	if d, err := xaa.Decode(id); err == nil {
		st.line("ID token:\n%s", d)
	}
	return id, nil
}

func presentToAS(ctx context.Context, hc *http.Client, st *stepper, f *xaaFlags, jag string) error {
	st.step("Discover the authorization server " + f.as)
	asMeta, err := xaa.Discover(ctx, hc, f.as)
	if err != nil {
		return fmt.Errorf("authorization server discovery failed: %w", err)
	}
	st.line("token endpoint: %s", asMeta.TokenEndpoint)
	if !slices.Contains(asMeta.GrantTypesSupported, "urn:ietf:params:oauth:grant-type:jwt-bearer") {
		st.line("WARNING: grant_types_supported does not list the jwt-bearer grant")
	}
	st.step("Present the ID-JAG (RFC 7523 jwt-bearer)")
	at, err := xaa.PresentIDJAG(ctx, hc, xaa.BearerRequest{
		ASTokenEndpoint: asMeta.TokenEndpoint, Client: xaa.Credentials{ClientID: f.clientID, ClientSecret: f.clientSecret},
		IDJAG: jag, Resource: f.resource, Scopes: strings.Fields(f.scope),
	})
	if err != nil {
		if code, desc, ok := xaa.OAuthError(err); ok {
			st.line("refused: %s (%s)", code, desc)
			st.line("check: %s", xaa.Hint(code))
		}
		return fmt.Errorf("the authorization server refused the ID-JAG: %w", err)
	}
	st.line("token_type: %s, expires: %s, scope: %v", at.TokenType, at.Expiry.Format(time.RFC3339), at.Extra("scope"))
	if d, err := xaa.Decode(at.AccessToken); err == nil {
		st.line("access token:\n%s", d)
	}
	fmt.Fprintln(st.w, "\nOK: the chain works end to end.")
	return nil
}

func reportChecks(st *stepper, checks []xaa.Check) bool {
	ok := true
	for _, c := range checks {
		mark := "ok  "
		if !c.OK {
			mark, ok = "FAIL", false
		}
		st.line("%s %s  %s", mark, c.Name, c.Note)
	}
	return ok
}

func newXAAExplainCmd() *cobra.Command {
	var file, as, clientID, resource string
	cmd := &cobra.Command{
		Use:   "explain --assertion FILE --as ISSUER --client-id ID [--resource URI]",
		Short: "Decode an ID-JAG and check it locally against what the authorization server requires",
		Long: "Decodes the ID-JAG (signature elided, not verified) and runs every check that needs no keys.\n" +
			"For the server's own verdict, rule by rule, use `authplane admin policy explain --assertion FILE`.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			raw, err := readArg(file)
			if err != nil {
				return err
			}
			d, err := xaa.Decode(strings.TrimSpace(string(raw)))
			if err != nil {
				return err
			}
			st := &stepper{w: cmd.OutOrStdout()}
			st.step("ID-JAG")
			st.line("%s", d)
			st.step("Checks")
			if !reportChecks(st, xaa.CheckIDJAG(d, xaa.Expect{ASIssuer: as, ClientID: clientID, Resource: resource, Now: time.Now()})) {
				return fmt.Errorf("the ID-JAG fails local checks")
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&file, "assertion", "", "file holding the ID-JAG (- for stdin)")
	cmd.Flags().StringVar(&as, "as", "", "the authorization server's issuer (the only acceptable aud)")
	cmd.Flags().StringVar(&clientID, "client-id", "", "the client's id at the authorization server")
	cmd.Flags().StringVar(&resource, "resource", "", "the MCP server the token is for")
	for _, n := range []string{"assertion", "as", "client-id"} {
		_ = cmd.MarkFlagRequired(n)
	}
	return cmd
}
