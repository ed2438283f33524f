//go:build faults

package faults

import (
	"context"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// Shape of the rotation scenario.
const (
	rotationWorkers = 8
	rotationLoad    = 3 * time.Second
)

// TestIdPRotation_ZeroFailedGrants: grants run at concurrency 8 while the
// IdP rotates its signing key (to a new RS256 key; the previous key stays
// published, as IdPs rotate). Every grant succeeds: the first assertions
// signed with the new kid, arriving concurrently, share one refetch
// (DESIGN.md §9 IdP key rotation, SPEC RAS-29).
func TestIdPRotation_ZeroFailedGrants(t *testing.T) {
	p := startIdP(t)
	s := startServer(t, serverOpts{})
	a := s.register(p, true)
	hc := newClient(rotationWorkers)
	if r := s.exchange(hc, a, p.mint(jag{})); r.status != 200 {
		t.Fatalf("warm-up grant: %d %s", r.status, r.code)
	}
	before := p.jwksHits.Load()
	ctx, cancel := context.WithTimeout(withDeadline(t, time.Minute), rotationLoad)
	defer cancel()
	go func() {
		select {
		case <-ctx.Done():
		case <-time.After(rotationLoad / 3):
			k := p.rotate(jose.RS256)
			t.Logf("IdP rotated to RS256 key %s", k.Kid)
		}
	}()
	tl := newTally()
	n := drive(ctx, rotationWorkers, 1_000_000, func(int) { tl.add(s.exchange(hc, a, p.mint(jag{}))) })
	t.Logf("%d grants at concurrency %d across an IdP key rotation, %d JWKS fetches: %s",
		n, rotationWorkers, p.jwksHits.Load()-before, tl)
	if failed := tl.total() - tl.status(200); failed != 0 {
		t.Errorf("%d failed grants across the rotation (audit reasons %v): %s", failed, s.denialReasons(failed), tl)
	}
}
