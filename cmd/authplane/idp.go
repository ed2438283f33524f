package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/authplane/authplane/internal/idprole"
	"github.com/authplane/authplane/internal/secret"
	"github.com/authplane/authplane/internal/storage"
)

// idpEnv holds the persistent flags of `authplane idp`: which IdP-role data
// directory to use and as which issuer.
type idpEnv struct {
	dataDir string
	issuer  string
	addr    string
	dev     bool
}

func newIdPCmd() *cobra.Command {
	e := &idpEnv{}
	cmd := &cobra.Command{
		Use:   "idp",
		Short: "Run and manage the IdP role: a development enterprise IdP that mints ID-JAGs",
		Long: "The IdP role is a separate process and trust domain with its own store (--data-dir). It signs users\n" +
			"in (OIDC authorization code + PKCE), issues ID tokens and exchanges them (RFC 8693) for ID-JAGs to\n" +
			"the registered resource authorization servers (audiences), under its own policy and audit trail.\n" +
			"The management commands write to the store directly; a running `idp serve` sees the changes on\n" +
			"the next request.",
		SilenceUsage: true,
	}
	pf := cmd.PersistentFlags()
	pf.StringVar(&e.dataDir, "data-dir", idprole.DefaultDataDir, "IdP-role data directory (idp.db, kek)")
	pf.StringVar(&e.issuer, "issuer", "", "issuer URL (default http://<addr> in dev mode)")
	pf.StringVar(&e.addr, "addr", idprole.DefaultAddr, "listen address of idp serve")
	pf.BoolVar(&e.dev, "dev", true, "dev mode: allows an http issuer and http audiences; use --dev=false with an https issuer in production")
	cmd.AddCommand(idpServeCmd(e), idpUserCmd(e), idpAppCmd(e), idpAudienceCmd(e), idpPolicyCmd(e), idpAuditCmd(e))
	return cmd
}

// run opens the store, runs fn and closes the store.
func (e *idpEnv) run(fn func(ctx context.Context, s *idprole.Server, out io.Writer) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, _ []string) error {
		s, err := idprole.Open(background(cmd), idprole.Config{Issuer: e.issuer, Addr: e.addr, DataDir: e.dataDir, Dev: e.dev})
		if err != nil {
			return err
		}
		return errors.Join(fn(background(cmd), s, cmd.OutOrStdout()), s.Close())
	}
}

func idpServeCmd(e *idpEnv) *cobra.Command {
	var level string
	var nonce bool
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve discovery, JWKS, the sign-in page, the token endpoint (ID tokens, ID-JAGs) and userinfo",
		Args:  cobra.NoArgs,
	}
	cmd.Flags().StringVar(&level, "log-level", "info", "debug, info, warn or error")
	cmd.Flags().BoolVar(&nonce, "require-dpop-nonce", false, "require server-issued nonces in DPoP proofs (RFC 9449 §8)")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		var lv slog.Level
		if err := lv.UnmarshalText([]byte(level)); err != nil {
			return fmt.Errorf("--log-level: %w", err)
		}
		log := slog.New(slog.NewJSONHandler(cmd.ErrOrStderr(), &slog.HandlerOptions{Level: lv}))
		ctx, stop := signal.NotifyContext(background(cmd), os.Interrupt, syscall.SIGTERM)
		defer stop()
		s, err := idprole.Open(ctx, idprole.Config{Issuer: e.issuer, Addr: e.addr, DataDir: e.dataDir, Dev: e.dev,
			Logger: log, RequireDPoPNonce: nonce})
		if err != nil {
			return err
		}
		defer s.Close()
		return s.Run(ctx)
	}
	return cmd
}

func idpUserCmd(e *idpEnv) *cobra.Command {
	cmd := &cobra.Command{Use: "user", Short: "Manage the IdP's local users"}
	list := &cobra.Command{Use: "list", Short: "List users", Args: cobra.NoArgs,
		RunE: e.run(func(ctx context.Context, s *idprole.Server, out io.Writer) error {
			us, err := s.ListUsers(ctx)
			return idpTable(out, err, "USERNAME\tEMAIL\tGROUPS", us, func(u idprole.User) string {
				return u.Username + "\t" + u.Email + "\t" + strings.Join(u.Groups, ",")
			})
		})}
	setGroups := &cobra.Command{Use: "set-groups USERNAME [GROUP,...]", Short: "Replace a user's groups (none clears them)",
		Args: cobra.RangeArgs(1, 2)}
	setGroups.RunE = func(cmd *cobra.Command, args []string) error {
		var gs []string
		if len(args) == 2 && args[1] != "" {
			gs = strings.Split(args[1], ",")
		}
		return e.run(func(ctx context.Context, s *idprole.Server, _ io.Writer) error { return s.SetGroups(ctx, args[0], gs) })(cmd, args)
	}
	cmd.AddCommand(idpUserAddCmd(e), list, idpSetPasswordCmd(e), setGroups,
		idpDeleteCmd(e, "user", "USERNAME", (*idprole.Server).DeleteUser))
	return cmd
}

func idpUserAddCmd(e *idpEnv) *cobra.Command {
	var email string
	var groups []string
	var pw passwordFlags
	add := &cobra.Command{Use: "add USERNAME", Short: "Create a user (prints a generated password when none is given)", Args: cobra.ExactArgs(1)}
	add.Flags().StringVar(&email, "email", "", "email address (goes into ID tokens and ID-JAGs)")
	add.Flags().StringSliceVar(&groups, "groups", nil, "comma-separated groups")
	pw.add(add)
	add.RunE = func(cmd *cobra.Command, args []string) error {
		p, generated, err := pw.read(cmd)
		if err != nil {
			return err
		}
		return e.run(func(ctx context.Context, s *idprole.Server, out io.Writer) error {
			u, err := s.AddUser(ctx, idprole.User{Username: args[0], Password: p, Email: email, Groups: groups})
			if err == nil && generated {
				fmt.Fprintf(out, "user %s created; password (shown once): %s\n", u.Username, p)
			}
			return err
		})(cmd, args)
	}
	return add
}

func idpSetPasswordCmd(e *idpEnv) *cobra.Command {
	var pw passwordFlags
	cmd := &cobra.Command{Use: "set-password USERNAME", Short: "Replace a user's password (prints a generated one when none is given)",
		Args: cobra.ExactArgs(1)}
	pw.add(cmd)
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		p, generated, err := pw.read(cmd)
		if err != nil {
			return err
		}
		return e.run(func(ctx context.Context, s *idprole.Server, out io.Writer) error {
			err := s.SetPassword(ctx, args[0], p)
			if err == nil && generated {
				fmt.Fprintf(out, "new password for %s (shown once): %s\n", args[0], p)
			}
			return err
		})(cmd, args)
	}
	return cmd
}

// passwordFlags choose where a password comes from: --password-stdin (one
// line), --password (visible to other local users), else generated.
type passwordFlags struct {
	value string
	stdin bool
}

func (p *passwordFlags) add(cmd *cobra.Command) {
	cmd.Flags().StringVar(&p.value, "password", "", "the password (prefer --password-stdin: command lines are visible to other users)")
	cmd.Flags().BoolVar(&p.stdin, "password-stdin", false, "read the password from the first line of stdin")
}

// read returns the password and whether it was generated.
func (p *passwordFlags) read(cmd *cobra.Command) (string, bool, error) {
	switch {
	case p.stdin && p.value != "":
		return "", false, errors.New("--password and --password-stdin are exclusive")
	case p.stdin:
		line, err := bufio.NewReader(cmd.InOrStdin()).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return "", false, fmt.Errorf("read password: %w", err)
		}
		return strings.TrimRight(line, "\r\n"), false, nil
	case p.value != "":
		return p.value, false, nil
	}
	return secret.Generate()[:24], true, nil
}

func idpAppCmd(e *idpEnv) *cobra.Command {
	cmd := &cobra.Command{Use: "app", Short: "Manage the client applications registered at the IdP"}
	var a idprole.App
	add := &cobra.Command{Use: "add ID", Short: "Register an app; prints its secret once", Args: cobra.ExactArgs(1)}
	add.Flags().StringVar(&a.Name, "name", "", "display name on the sign-in page")
	add.Flags().StringSliceVar(&a.RedirectURIs, "redirect-uri", nil, "exact redirect URI (repeatable)")
	add.Flags().StringSliceVar(&a.GrantTypes, "grant-types", nil,
		"authorization_code and/or urn:ietf:params:oauth:grant-type:token-exchange (default both)")
	add.RunE = func(cmd *cobra.Command, args []string) error {
		a.ID = args[0]
		if !cmd.Flags().Changed("grant-types") {
			a.GrantTypes = nil
		}
		return e.run(func(ctx context.Context, s *idprole.Server, out io.Writer) error {
			got, err := s.AddApp(ctx, a)
			if err == nil {
				fmt.Fprintf(out, "app %s registered\nclient_id:     %s\nclient_secret: %s   (shown once)\n", got.ID, got.ID, got.Secret)
			}
			return err
		})(cmd, args)
	}
	list := &cobra.Command{Use: "list", Short: "List apps", Args: cobra.NoArgs,
		RunE: e.run(func(ctx context.Context, s *idprole.Server, out io.Writer) error {
			as, err := s.ListApps(ctx)
			return idpTable(out, err, "ID\tNAME\tGRANT TYPES\tREDIRECT URIS", as, func(a idprole.App) string {
				return a.ID + "\t" + a.Name + "\t" + strings.Join(a.GrantTypes, ",") + "\t" + strings.Join(a.RedirectURIs, " ")
			})
		})}
	cmd.AddCommand(add, list, idpDeleteCmd(e, "app", "ID", (*idprole.Server).DeleteApp))
	return cmd
}

func idpAudienceCmd(e *idpEnv) *cobra.Command {
	cmd := &cobra.Command{Use: "audience", Short: "Manage the resource authorization servers the IdP mints ID-JAGs for"}
	var a idprole.Audience
	var cmap []string
	add := &cobra.Command{Use: "add ID", Short: "Register a resource AS (audience) with its resources and client-id mapping",
		Args: cobra.ExactArgs(1)}
	f := add.Flags()
	f.StringVar(&a.Issuer, "issuer", "", "the resource AS issuer identifier (the ID-JAG aud)")
	f.StringSliceVar(&a.Aliases, "alias", nil, "another audience value resolving to the issuer (repeatable)")
	f.StringSliceVar(&a.Resources, "resource", nil, "RFC 8707 resource governed by this AS (repeatable)")
	f.StringSliceVar(&a.Scopes, "scope", nil, "scope catalogue of this AS (repeatable; default: clients must request scopes)")
	f.StringSliceVar(&cmap, "client-id", nil, "APP=CLIENT_ID: the app's client_id at this AS (repeatable)")
	add.RunE = func(cmd *cobra.Command, args []string) error {
		a.ID = args[0]
		if !cmd.Flags().Changed("scope") {
			a.Scopes = nil
		}
		a.ClientIDMap = map[string]string{}
		for _, kv := range cmap {
			app, cid, ok := strings.Cut(kv, "=")
			if !ok {
				return fmt.Errorf("--client-id %q: want APP=CLIENT_ID", kv)
			}
			a.ClientIDMap[app] = cid
		}
		return e.run(func(ctx context.Context, s *idprole.Server, out io.Writer) error {
			_, err := s.AddAudience(ctx, a)
			return err
		})(cmd, args)
	}
	list := &cobra.Command{Use: "list", Short: "List audiences", Args: cobra.NoArgs,
		RunE: e.run(func(ctx context.Context, s *idprole.Server, out io.Writer) error {
			as, err := s.ListAudiences(ctx)
			return idpTable(out, err, "ID\tISSUER\tRESOURCES\tSCOPES\tCLIENT IDS", as, func(a idprole.Audience) string {
				var m []string
				for k, v := range a.ClientIDMap {
					m = append(m, k+"="+v)
				}
				return a.ID + "\t" + a.Issuer + "\t" + strings.Join(a.Resources, " ") + "\t" + strings.Join(a.Scopes, " ") + "\t" + strings.Join(m, " ")
			})
		})}
	cmd.AddCommand(add, list, idpDeleteCmd(e, "audience", "ID", (*idprole.Server).DeleteAudience))
	return cmd
}

func idpPolicyCmd(e *idpEnv) *cobra.Command {
	cmd := &cobra.Command{Use: "policy", Short: "Manage the IdP's enterprise policy (which app may reach which AS, resource and scopes)"}
	var p storage.Policy
	var amr []string
	var maxAge time.Duration
	add := &cobra.Command{Use: "add ID", Short: "Append a rule (default deny: without an allow rule nothing is granted)", Args: cobra.ExactArgs(1)}
	f := add.Flags()
	f.StringVar(&p.Effect, "effect", "allow", "allow or deny")
	f.StringVar(&p.Description, "description", "", "what the rule is for")
	f.StringSliceVar(&p.IdPs, "audiences", nil, "audience ids the rule applies to (default any)")
	f.StringSliceVar(&p.Clients, "apps", nil, "app ids (default any)")
	f.StringSliceVar(&p.Resources, "resources", nil, "resource URIs (default any)")
	f.StringSliceVar(&p.GroupsAny, "groups", nil, "user groups, any of (default any)")
	f.StringSliceVar(&p.Subjects, "users", nil, "usernames (default any)")
	f.StringSliceVar(&p.Scopes, "scopes", nil, "scopes granted (allow) or removed (deny); default every scope")
	f.StringSliceVar(&amr, "require-amr", nil, "step-up: the sign-in must have used one of these methods")
	f.DurationVar(&maxAge, "max-auth-age", 0, "step-up: the sign-in must be at most this old")
	f.StringVar(&p.Condition, "condition", "", "CEL condition over claims, groups, client_id, resource, request")
	add.RunE = func(cmd *cobra.Command, args []string) error {
		p.ID, p.Enabled = args[0], true
		for name, l := range map[string]*[]string{"audiences": &p.IdPs, "apps": &p.Clients, "resources": &p.Resources,
			"groups": &p.GroupsAny, "users": &p.Subjects, "scopes": &p.Scopes} {
			if !cmd.Flags().Changed(name) {
				*l = nil
			}
		}
		if len(amr) > 0 || maxAge > 0 {
			p.Require = &storage.Requirement{AMRAny: amr, MaxAuthAge: maxAge}
		}
		return e.run(func(ctx context.Context, s *idprole.Server, _ io.Writer) error { return s.AddPolicy(ctx, p) })(cmd, args)
	}
	list := &cobra.Command{Use: "list", Short: "List rules in policy order (JSON lines)", Args: cobra.NoArgs,
		RunE: e.run(func(ctx context.Context, s *idprole.Server, out io.Writer) error {
			ps, err := s.ListPolicies(ctx)
			return idpJSONLines(out, ps, err)
		})}
	cmd.AddCommand(add, list, idpDeleteCmd(e, "policy", "ID", (*idprole.Server).DeletePolicy))
	return cmd
}

func idpAuditCmd(e *idpEnv) *cobra.Command {
	var limit int
	cmd := &cobra.Command{Use: "audit", Short: "Print the latest audit events (JSON lines, oldest first)", Args: cobra.NoArgs,
		RunE: e.run(func(ctx context.Context, s *idprole.Server, out io.Writer) error {
			evs, err := s.Audit(ctx, limit)
			return idpJSONLines(out, evs, err)
		})}
	cmd.Flags().IntVar(&limit, "limit", 50, "how many events (at most 1000)")
	return cmd
}

// idpDeleteCmd is `<kind> delete <ARG>`.
func idpDeleteCmd(e *idpEnv, kind, arg string, del func(*idprole.Server, context.Context, string) error) *cobra.Command {
	return &cobra.Command{Use: "delete " + arg, Short: "Delete a " + kind, Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return e.run(func(ctx context.Context, s *idprole.Server, _ io.Writer) error { return del(s, ctx, args[0]) })(cmd, args)
		}}
}

// idpTable prints rows under a header, tab-aligned.
func idpTable[T any](out io.Writer, err error, header string, rows []T, row func(T) string) error {
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, header)
	for _, r := range rows {
		fmt.Fprintln(tw, row(r))
	}
	return tw.Flush()
}

// idpJSONLines prints one JSON document per value.
func idpJSONLines[T any](out io.Writer, vs []T, err error) error {
	if err != nil {
		return err
	}
	enc := json.NewEncoder(out)
	for _, v := range vs {
		if err := enc.Encode(v); err != nil {
			return err
		}
	}
	return nil
}
