package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/authplane/authplane/internal/adminclient"
)

// errAuditVerifyFailed makes `admin audit verify` exit non-zero when the
// trail does not verify.
var errAuditVerifyFailed = errors.New("audit trail verification failed")

// defaultVerifyTimeout replaces --timeout for verify unless it is given:
// the server reads the whole trail.
const defaultVerifyTimeout = 10 * time.Minute

// registerFilters adds the audit filter flags to cmd.
func (af *adminAuditFlags) registerFilters(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&af.since, "since", "", "events since: RFC 3339 time, YYYY-MM-DD, or a duration ago (\"1h\")")
	f.StringVar(&af.until, "until", "", "events until: RFC 3339 time, YYYY-MM-DD, or a duration ago")
	f.StringVar(&af.q.Type, "type", "", "event type, e.g. token.issued, grant.denied, admin.client.create")
	f.StringVar(&af.q.Outcome, "outcome", "", "outcome, e.g. success or failure")
	f.StringVar(&af.q.Reason, "reason", "", "denial reason")
	f.StringVar(&af.q.IdP, "idp", "", "IdP id")
	f.StringVar(&af.q.Client, "client", "", "client id")
	f.StringVar(&af.q.Subject, "subject", "", "local subject")
	f.StringVar(&af.q.Resource, "resource", "", "resource")
	f.StringVar(&af.q.JTI, "jti", "", "assertion or token jti")
}

// query returns the filters with --since and --until resolved against now.
func (af *adminAuditFlags) query(now time.Time) (adminclient.AuditQuery, error) {
	q := af.q
	var err error
	if q.Since, err = adminclient.ParseTime(af.since, now); err != nil {
		return q, fmt.Errorf("--since: %w", err)
	}
	if q.Until, err = adminclient.ParseTime(af.until, now); err != nil {
		return q, fmt.Errorf("--until: %w", err)
	}
	return q, nil
}

// adminAuditSearchCmd is `admin audit search`: list with a table, or JSON
// lines (one event per line) with -o json.
func adminAuditSearchCmd(e *adminEnv) *cobra.Command {
	var af adminAuditFlags
	cmd := &cobra.Command{
		Use:   "search",
		Short: "Search audit events: a table, or one JSON event per line with -o json",
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
			if e.format(true) != adminclient.FormatJSON {
				return adminRunList(cmd, e, c.Audit(), adminclient.AuditTable, af.lf, q.Values())
			}
			return searchJSONLines(cmd, c, af.lf, q)
		},
	}
	af.registerFilters(cmd)
	af.lf.register(cmd)
	return cmd
}

// searchJSONLines prints the matching events one compact JSON object per
// line, page by page.
func searchJSONLines(cmd *cobra.Command, c *adminclient.Client, lf adminListFlags, q adminclient.AuditQuery) error {
	o := adminclient.ListOptions{Cursor: lf.cursor, Limit: lf.limit, Query: q.Values()}
	raw := c.Audit().Raw()
	for {
		p, err := raw.List(cmd.Context(), o)
		if err != nil {
			return err
		}
		for _, it := range p.Items {
			if err := adminclient.WriteJSONLine(cmd.OutOrStdout(), it); err != nil {
				return err
			}
		}
		switch {
		case p.NextCursor == "":
			return nil
		case !lf.all:
			fmt.Fprintf(cmd.ErrOrStderr(), "more results: --cursor %q (or --all)\n", p.NextCursor)
			return nil
		case p.NextCursor == o.Cursor:
			return fmt.Errorf("server repeated cursor %q", p.NextCursor)
		}
		o.Cursor = p.NextCursor
	}
}

// adminTailFlags are the flags of `admin audit tail`.
type adminTailFlags struct {
	af                 adminAuditFlags
	cursor             int64
	follow             bool
	retryMin, retryMax time.Duration
}

// adminAuditTailCmd is `admin audit tail`: the export stream as JSON lines
// on standard output, for SIEM shipping.
func adminAuditTailCmd(e *adminEnv) *cobra.Command {
	var tf adminTailFlags
	cmd := &cobra.Command{
		Use:   "tail",
		Short: "Stream audit events as JSON lines (follows new events; resumable with --cursor)",
		Long: "Stream audit events as JSON lines on standard output, one event per line, in seq order.\n" +
			"With --follow (the default) new events are printed as they are written and the stream\n" +
			"reconnects with backoff after an interruption, resuming after the last event printed.\n" +
			"Resume a later run with --cursor set to the \"seq\" of the last line received.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			q, err := tf.af.query(time.Now())
			if err != nil {
				return err
			}
			c, err := e.client()
			if err != nil {
				return err
			}
			return runTail(cmd, c, tf, q)
		},
	}
	tf.af.registerFilters(cmd)
	f := cmd.Flags()
	f.Int64Var(&tf.cursor, "cursor", 0, "start after this seq (the \"seq\" of the last event received)")
	f.BoolVar(&tf.follow, "follow", true, "keep streaming new events; --follow=false stops at the current end")
	f.DurationVar(&tf.retryMin, "retry-min", time.Second, "first reconnect delay (doubles up to --retry-max)")
	f.DurationVar(&tf.retryMax, "retry-max", 30*time.Second, "longest reconnect delay")
	return cmd
}

// runTail streams until the server ends a non-following stream, the
// context ends, or the server refuses the request (4xx).
func runTail(cmd *cobra.Command, c *adminclient.Client, tf adminTailFlags, q adminclient.AuditQuery) error {
	ctx, cursor, delay := cmd.Context(), tf.cursor, tf.retryMin
	for {
		received := false
		err := c.StreamAudit(ctx, adminclient.StreamOptions{Query: q, Cursor: cursor, Follow: tf.follow},
			func(l adminclient.StreamLine) error {
				received, cursor = true, l.Seq
				return adminclient.WriteJSONLine(cmd.OutOrStdout(), l.Raw)
			})
		var pe *adminclient.ProblemError
		switch {
		case ctx.Err() != nil:
			return nil
		case errors.As(err, &pe) && pe.Status < 500:
			return err
		case err == nil && !tf.follow:
			return nil
		case received:
			delay = tf.retryMin
		}
		if err == nil {
			err = errors.New("the server closed the stream")
		}
		fmt.Fprintf(cmd.ErrOrStderr(), "audit tail: %v; reconnecting in %s after seq %d\n", err, delay, cursor)
		if !sleepCtx(ctx, delay) {
			return nil
		}
		delay = min(2*delay, tf.retryMax)
	}
}

// sleepCtx waits for d or until ctx ends; it reports whether d elapsed.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// adminAuditVerifyCmd is `admin audit verify`: OK or the first problem,
// exiting non-zero on a problem.
func adminAuditVerifyCmd(e *adminEnv) *cobra.Command {
	return &cobra.Command{
		Use:   "verify",
		Short: "Verify the audit trail's seals; exits 1 if a record was edited, inserted or deleted",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if f := cmd.Flag("timeout"); f == nil || !f.Changed {
				e.timeout = defaultVerifyTimeout
			}
			c, err := e.client()
			if err != nil {
				return err
			}
			r, err := c.VerifyAudit(cmd.Context())
			if err != nil {
				return err
			}
			if err := printVerify(cmd, e, r); err != nil {
				return err
			}
			if !r.OK {
				return errAuditVerifyFailed
			}
			return nil
		},
	}
}

// printVerify prints the report as JSON or as one or two lines of text.
func printVerify(cmd *cobra.Command, e *adminEnv, r adminclient.VerifyReport) error {
	if e.output == adminclient.FormatJSON {
		return adminclient.WriteJSON(cmd.OutOrStdout(), r)
	}
	w := cmd.OutOrStdout()
	if !r.OK && r.FirstProblem != nil {
		p := r.FirstProblem
		_, err := fmt.Fprintf(w, "FAILED: %s at seq %d: %s\n", p.Kind, p.Seq, p.Detail)
		return err
	}
	_, err := fmt.Fprintf(w, "OK: %d seals (%d purged), %d events verified, %d not yet sealed; head %s at seq %d\n",
		r.Seals, r.PurgedSeals, r.Events, r.Unsealed, orDash(r.Head), r.LastSealedSeq)
	return err
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// adminConnectionsCmd is `admin connections`: the access review.
func adminConnectionsCmd(e *adminEnv) *cobra.Command {
	var (
		since, until string
		q            adminclient.ConnectionQuery
		lf           adminListFlags
	)
	cmd := &cobra.Command{
		Use:   "connections",
		Short: "Access review: every subject, client and resource that obtained a token, with scopes and times",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var err error
			now := time.Now()
			if q.Since, err = adminclient.ParseTime(since, now); err != nil {
				return fmt.Errorf("--since: %w", err)
			}
			if q.Until, err = adminclient.ParseTime(until, now); err != nil {
				return fmt.Errorf("--until: %w", err)
			}
			c, err := e.client()
			if err != nil {
				return err
			}
			return adminRunList(cmd, e, c.Connections(), adminclient.ConnectionsTable, lf, q.Values())
		},
	}
	f := cmd.Flags()
	f.StringVar(&since, "since", "", "tokens issued since: RFC 3339 time, YYYY-MM-DD, or a duration ago (\"720h\")")
	f.StringVar(&until, "until", "", "tokens issued until: RFC 3339 time, YYYY-MM-DD, or a duration ago")
	f.StringVar(&q.Subject, "subject", "", "local subject")
	f.StringVar(&q.Client, "client", "", "client id")
	lf.register(cmd)
	return cmd
}
