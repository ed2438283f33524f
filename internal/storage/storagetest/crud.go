package storagetest

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/authplane/authplane/internal/storage"
)

// aggregate describes one id-keyed aggregate to the generic CRUD tests.
type aggregate[T any] struct {
	// setup prepares a fresh store (for example the IdPs subject mappings
	// refer to); may be nil.
	setup func(ctx context.Context, t *testing.T, s storage.Store)
	// sample returns record number i with every field set; distinct i give
	// distinct keys and distinct unique fields. Keys sort in i order.
	sample func(i int) T
	// minimal returns a record with only its key (and unique fields) set.
	minimal func(i int) T
	// mutate changes every field of r except its key.
	mutate func(r T) T
	// blank clears r's key, which a backend must reject with ErrInvalid.
	blank func(r T) T
	// key is r's identity and page cursor.
	key    func(r T) string
	create func(ctx context.Context, s storage.Store, r T) error
	update func(ctx context.Context, s storage.Store, r T) error
	get    func(ctx context.Context, s storage.Store, key string) (T, error)
	del    func(ctx context.Context, s storage.Store, key string) error
	list   func(ctx context.Context, s storage.Store, p storage.Page) ([]T, error)
}

// fresh opens a store and runs the aggregate's setup.
func (a aggregate[T]) fresh(t *testing.T, open Opener) (context.Context, storage.Store) {
	t.Helper()
	ctx := ctxFor(t)
	s := open(t)
	if a.setup != nil {
		a.setup(ctx, t, s)
	}
	return ctx, s
}

// runCRUD runs the create/get/update/delete/list contract for a.
func runCRUD[T any](t *testing.T, open Opener, a aggregate[T]) {
	t.Run("create then get returns every field", func(t *testing.T) {
		ctx, s := a.fresh(t, open)
		want := a.sample(1)
		must(t, a.create(ctx, s, want), "create")
		got, err := a.get(ctx, s, a.key(want))
		must(t, err, "get")
		assertEqual(t, "get after create", want, got)
	})
	t.Run("minimal record keeps nil lists and zero times", func(t *testing.T) {
		ctx, s := a.fresh(t, open)
		want := a.minimal(1)
		must(t, a.create(ctx, s, want), "create")
		got, err := a.get(ctx, s, a.key(want))
		must(t, err, "get")
		assertEqual(t, "get after create", want, got)
	})
	t.Run("update replaces every field", func(t *testing.T) {
		ctx, s := a.fresh(t, open)
		orig := a.sample(1)
		must(t, a.create(ctx, s, orig), "create")
		must(t, a.create(ctx, s, a.sample(2)), "create neighbour")
		want := a.mutate(orig)
		must(t, a.update(ctx, s, want), "update")
		got, err := a.get(ctx, s, a.key(want))
		must(t, err, "get")
		assertEqual(t, "get after update", want, got)
		other, err := a.get(ctx, s, a.key(a.sample(2)))
		must(t, err, "get neighbour")
		assertEqual(t, "neighbour untouched by update", a.sample(2), other)
	})
	t.Run("update back to minimal clears every field", func(t *testing.T) {
		ctx, s := a.fresh(t, open)
		must(t, a.create(ctx, s, a.sample(1)), "create")
		want := a.minimal(1)
		must(t, a.update(ctx, s, want), "update")
		got, err := a.get(ctx, s, a.key(want))
		must(t, err, "get")
		assertEqual(t, "get after update", want, got)
	})
	runCRUDErrors(t, open, a)
	runPaging(t, open, a)
}

// runCRUDErrors checks the sentinel errors of a.
func runCRUDErrors[T any](t *testing.T, open Opener, a aggregate[T]) {
	t.Run("get update delete of a missing record are ErrNotFound", func(t *testing.T) {
		ctx, s := a.fresh(t, open)
		must(t, a.create(ctx, s, a.sample(2)), "create other record")
		missing := a.sample(1)
		_, err := a.get(ctx, s, a.key(missing))
		wantErr(t, "get", err, storage.ErrNotFound)
		wantErr(t, "update", a.update(ctx, s, missing), storage.ErrNotFound)
		wantErr(t, "delete", a.del(ctx, s, a.key(missing)), storage.ErrNotFound)
		if _, err := a.get(ctx, s, a.key(missing)); !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("update of a missing record created it: get = %v", err)
		}
	})
	t.Run("delete removes the record and a second delete is ErrNotFound", func(t *testing.T) {
		ctx, s := a.fresh(t, open)
		r, keep := a.sample(1), a.sample(2)
		must(t, a.create(ctx, s, r), "create")
		must(t, a.create(ctx, s, keep), "create other")
		must(t, a.del(ctx, s, a.key(r)), "delete")
		_, err := a.get(ctx, s, a.key(r))
		wantErr(t, "get after delete", err, storage.ErrNotFound)
		wantErr(t, "second delete", a.del(ctx, s, a.key(r)), storage.ErrNotFound)
		if _, err := a.get(ctx, s, a.key(keep)); err != nil {
			t.Errorf("delete removed another record: %v", err)
		}
		must(t, a.create(ctx, s, r), "create again after delete")
	})
	t.Run("duplicate key is ErrConflict and keeps the original", func(t *testing.T) {
		ctx, s := a.fresh(t, open)
		orig := a.sample(1)
		must(t, a.create(ctx, s, orig), "create")
		wantErr(t, "second create", a.create(ctx, s, a.mutate(orig)), storage.ErrConflict)
		got, err := a.get(ctx, s, a.key(orig))
		must(t, err, "get")
		assertEqual(t, "original after conflict", orig, got)
	})
	t.Run("empty key is ErrInvalid", func(t *testing.T) {
		ctx, s := a.fresh(t, open)
		wantErr(t, "create", a.create(ctx, s, a.blank(a.sample(1))), storage.ErrInvalid)
	})
}

// runPaging checks id-ordered cursor paging of a.
func runPaging[T any](t *testing.T, open Opener, a aggregate[T]) {
	const n = 25
	seed := func(ctx context.Context, t *testing.T, s storage.Store) []T {
		t.Helper()
		all := make([]T, n)
		for i := range n {
			all[i] = a.sample(i)
		}
		// Insert in a scrambled order so insertion order is not key order.
		for i := range n {
			r := all[(i*7)%n]
			must(t, a.create(ctx, s, r), fmt.Sprintf("create %s", a.key(r)))
		}
		return all
	}
	t.Run("list pages 25 records by 10 in ascending key order", func(t *testing.T) {
		ctx, s := a.fresh(t, open)
		all := seed(ctx, t, s)
		var after string
		for pageNo, size := range []int{10, 10, 5, 0} {
			got, err := a.list(ctx, s, storage.Page{After: after, Limit: 10})
			must(t, err, fmt.Sprintf("list page %d", pageNo))
			if len(got) != size {
				t.Fatalf("page %d after %q: %d records, want %d", pageNo, after, len(got), size)
			}
			if size > 0 {
				assertEqual(t, fmt.Sprintf("page %d", pageNo), all[pageNo*10:pageNo*10+size], got)
				after = a.key(got[size-1])
			}
		}
	})
	t.Run("list with limit 0 or negative uses the default limit", func(t *testing.T) {
		ctx, s := a.fresh(t, open)
		all := seed(ctx, t, s)
		for _, limit := range []int{0, -1} {
			got, err := a.list(ctx, s, storage.Page{Limit: limit})
			must(t, err, "list")
			assertEqual(t, fmt.Sprintf("limit %d", limit), all, got)
		}
	})
	t.Run("list of an empty store is empty", func(t *testing.T) {
		ctx, s := a.fresh(t, open)
		got, err := a.list(ctx, s, storage.Page{})
		must(t, err, "list")
		if len(got) != 0 {
			t.Errorf("got %d records, want 0", len(got))
		}
	})
}

// wantErr fails unless errors.Is(err, target).
func wantErr(t *testing.T, what string, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Errorf("%s: error = %v, want errors.Is %v", what, err, target)
	}
}
