package admin

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/authplane/authplane/internal/storage"
)

// fakeKeys is a KeyRotator over the store: RotateIn retires every active key
// and adds a new one inside the caller's transaction.
type fakeKeys struct {
	store   storage.Store
	now     func() time.Time
	n       int
	reloads int
	fail    error
}

func (f *fakeKeys) RotateIn(ctx context.Context, tx storage.Tx) (storage.SigningKey, []storage.SigningKey, error) {
	if f.fail != nil {
		return storage.SigningKey{}, nil, f.fail
	}
	ks, err := tx.ListSigningKeys(ctx)
	if err != nil {
		return storage.SigningKey{}, nil, err
	}
	var retired []storage.SigningKey
	for _, k := range ks {
		if k.State == storage.KeyActive {
			k.State, k.RetiredAt, k.PublishUntil = storage.KeyRetired, f.now(), f.now().Add(time.Hour)
			if err := tx.UpdateSigningKey(ctx, k); err != nil {
				return storage.SigningKey{}, nil, err
			}
			retired = append(retired, k)
		}
	}
	f.n++
	nk := storage.SigningKey{ID: "kid-" + string(rune('0'+f.n)), Alg: "ES256", State: storage.KeyActive,
		CreatedAt: f.now().Add(time.Duration(f.n) * time.Second), PublicJWK: []byte(`{"kty":"EC"}`), PrivateSealed: []byte("sealed")}
	return nk, retired, tx.CreateSigningKey(ctx, nk)
}

func (f *fakeKeys) Reload(ctx context.Context) error { f.reloads++; return nil }

func (f *fakeKeys) List() []storage.SigningKey {
	ks, _ := f.store.ListSigningKeys(context.Background())
	return ks
}

func TestKeysListAndRotate(t *testing.T) {
	fk := &fakeKeys{}
	e := newEnv(t, func(d *Deps) { fk.store, fk.now = d.Store, d.Now; d.Keys = fk })

	var rot KeyRotation
	e.call("POST", "/admin/v1/keys/rotate", nil).must(t, http.StatusOK, &rot)
	if rot.Kid != "kid-1" || rot.Retired == nil || len(rot.Retired) != 0 {
		t.Fatalf("first rotation = %+v", rot)
	}
	e.oneEvent(0, "admin.key.rotate")
	e.call("POST", "/admin/v1/keys/rotate", nil).must(t, http.StatusOK, &rot)
	if rot.Kid != "kid-2" || len(rot.Retired) != 1 || rot.Retired[0] != "kid-1" {
		t.Fatalf("second rotation = %+v", rot)
	}
	ev := e.oneEvent(1, "admin.key.rotate")
	if imageOf(t, ev.After)["kid"] != "kid-2" || fk.reloads != 2 {
		t.Fatalf("event after=%s, reloads=%d", ev.After, fk.reloads)
	}

	r := e.call("GET", "/admin/v1/keys", nil)
	var keys Items[KeyDTO]
	r.must(t, http.StatusOK, &keys)
	if len(keys.Items) != 2 || keys.Items[0].Kid != "kid-2" || keys.Items[1].State != storage.KeyRetired ||
		keys.Items[1].PublishUntil.IsZero() {
		t.Fatalf("keys = %+v", keys)
	}
	for _, leak := range []string{"sealed", "c2VhbGVk", "kty"} {
		if strings.Contains(string(r.body), leak) {
			t.Fatalf("key list leaks %q: %s", leak, r.body)
		}
	}

	fk.fail = errors.New("kek unavailable")
	n := len(e.events())
	e.call("POST", "/admin/v1/keys/rotate", nil).problem(t, http.StatusInternalServerError, "internal")
	e.noEvents(n)
}

func TestKeysWithoutManager(t *testing.T) {
	e := newEnv(t)
	e.call("POST", "/admin/v1/keys/rotate", nil).problem(t, http.StatusServiceUnavailable, "unavailable")
	var keys Items[KeyDTO]
	e.call("GET", "/admin/v1/keys", nil).must(t, http.StatusOK, &keys)
	if keys.Items == nil || len(keys.Items) != 0 {
		t.Fatalf("keys = %+v", keys)
	}
}
