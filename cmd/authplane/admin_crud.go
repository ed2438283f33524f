package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/spf13/cobra"

	"github.com/authplane/authplane/internal/adminclient"
)

// adminResource describes one admin API collection for the generic
// list/get/create/update/delete commands.
type adminResource[T any] struct {
	use   string   // command name, e.g. "clients"
	short string   // what it manages, e.g. "registered OAuth clients"
	noun  string   // one object, e.g. "client"
	keys  []string // positional key arguments: {"ID"} or {"IDP", "SUB"}
	coll  func(*adminclient.Client) adminclient.Collection[T]
	table func([]T) adminclient.Table
	spec  adminclient.Fields
	// show replaces the default output of create and update (clients show
	// a secret the server returns).
	show func(cmd *cobra.Command, e *adminEnv, raw json.RawMessage) error
}

// command returns the resource's command with list, get, create, update and
// delete under it.
func (r adminResource[T]) command(e *adminEnv) *cobra.Command {
	cmd := &cobra.Command{Use: r.use, Short: "Manage " + r.short}
	cmd.AddCommand(
		adminListCmd(e, "list", "List "+r.short, true, r.coll, r.table),
		r.getCmd(e), r.createCmd(e), r.updateCmd(e), r.deleteCmd(e),
	)
	return cmd
}

// emit prints the object a create or update returned.
func (r adminResource[T]) emit(cmd *cobra.Command, e *adminEnv, raw json.RawMessage) error {
	if r.show != nil {
		return r.show(cmd, e, raw)
	}
	return emitRaw(cmd, e, raw, r.table)
}

func (r adminResource[T]) usage(verb string) string {
	return verb + " " + strings.Join(r.keys, " ")
}

func (r adminResource[T]) getCmd(e *adminEnv) *cobra.Command {
	return &cobra.Command{
		Use:   r.usage("get"),
		Short: "Show one " + r.noun,
		Args:  cobra.ExactArgs(len(r.keys)),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := e.client()
			if err != nil {
				return err
			}
			raw, err := r.coll(c).Raw().Get(cmd.Context(), args...)
			if err != nil {
				return err
			}
			return emitRaw(cmd, e, raw, r.table)
		},
	}
}

func (r adminResource[T]) createCmd(e *adminEnv) *cobra.Command {
	var file string
	cmd := &cobra.Command{
		Use:   "create",
		Short: "Create a " + r.noun + " from -f FILE (JSON or YAML) and/or flags",
		Long: "Create a " + r.noun + ". The object comes from -f FILE (JSON or YAML, - for standard input), with the\n" +
			"flags given applied on top; fields neither in the file nor given as flags are left out so the server\n" +
			"applies its defaults (for lists: no restriction).",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			body, err := adminBody(cmd, r.spec, file)
			if err != nil {
				return err
			}
			c, err := e.client()
			if err != nil {
				return err
			}
			raw, err := r.coll(c).Raw().Create(cmd.Context(), body)
			if err != nil {
				return err
			}
			return r.emit(cmd, e, raw)
		},
	}
	cmd.Flags().StringVarP(&file, "file", "f", "", "JSON or YAML file holding the "+r.noun+" (- for standard input)")
	r.spec.Register(cmd.Flags(), true)
	return cmd
}

func (r adminResource[T]) updateCmd(e *adminEnv) *cobra.Command {
	var file string
	cmd := &cobra.Command{
		Use:   r.usage("update"),
		Short: "Change a " + r.noun,
		Long: "Change a " + r.noun + ". With -f FILE the file is the complete new object (full replacement), with the\n" +
			"flags given applied on top. Without -f the current object is read, the flags given are applied and\n" +
			"it is written back, so fields not mentioned keep their values; --unset FIELD sets one to null.",
		Args: cobra.ExactArgs(len(r.keys)),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := e.client()
			if err != nil {
				return err
			}
			coll := r.coll(c).Raw()
			body, err := adminUpdateBody(cmd, r.spec, file, func() (json.RawMessage, error) {
				return coll.Get(cmd.Context(), args...)
			})
			if err != nil {
				return err
			}
			raw, err := coll.Update(cmd.Context(), body, args...)
			if err != nil {
				return err
			}
			return r.emit(cmd, e, raw)
		},
	}
	cmd.Flags().StringVarP(&file, "file", "f", "", "JSON or YAML file holding the complete "+r.noun+" (- for standard input)")
	r.spec.Register(cmd.Flags(), false)
	return cmd
}

func (r adminResource[T]) deleteCmd(e *adminEnv) *cobra.Command {
	return &cobra.Command{
		Use:   r.usage("delete"),
		Short: "Delete a " + r.noun,
		Args:  cobra.ExactArgs(len(r.keys)),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := e.client()
			if err != nil {
				return err
			}
			if err := r.coll(c).Raw().Delete(cmd.Context(), args...); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "deleted %s %s\n", r.noun, strings.Join(args, " "))
			return nil
		},
	}
}

// adminBody is a create body: the -f object (or an empty one) with the
// flags given applied.
func adminBody(cmd *cobra.Command, spec adminclient.Fields, file string) (map[string]any, error) {
	changes, err := spec.Changes(cmd.Flags())
	if err != nil {
		return nil, err
	}
	var base map[string]any
	if file != "" {
		if base, err = readObjectFile(cmd, file); err != nil {
			return nil, err
		}
	}
	return adminclient.Apply(base, changes), nil
}

// adminUpdateBody is an update body: the -f object, or the current object
// read through current, with the flags given applied.
func adminUpdateBody(cmd *cobra.Command, spec adminclient.Fields, file string, current func() (json.RawMessage, error)) (map[string]any, error) {
	if file != "" {
		return adminBody(cmd, spec, file)
	}
	changes, err := spec.Changes(cmd.Flags())
	if err != nil {
		return nil, err
	}
	if len(changes) == 0 {
		return nil, errors.New("nothing to change: give -f FILE or at least one field flag")
	}
	cur, err := current()
	if err != nil {
		return nil, err
	}
	return adminclient.UpdateBody(cur, changes)
}

// adminListCmd lists a collection; paged collections get --limit, --cursor
// and --all.
func adminListCmd[T any](e *adminEnv, use, short string, paged bool,
	coll func(*adminclient.Client) adminclient.Collection[T], table func([]T) adminclient.Table) *cobra.Command {
	var lf adminListFlags
	cmd := &cobra.Command{
		Use:   use,
		Short: short,
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := e.client()
			if err != nil {
				return err
			}
			return adminRunList(cmd, e, coll(c), table, lf, nil)
		},
	}
	if paged {
		lf.register(cmd)
	}
	return cmd
}

// adminListFlags are the paging flags of list commands.
type adminListFlags struct {
	limit  int
	cursor string
	all    bool
}

func (lf *adminListFlags) register(cmd *cobra.Command) {
	cmd.Flags().IntVar(&lf.limit, "limit", 0, "page size (default: the server's)")
	cmd.Flags().StringVar(&lf.cursor, "cursor", "", "start after this next_cursor of a previous page")
	cmd.Flags().BoolVar(&lf.all, "all", false, "follow next_cursor to the last page")
}

// adminRunList fetches one page (or all) and prints it: JSON as the server
// sent the items, or a table; in table mode a further page is announced on
// standard error.
func adminRunList[T any](cmd *cobra.Command, e *adminEnv, coll adminclient.Collection[T],
	table func([]T) adminclient.Table, lf adminListFlags, query url.Values) error {
	o := adminclient.ListOptions{Cursor: lf.cursor, Limit: lf.limit, Query: query}
	raw := coll.Raw()
	var p adminclient.Page[json.RawMessage]
	var err error
	if lf.all {
		p, err = raw.All(cmd.Context(), o)
	} else {
		p, err = raw.List(cmd.Context(), o)
	}
	if err != nil {
		return err
	}
	if p.Items == nil {
		p.Items = []json.RawMessage{}
	}
	if e.format(true) == adminclient.FormatJSON {
		return adminclient.WriteJSON(cmd.OutOrStdout(), p)
	}
	items := make([]T, len(p.Items))
	for i, it := range p.Items {
		if err := json.Unmarshal(it, &items[i]); err != nil {
			return fmt.Errorf("decode item %d: %w", i, err)
		}
	}
	if err := table(items).Write(cmd.OutOrStdout()); err != nil {
		return err
	}
	if p.NextCursor != "" {
		fmt.Fprintf(cmd.ErrOrStderr(), "more results: --cursor %q (or --all)\n", p.NextCursor)
	}
	return nil
}
