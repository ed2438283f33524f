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

// testRevocations checks add, replace, list of unexpired and purge.
func testRevocations(t *testing.T, open Opener) {
	now := at(0)
	tok := storage.Revocation{Kind: storage.RevokeToken, Value: "token-jti-1", At: now.Add(-time.Minute), ExpiresAt: now.Add(time.Hour), Reason: "leaked"}
	cli := storage.Revocation{Kind: storage.RevokeClient, Value: "client-001", At: now.Add(-time.Second), ExpiresAt: now.Add(2 * time.Hour), Reason: "compromised ✗"}
	sub := storage.Revocation{Kind: storage.RevokeSubject, Value: "token-jti-1", At: now, ExpiresAt: now.Add(time.Minute)}
	old := storage.Revocation{Kind: storage.RevokeIdP, Value: "idp-a", At: now.Add(-48 * time.Hour), ExpiresAt: now.Add(-time.Hour), Reason: "expired"}
	t.Run("add then list returns every field of unexpired revocations", func(t *testing.T) {
		ctx, s := ctxFor(t), open(t)
		for _, r := range []storage.Revocation{tok, cli, sub, old} {
			must(t, s.AddRevocation(ctx, r), "add "+r.Kind)
		}
		got, err := s.ListRevocations(ctx, now)
		must(t, err, "list")
		assertEqual(t, "unexpired revocations", sortRevocations([]storage.Revocation{tok, cli, sub}), sortRevocations(got))
		got, err = s.ListRevocations(ctx, now.Add(90*time.Minute))
		must(t, err, "list later")
		assertEqual(t, "revocations 90 minutes later", []storage.Revocation{cli}, got)
	})
	t.Run("adding the same kind and value replaces the record", func(t *testing.T) {
		ctx, s := ctxFor(t), open(t)
		must(t, s.AddRevocation(ctx, tok), "add")
		again := tok
		again.At = now.Add(time.Second)
		again.ExpiresAt = now.Add(3 * time.Hour)
		again.Reason = "revoked again"
		must(t, s.AddRevocation(ctx, again), "add again")
		got, err := s.ListRevocations(ctx, now)
		must(t, err, "list")
		assertEqual(t, "replaced revocation", []storage.Revocation{again}, got)
	})
	t.Run("the same value under two kinds is two revocations", func(t *testing.T) {
		ctx, s := ctxFor(t), open(t)
		must(t, s.AddRevocation(ctx, tok), "add token")
		must(t, s.AddRevocation(ctx, sub), "add subject")
		got, err := s.ListRevocations(ctx, now)
		must(t, err, "list")
		assertEqual(t, "both revocations", sortRevocations([]storage.Revocation{tok, sub}), sortRevocations(got))
	})
	t.Run("purge removes only expired revocations", func(t *testing.T) {
		ctx, s := ctxFor(t), open(t)
		for _, r := range []storage.Revocation{tok, cli, sub, old} {
			must(t, s.AddRevocation(ctx, r), "add "+r.Kind)
		}
		n, err := s.PurgeExpiredRevocations(ctx, now)
		must(t, err, "purge")
		if n != 1 {
			t.Errorf("purge removed %d, want 1", n)
		}
		got, err := s.ListRevocations(ctx, now.Add(-72*time.Hour))
		must(t, err, "list everything still stored")
		assertEqual(t, "remaining revocations", sortRevocations([]storage.Revocation{tok, cli, sub}), sortRevocations(got))
		n, err = s.PurgeExpiredRevocations(ctx, now.Add(90*time.Minute))
		must(t, err, "second purge")
		if n != 2 {
			t.Errorf("second purge removed %d, want 2", n)
		}
	})
}
