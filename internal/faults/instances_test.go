//go:build faults

package faults

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/authplane/authplane/internal/secret"
	"github.com/authplane/authplane/internal/storage/pgtest"
)

// Shape of the several-instances scenario.
const (
	instances      = 3
	replaySubmits  = 300
	propagationMax = time.Second
)

// TestInstances_ThreeOnOnePostgres: three `authplane serve` processes on
// one PostgreSQL, started together, no load balancer (the test spreads the
// requests). 300 concurrent submissions of one assertion across the three
// yield exactly one 200; a key rotation on A is published by B and C, and
// disabling the IdP through A stops grants on B and C, each within one
// second (DESIGN.md §2 Single use, Registry; §7; §9).
func TestInstances_ThreeOnOnePostgres(t *testing.T) {
	_, dsn := pgtest.Schema(t)
	p := startIdP(t)
	srv := startTogether(t, dsn)
	a, b, c := srv[0], srv[1], srv[2]
	ag := a.register(p, true)
	hc := newClient(replaySubmits / instances)
	for _, s := range srv[1:] {
		var seen []string
		d := waitUntil(t, 5*time.Second, "setup made on A reaches "+s.public, func() bool {
			r := s.exchange(hc, ag, p.mint(jag{}))
			if a := strings.TrimSpace(fmt.Sprintf("%d %s", r.status, r.code)); len(seen) == 0 || seen[len(seen)-1] != a {
				seen = append(seen, a)
			}
			return r.status == 200
		})
		t.Logf("setup made on A grants on %s after %s (answers seen: %q)", s.public, ms(d), seen)
	}

	wins, tl := replayRace(t, srv, ag, p.mint(jag{}), hc)
	t.Logf("%d concurrent submissions of one assertion across %d instances: 200s per instance %v; %s", replaySubmits, instances, wins, tl)
	if tl.status(200) != 1 || tl.code("invalid_grant") != replaySubmits-1 {
		t.Errorf("want exactly one 200 and %d invalid_grant: %s", replaySubmits-1, tl)
	}

	var rot struct {
		Kid string `json:"kid"`
	}
	a.mustAdmin("POST", "/keys/rotate", nil, &rot)
	for _, s := range []*server{b, c} {
		d := waitUntil(t, propagationMax, "rotated key published by "+s.public, func() bool { return publishes(t, s, rot.Kid) })
		t.Logf("key %s rotated on A is published by %s after %s", rot.Kid, s.public, ms(d))
	}

	disableIdP(t, a)
	for _, s := range []*server{b, c} {
		d := waitUntil(t, propagationMax, "IdP disabled on A stops grants on "+s.public, func() bool {
			r := s.exchange(hc, ag, p.mint(jag{}))
			return r.status == 400 && r.code == "invalid_grant"
		})
		t.Logf("IdP disabled through A: grants stop on %s after %s", s.public, ms(d))
		for range 10 {
			if r := s.exchange(hc, ag, p.mint(jag{})); r.status == 200 {
				t.Errorf("%s granted after the IdP was disabled", s.public)
			}
		}
	}
}

// startTogether launches the instances at the same moment on one store
// (every one migrates; none may fail), sharing the admin token and KEK.
func startTogether(t *testing.T, dsn string) []*server {
	t.Helper()
	o := serverOpts{store: dsn, adminToken: secret.Generate(), kek: newKEK()}
	srv := make([]*server, instances)
	errs := make([]error, instances)
	for i := range srv {
		srv[i] = newServer(t, o)
	}
	var wg sync.WaitGroup
	for i, s := range srv {
		wg.Add(1)
		go func() { defer wg.Done(); errs[i] = s.launch() }()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("instance %d: %v", i, err)
		}
		t.Logf("instance %d at %s ready in %s (started together)", i, srv[i].public, ms(srv[i].startup))
	}
	return srv
}

// replayRace submits assertion replaySubmits times at once, round robin
// across srv, and returns the 200s per instance and the tally.
func replayRace(t *testing.T, srv []*server, ag agent, assertion string, hc *http.Client) ([]int, *tally) {
	t.Helper()
	wins := make([]int, len(srv))
	var mu sync.Mutex
	tl := newTally()
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range replaySubmits {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			r := srv[i%len(srv)].exchange(hc, ag, assertion)
			tl.add(r)
			if r.status == 200 {
				mu.Lock()
				wins[i%len(srv)]++
				mu.Unlock()
			}
		}()
	}
	close(start)
	wg.Wait()
	return wins, tl
}

// publishes reports whether s's JWKS lists kid.
func publishes(t *testing.T, s *server, kid string) bool {
	t.Helper()
	resp, err := http.Get(s.public + "/.well-known/jwks.json")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var set struct {
		Keys []struct {
			Kid string `json:"kid"`
		} `json:"keys"`
	}
	raw, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(raw, &set); err != nil {
		t.Fatalf("jwks: %v: %s", err, raw)
	}
	for _, k := range set.Keys {
		if k.Kid == kid {
			return true
		}
	}
	return false
}

// disableIdP turns the IdP off through s's admin API.
func disableIdP(t *testing.T, s *server) {
	t.Helper()
	var reg map[string]any
	s.mustAdmin("GET", "/idps/"+idpID, nil, &reg)
	reg["enabled"] = false
	delete(reg, "created_at")
	delete(reg, "updated_at")
	s.mustAdmin("PUT", "/idps/"+idpID, reg, nil)
}
