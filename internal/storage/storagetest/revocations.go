package storagetest

import (
	"cmp"
	"slices"
	"testing"
	"time"

	"github.com/authplane/authplane/internal/storage"
)

// sortRevocations orders revocations by (Kind, Value); ListRevocations
// promises no order.
func sortRevocations(rs []storage.Revocation) []storage.Revocation {
	rs = slices.Clone(rs)
	slices.SortFunc(rs, func(a, b storage.Revocation) int {
		return cmp.Or(cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.Value, b.Value))
	})
	return rs
}

// revocationSet holds the revocation fixtures: three live at at(0) (tok
// expires in 1h, cli in 2h, sub in 1m) and one already expired (old).
type revocationSet struct {
	now                time.Time
	tok, cli, sub, old storage.Revocation
}

func revocationFixtures() revocationSet {
	now := at(0)
	tok := storage.Revocation{Kind: storage.RevokeToken, Value: "token-jti-1", At: now.Add(-time.Minute), ExpiresAt: now.Add(time.Hour), Reason: "leaked"}
	cli := storage.Revocation{Kind: storage.RevokeClient, Value: "client-001", At: now.Add(-time.Second), ExpiresAt: now.Add(2 * time.Hour), Reason: "compromised ✗"}
	sub := storage.Revocation{Kind: storage.RevokeSubject, Value: "token-jti-1", At: now, ExpiresAt: now.Add(time.Minute)}
	old := storage.Revocation{Kind: storage.RevokeIdP, Value: "idp-a", At: now.Add(-48 * time.Hour), ExpiresAt: now.Add(-time.Hour), Reason: "expired"}
	return revocationSet{now, tok, cli, sub, old}
}

// testRevocations checks add, replace, list of unexpired and purge.
func testRevocations(t *testing.T, open Opener) {
	runAll(t, open, []namedTest{
		{"add then list returns every field of unexpired revocations", testRevocationList},
		{"adding the same kind and value replaces the record", testRevocationReplace},
		{"the same value under two kinds is two revocations", testRevocationKinds},
		{"purge removes only expired revocations", testRevocationPurge},
	})
}

func testRevocationList(t *testing.T, open Opener) {
	ctx, s, f := ctxFor(t), open(t), revocationFixtures()
	for _, r := range []storage.Revocation{f.tok, f.cli, f.sub, f.old} {
		must(t, s.AddRevocation(ctx, r), "add "+r.Kind)
	}
	got, err := s.ListRevocations(ctx, f.now)
	must(t, err, "list")
	assertEqual(t, "unexpired revocations", sortRevocations([]storage.Revocation{f.tok, f.cli, f.sub}), sortRevocations(got))
	got, err = s.ListRevocations(ctx, f.now.Add(90*time.Minute))
	must(t, err, "list later")
	assertEqual(t, "revocations 90 minutes later", []storage.Revocation{f.cli}, got)
}

func testRevocationReplace(t *testing.T, open Opener) {
	ctx, s, f := ctxFor(t), open(t), revocationFixtures()
	must(t, s.AddRevocation(ctx, f.tok), "add")
	again := f.tok
	again.At = f.now.Add(time.Second)
	again.ExpiresAt = f.now.Add(3 * time.Hour)
	again.Reason = "revoked again"
	must(t, s.AddRevocation(ctx, again), "add again")
	got, err := s.ListRevocations(ctx, f.now)
	must(t, err, "list")
	assertEqual(t, "replaced revocation", []storage.Revocation{again}, got)
}

func testRevocationKinds(t *testing.T, open Opener) {
	ctx, s, f := ctxFor(t), open(t), revocationFixtures()
	must(t, s.AddRevocation(ctx, f.tok), "add token")
	must(t, s.AddRevocation(ctx, f.sub), "add subject")
	got, err := s.ListRevocations(ctx, f.now)
	must(t, err, "list")
	assertEqual(t, "both revocations", sortRevocations([]storage.Revocation{f.tok, f.sub}), sortRevocations(got))
}

func testRevocationPurge(t *testing.T, open Opener) {
	ctx, s, f := ctxFor(t), open(t), revocationFixtures()
	for _, r := range []storage.Revocation{f.tok, f.cli, f.sub, f.old} {
		must(t, s.AddRevocation(ctx, r), "add "+r.Kind)
	}
	n, err := s.PurgeExpiredRevocations(ctx, f.now)
	must(t, err, "purge")
	if n != 1 {
		t.Errorf("purge removed %d, want 1", n)
	}
	got, err := s.ListRevocations(ctx, f.now.Add(-72*time.Hour))
	must(t, err, "list everything still stored")
	assertEqual(t, "remaining revocations", sortRevocations([]storage.Revocation{f.tok, f.cli, f.sub}), sortRevocations(got))
	n, err = s.PurgeExpiredRevocations(ctx, f.now.Add(90*time.Minute))
	must(t, err, "second purge")
	if n != 2 {
		t.Errorf("second purge removed %d, want 2", n)
	}
}
