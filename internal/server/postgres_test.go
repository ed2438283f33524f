package server

import (
	"context"
	"net/http"

	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/authplane/authplane/internal/storage/pgtest"
	"github.com/authplane/authplane/internal/testidp"
)

// twoInstances starts two servers on one fresh PostgreSQL schema at the
// same moment (both migrate: no migration race may fail either), sharing one
// test IdP.
func twoInstances(t *testing.T) (*env, *env) {
	t.Helper()
	_, dsn := pgtest.Schema(t)
	idp := testidp.New()
	t.Cleanup(idp.Close)
	var a, b *env
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); a = newEnv(t, envOpts{store: dsn, idp: idp}) }()
	go func() { defer wg.Done(); b = newEnv(t, envOpts{store: dsn, idp: idp}) }()
	wg.Wait()
	if a == nil || b == nil {
		t.FailNow()
	}
	return a, b
}

// TestPostgres_TwoInstancesStartTogetherAndShareReplayGate: the issue's
// acceptance — two instances start together on one PostgreSQL; 64 identical
// submissions split across them yield exactly one 200.
func TestPostgres_TwoInstancesStartTogetherAndShareReplayGate(t *testing.T) {
	a, b := twoInstances(t)
	a.standardSetup()
	b.secrets = a.secrets
	waitFor(t, func() bool { return b.exchangeReady() })
	if got := replayRace(t, []*env{a, b}, 64); got != 1 {
		t.Fatalf("%d successes across two instances, want exactly 1", got)
	}
}

// TestPostgres_ChangesReachOtherInstance: disabling a client and rotating
// keys through instance A take effect on instance B within a second.
func TestPostgres_ChangesReachOtherInstance(t *testing.T) {
	a, b := twoInstances(t)
	a.standardSetup()
	b.secrets = a.secrets
	waitFor(t, func() bool { return b.exchangeReady() })
	var rot struct {
		Kid string `json:"kid"`
	}
	a.mustAdmin("POST", "/admin/v1/keys/rotate", nil, &rot)
	waitFor(t, func() bool {
		for _, k := range b.fetchJWKS().Keys {
			if k.KeyID == rot.Kid {
				return true
			}
		}
		return false
	})
	var c map[string]any
	a.mustAdmin("GET", "/admin/v1/clients/agent-basic", nil, &c)
	c["enabled"] = false
	delete(c, "created_at")
	delete(c, "updated_at")
	a.mustAdmin("PUT", "/admin/v1/clients/agent-basic", c, nil)
	waitFor(t, func() bool {
		r := b.exchange("agent-basic", b.idp.Mint(b.grant()), nil)
		return r.Status == http.StatusUnauthorized
	})
}

// exchangeReady reports whether this instance already grants (its catalog
// has caught up with the setup made on the other instance).
func (e *env) exchangeReady() bool {
	return e.exchange("agent-basic", e.idp.Mint(e.grant()), nil).Status == 200
}

// waitFor polls cond for up to one second (the propagation bound), or
// five under the race detector, which slows everything several-fold (the
// fault harness checks the one-second bound on real processes).
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	bound := time.Second
	if raceEnabled {
		bound = 5 * time.Second
	}
	deadline := time.Now().Add(bound)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("condition not reached within %s", bound)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestRAS24_ConcurrentReplayPostgres: 64 identical requests to one instance
// on PostgreSQL → exactly one 200.
func TestRAS24_ConcurrentReplayPostgres(t *testing.T) {
	_, dsn := pgtest.Schema(t)
	e := newEnv(t, envOpts{store: dsn})
	e.standardSetup()
	if got := replayRace(t, []*env{e}, 64); got != 1 {
		t.Fatalf("%d successes, want exactly 1", got)
	}
}

// TestPostgres_IdPRefreshReachesEveryInstance: an admin refresh through A
// makes B use the refreshed keys without fetching them itself.
func TestPostgres_IdPRefreshReachesEveryInstance(t *testing.T) {
	a, b := twoInstances(t)
	a.standardSetup()
	b.secrets = a.secrets
	waitFor(t, func() bool { return b.exchangeReady() })
	a.idp.Rotate(testidp.NewKey(jose.ES256), true)
	a.mustAdmin("POST", "/admin/v1/idps/acme/refresh", nil, nil)
	fetches := a.idp.JWKSFetches()
	gen, err := a.srv.store.Generation(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	// B learns of the change through NOTIFY (or polling): wait for its
	// catalog to reach the refresh's generation, then use the new key.
	waitFor(t, func() bool { return b.srv.catalog.Current().Generation >= gen })
	if !b.exchangeReady() {
		t.Fatal("instance B refused an assertion signed with the refreshed key")
	}
	if got := a.idp.JWKSFetches() - fetches; got != 0 {
		t.Fatalf("instance B fetched the JWKS %d times; it should have adopted A's refresh", got)
	}
}
