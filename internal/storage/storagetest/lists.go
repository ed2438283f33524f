package storagetest

import (
	"fmt"
	"maps"
	"slices"
	"testing"

	"github.com/authplane/authplane/internal/storage"
)

// listField is one optional list field of T, where nil means "no
// restriction" and a non-nil empty slice means "deny all".
type listField[T any] struct {
	name string
	set  func(r *T, v []string)
	get  func(r T) []string
}

// listStates returns the three states every optional list must keep apart:
// nil, empty and non-empty.
func listStates() [][]string { return [][]string{nil, {}, {"x", "y"}} }

// testNilVersusEmpty checks that nil and empty optional lists (and the nil
// Policy.Require, and the nil IdP.ClientIDMap) survive create and update.
func testNilVersusEmpty(t *testing.T, open Opener) {
	runListFields(t, open, clientAggregate(), []listField[storage.Client]{
		{"Client.AllowedIdPs", func(r *storage.Client, v []string) { r.AllowedIdPs = v }, func(r storage.Client) []string { return r.AllowedIdPs }},
	})
	runListFields(t, open, idpAggregate(), []listField[storage.IdP]{
		{"IdP.AllowedAlgs", func(r *storage.IdP, v []string) { r.AllowedAlgs = v }, func(r storage.IdP) []string { return r.AllowedAlgs }},
		{"IdP.EmailDomains", func(r *storage.IdP, v []string) { r.EmailDomains = v }, func(r storage.IdP) []string { return r.EmailDomains }},
		{"IdP.AllowedHosts", func(r *storage.IdP, v []string) { r.AllowedHosts = v }, func(r storage.IdP) []string { return r.AllowedHosts }},
	})
	runListFields(t, open, policyAggregate(), []listField[storage.Policy]{
		{"Policy.IdPs", func(r *storage.Policy, v []string) { r.IdPs = v }, func(r storage.Policy) []string { return r.IdPs }},
		{"Policy.Clients", func(r *storage.Policy, v []string) { r.Clients = v }, func(r storage.Policy) []string { return r.Clients }},
		{"Policy.Resources", func(r *storage.Policy, v []string) { r.Resources = v }, func(r storage.Policy) []string { return r.Resources }},
		{"Policy.GroupsAny", func(r *storage.Policy, v []string) { r.GroupsAny = v }, func(r storage.Policy) []string { return r.GroupsAny }},
		{"Policy.Subjects", func(r *storage.Policy, v []string) { r.Subjects = v }, func(r storage.Policy) []string { return r.Subjects }},
		{"Policy.Scopes", func(r *storage.Policy, v []string) { r.Scopes = v }, func(r storage.Policy) []string { return r.Scopes }},
		{"Requirement.AMRAny", func(r *storage.Policy, v []string) { r.Require = withReq(r.Require); r.Require.AMRAny = v }, func(r storage.Policy) []string { return reqOf(r).AMRAny }},
		{"Requirement.ACRAny", func(r *storage.Policy, v []string) { r.Require = withReq(r.Require); r.Require.ACRAny = v }, func(r storage.Policy) []string { return reqOf(r).ACRAny }},
	})
	t.Run("Policy.Require nil, empty and set survive create and update", func(t *testing.T) {
		a := policyAggregate()
		reqs := []*storage.Requirement{nil, {}, {AMRAny: []string{"mfa"}, ACRAny: []string{}, MaxAuthAge: 1}}
		roundTripStates(t, open, a, len(reqs), func(r *storage.Policy, i int) {
			r.Require = nil
			if reqs[i] != nil {
				r.Require = withReq(reqs[i])
			}
		}, func(t *testing.T, what string, want, got storage.Policy) {
			if (want.Require == nil) != (got.Require == nil) {
				t.Errorf("Policy.Require %s: got %#v, want %#v", what, got.Require, want.Require)
			}
		})
	})
	t.Run("IdP.ClientIDMap nil, empty and set survive create and update", func(t *testing.T) {
		a := idpAggregate()
		ms := []map[string]string{nil, {}, {"ext-a": "client-a", "ext-b": "client-b"}}
		roundTripStates(t, open, a, len(ms), func(r *storage.IdP, i int) {
			r.ClientIDMap = maps.Clone(ms[i])
		}, func(t *testing.T, what string, want, got storage.IdP) {
			if (want.ClientIDMap == nil) != (got.ClientIDMap == nil) {
				t.Errorf("IdP.ClientIDMap %s: got %#v, want %#v", what, got.ClientIDMap, want.ClientIDMap)
			}
		})
	})
}

// runListFields runs the nil/empty/non-empty round trip for each field.
func runListFields[T any](t *testing.T, open Opener, a aggregate[T], fields []listField[T]) {
	for _, f := range fields {
		t.Run(f.name+" nil, empty and non-empty survive create and update", func(t *testing.T) {
			roundTripStates(t, open, a, len(listStates()), func(r *T, i int) {
				f.set(r, listStates()[i])
			}, func(t *testing.T, what string, want, got T) {
				checkList(t, f.name+" "+what, f.get(want), f.get(got))
			})
		})
	}
}

// roundTripStates creates one record per state i (set applies state i) and
// updates it to every other state, comparing each round trip in full.
// check, if not nil, runs before the full comparison for a sharper message.
func roundTripStates[T any](t *testing.T, open Opener, a aggregate[T], n int, set func(r *T, i int), check func(t *testing.T, what string, want, got T)) {
	t.Helper()
	ctx, s := a.fresh(t, open)
	for i := range n {
		r := a.sample(i + 1)
		set(&r, i)
		must(t, a.create(ctx, s, r), fmt.Sprintf("create state %d", i))
		got, err := a.get(ctx, s, a.key(r))
		must(t, err, "get")
		compareState(t, fmt.Sprintf("created with state %d", i), r, got, check)
		for j := range n {
			if j == i {
				continue
			}
			set(&r, j)
			must(t, a.update(ctx, s, r), fmt.Sprintf("update state %d to %d", i, j))
			got, err := a.get(ctx, s, a.key(r))
			must(t, err, "get")
			compareState(t, fmt.Sprintf("updated from state %d to %d", i, j), r, got, check)
		}
	}
}

// compareState runs check (if any) and then compares want and got in full.
func compareState[T any](t *testing.T, what string, want, got T, check func(t *testing.T, what string, want, got T)) {
	t.Helper()
	if check != nil {
		check(t, what, want, got)
	}
	assertEqual(t, what, want, got)
}

// checkList fails unless got equals want, including nil versus empty.
func checkList(t *testing.T, what string, want, got []string) {
	t.Helper()
	if (want == nil) != (got == nil) || !slices.Equal(want, got) {
		t.Errorf("%s: got %#v, want %#v", what, got, want)
	}
}

// withReq returns a copy of r, or a new Requirement if r is nil, so that
// fixtures never share a Requirement.
func withReq(r *storage.Requirement) *storage.Requirement {
	if r == nil {
		return &storage.Requirement{}
	}
	c := *r
	return &c
}

// reqOf returns p.Require or an empty Requirement.
func reqOf(p storage.Policy) storage.Requirement {
	if p.Require == nil {
		return storage.Requirement{}
	}
	return *p.Require
}
