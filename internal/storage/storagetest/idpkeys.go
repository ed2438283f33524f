package storagetest

import (
	"testing"
	"time"

	"github.com/authplane/authplane/internal/storage"
)

// fullKeyState is an IdP key state with every field set.
func fullKeyState() storage.IdPKeyState {
	return storage.IdPKeyState{
		IdPID:            "idp-a",
		JWKS:             []byte(`{"keys":[{"kty":"RSA","kid":"r1","n":"AQAB","e":"AQAB"}]}`),
		JWKSURI:          "https://idp-a.example/keys",
		FetchedAt:        at(0),
		ExpiresAt:        at(time.Hour),
		LastAttempt:      at(time.Second),
		LastError:        "",
		RefreshRequested: at(-time.Minute),
	}
}

// testIdPKeyState checks the upsert, get and delete of cached IdP key sets.
func testIdPKeyState(t *testing.T, open Opener) {
	runAll(t, open, []namedTest{
		{"put then get returns every field", testKeyStatePutGet},
		{"put again replaces every field", testKeyStateUpsert},
		{"get and delete of a missing state are ErrNotFound", testKeyStateMissing},
		{"delete removes the state", testKeyStateDelete},
		{"empty IdP id is ErrInvalid", testKeyStateEmptyID},
	})
}

func testKeyStatePutGet(t *testing.T, open Opener) {
	ctx, s, full := ctxFor(t), open(t), fullKeyState()
	mappingIdPs(ctx, t, s)
	must(t, s.PutIdPKeyState(ctx, full), "put")
	got, err := s.GetIdPKeyState(ctx, full.IdPID)
	must(t, err, "get")
	assertEqual(t, "key state", full, got)
}

func testKeyStateUpsert(t *testing.T, open Opener) {
	ctx, s, full := ctxFor(t), open(t), fullKeyState()
	mappingIdPs(ctx, t, s)
	must(t, s.PutIdPKeyState(ctx, full), "put")
	failed := storage.IdPKeyState{
		IdPID:       full.IdPID,
		LastAttempt: at(2 * time.Hour),
		LastError:   "GET https://idp-a.example/keys: 503 Service Unavailable",
	}
	must(t, s.PutIdPKeyState(ctx, failed), "put again")
	got, err := s.GetIdPKeyState(ctx, full.IdPID)
	must(t, err, "get")
	assertEqual(t, "replaced key state", failed, got)
	other := full
	other.IdPID = "idp-b"
	must(t, s.PutIdPKeyState(ctx, other), "put other IdP")
	got, err = s.GetIdPKeyState(ctx, full.IdPID)
	must(t, err, "get")
	assertEqual(t, "key state unaffected by another IdP", failed, got)
}

func testKeyStateMissing(t *testing.T, open Opener) {
	ctx, s := ctxFor(t), open(t)
	mappingIdPs(ctx, t, s)
	_, err := s.GetIdPKeyState(ctx, "idp-a")
	wantErr(t, "get", err, storage.ErrNotFound)
	wantErr(t, "delete", s.DeleteIdPKeyState(ctx, "idp-a"), storage.ErrNotFound)
}

func testKeyStateDelete(t *testing.T, open Opener) {
	ctx, s, full := ctxFor(t), open(t), fullKeyState()
	mappingIdPs(ctx, t, s)
	must(t, s.PutIdPKeyState(ctx, full), "put")
	must(t, s.DeleteIdPKeyState(ctx, full.IdPID), "delete")
	_, err := s.GetIdPKeyState(ctx, full.IdPID)
	wantErr(t, "get after delete", err, storage.ErrNotFound)
}

func testKeyStateEmptyID(t *testing.T, open Opener) {
	ctx, s, full := ctxFor(t), open(t), fullKeyState()
	blank := full
	blank.IdPID = ""
	wantErr(t, "put", s.PutIdPKeyState(ctx, blank), storage.ErrInvalid)
}
