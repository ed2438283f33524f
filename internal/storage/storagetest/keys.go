package storagetest

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/authplane/authplane/internal/storage"
)

// signingKey returns key number i created at created.
func signingKey(i int, created time.Time) storage.SigningKey {
	return storage.SigningKey{
		ID:            fmt.Sprintf("key-%03d", i),
		Alg:           "ES256",
		PublicJWK:     json.RawMessage(fmt.Sprintf(`{"kty":"EC","crv":"P-256","kid":"key-%03d","x":"AQ","y":"Ag"}`, i)),
		PrivateSealed: []byte{0x00, 0x01, byte(i), 0xfe, 0xff, 0x00},
		State:         storage.KeyActive,
		CreatedAt:     created,
	}
}

// testSigningKeys checks create, update, newest-first listing and deletion
// of retired keys.
func testSigningKeys(t *testing.T, open Opener) {
	runAll(t, open, []namedTest{
		{"create and update round trip every field", testKeyRoundTrip},
		{"duplicate id is ErrConflict and update of a missing key is ErrNotFound", testKeyErrors},
		{"list is newest first by CreatedAt then ID descending", testKeyOrder},
		{"delete before removes only retired keys whose publication ended", testKeyDeleteBefore},
	})
}

func testKeyRoundTrip(t *testing.T, open Opener) {
	ctx, s := ctxFor(t), open(t)
	k := signingKey(1, at(0))
	must(t, s.CreateSigningKey(ctx, k), "create")
	got, err := s.ListSigningKeys(ctx)
	must(t, err, "list")
	assertEqual(t, "created key", []storage.SigningKey{k}, got)
	k.State = storage.KeyRetired
	k.RetiredAt = at(time.Hour + 1)
	k.PublishUntil = at(2*time.Hour + time.Millisecond)
	must(t, s.UpdateSigningKey(ctx, k), "update")
	got, err = s.ListSigningKeys(ctx)
	must(t, err, "list")
	assertEqual(t, "retired key", []storage.SigningKey{k}, got)
}

func testKeyErrors(t *testing.T, open Opener) {
	ctx, s := ctxFor(t), open(t)
	k := signingKey(1, at(0))
	must(t, s.CreateSigningKey(ctx, k), "create")
	wantErr(t, "duplicate", s.CreateSigningKey(ctx, signingKey(1, at(time.Hour))), storage.ErrConflict)
	wantErr(t, "update missing", s.UpdateSigningKey(ctx, signingKey(2, at(0))), storage.ErrNotFound)
	blank := signingKey(3, at(0))
	blank.ID = ""
	wantErr(t, "empty id", s.CreateSigningKey(ctx, blank), storage.ErrInvalid)
}

func testKeyOrder(t *testing.T, open Opener) {
	ctx, s := ctxFor(t), open(t)
	keys := []storage.SigningKey{
		signingKey(1, at(-time.Hour)),
		signingKey(2, at(time.Hour)),
		signingKey(3, at(0)),
		signingKey(4, at(0)),
		signingKey(5, at(-2*time.Hour)),
	}
	for _, k := range keys {
		must(t, s.CreateSigningKey(ctx, k), "create "+k.ID)
	}
	got, err := s.ListSigningKeys(ctx)
	must(t, err, "list")
	want := []storage.SigningKey{keys[1], keys[3], keys[2], keys[0], keys[4]}
	assertEqual(t, "key order", want, got)
}

func testKeyDeleteBefore(t *testing.T, open Opener) {
	ctx, s := ctxFor(t), open(t)
	cut := at(0)
	retired := func(i int, until time.Time) storage.SigningKey {
		k := signingKey(i, at(-time.Duration(i)*time.Hour))
		k.State, k.RetiredAt, k.PublishUntil = storage.KeyRetired, until.Add(-time.Hour), until
		return k
	}
	gone := []storage.SigningKey{retired(1, cut.Add(-time.Minute)), retired(2, cut.Add(-time.Millisecond))}
	kept := []storage.SigningKey{
		signingKey(3, at(-3*time.Hour)), // active, zero PublishUntil
		retired(4, cut),                 // PublishUntil not before cut
		retired(5, cut.Add(time.Hour)),
	}
	active := signingKey(6, at(-6*time.Hour))
	active.PublishUntil = cut.Add(-time.Hour) // active keys are never deleted
	kept = append(kept, active)
	for _, k := range append(append([]storage.SigningKey{}, gone...), kept...) {
		must(t, s.CreateSigningKey(ctx, k), "create "+k.ID)
	}
	n, err := s.DeleteSigningKeysBefore(ctx, cut)
	must(t, err, "delete")
	if n != int64(len(gone)) {
		t.Errorf("deleted %d keys, want %d", n, len(gone))
	}
	got, err := s.ListSigningKeys(ctx)
	must(t, err, "list")
	assertEqual(t, "kept keys", kept, got)
}
