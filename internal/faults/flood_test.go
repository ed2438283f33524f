//go:build faults

package faults

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/authplane/authplane/internal/secret"
)

// Shape of the flood scenarios.
const (
	floodRequests = 10_000
	// floodWorkers send flood requests back to back, each as soon as the
	// previous one is answered; the flood shares the machine's CPUs with
	// the server it attacks.
	floodWorkers = 4
	// validWorkers keep valid grants going during a flood.
	validWorkers = 2
	// validP99Max is the bound on valid grants during the
	// malformed flood.
	validP99Max = 100 * time.Millisecond
	// peakRSSMax is DESIGN.md §8's bound on RSS under load.
	peakRSSMax = 150 << 20
	// defaultRefetchInterval is idp_keys.refetch_interval's default.
	defaultRefetchInterval = 30 * time.Second
)

// TestFlood_UnknownKids: 10,000 ID-JAGs with random unknown kids cause at
// most one JWKS fetch per refetch interval, every one is refused with 400
// invalid_grant, and valid grants running at the same time all succeed
// (DESIGN.md §9, SPEC RAS-29).
func TestFlood_UnknownKids(t *testing.T) {
	p := startIdP(t)
	s := startServer(t, serverOpts{})
	a := s.register(p, true)
	hc := newClient(floodWorkers + validWorkers)
	if r := s.exchange(hc, a, p.mint(jag{})); r.status != 200 {
		t.Fatalf("warm-up grant: %d %s", r.status, r.code)
	}
	before := p.fetches()
	start := time.Now()
	flood := newTally()
	valid := alongside(t, s, hc, a, p, func(ctx context.Context) {
		drive(ctx, floodWorkers, floodRequests, func(int) {
			flood.add(s.exchange(hc, a, p.mint(jag{kid: secret.ID()})))
		})
	})
	elapsed := time.Since(start)
	fetches := p.fetches() - before
	allowed := 1 + int64(elapsed/defaultRefetchInterval)
	t.Logf("%d unknown kids in %s: %s", floodRequests, ms(elapsed), flood)
	t.Logf("JWKS/discovery fetches during the flood: %d (allowed: %d, one per %s)", fetches, allowed, defaultRefetchInterval)
	t.Logf("valid grants during the flood: %s", valid)
	if flood.total() != floodRequests || flood.code("invalid_grant") != floodRequests {
		t.Errorf("flood answers: %s; want %d × 400 invalid_grant", flood, floodRequests)
	}
	if fetches > allowed {
		t.Errorf("%d fetches, want at most %d", fetches, allowed)
	}
	if valid.total() == 0 || valid.status(200) != valid.total() {
		t.Errorf("valid grants during the flood: %s", valid)
	}
}

// alongside runs flood while validWorkers perform valid grants, and
// returns the tally of the valid grants.
func alongside(t *testing.T, s *server, hc *http.Client, a agent, p *enterpriseIdP, flood func(ctx context.Context)) *tally {
	t.Helper()
	ctx := withDeadline(t, 2*time.Minute)
	validCtx, stop := context.WithCancel(ctx)
	valid := newTally()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		drive(validCtx, validWorkers, 1_000_000, func(int) { valid.add(s.exchange(hc, a, p.mint(jag{}))) })
	}()
	flood(ctx)
	stop()
	wg.Wait()
	return valid
}

// TestFlood_MalformedRequests: 10,000 malformed or oversized requests of
// every kind an attacker can send to the token endpoint are all answered
// 4xx (never 5xx, never a dropped connection); the server's RSS stays
// bounded; valid grants running at the same time all succeed with p99
// ≤ 100 ms (DESIGN.md §9).
func TestFlood_MalformedRequests(t *testing.T) {
	p := startIdP(t)
	s := startServer(t, serverOpts{})
	a := s.register(p, true)
	hc := newClient(floodWorkers + validWorkers)
	if r := s.exchange(hc, a, p.mint(jag{})); r.status != 200 {
		t.Fatalf("warm-up grant: %d %s", r.status, r.code)
	}
	kinds := malformedKinds(s, a, p)
	idle := mustMemory(t, s)
	mem := sampleMemory(s)
	perKind := make([]*tally, len(kinds))
	for i := range perKind {
		perKind[i] = newTally()
	}
	flood := newTally()
	fhc := newClient(floodWorkers)
	start := time.Now()
	valid := alongside(t, s, hc, a, p, func(ctx context.Context) {
		drive(ctx, floodWorkers, floodRequests, func(i int) {
			k := i % len(kinds)
			r := send(fhc, kinds[k].request())
			flood.add(r)
			perKind[k].add(r)
		})
	})
	elapsed := time.Since(start)
	peak := mem.stop()
	t.Logf("%d malformed or oversized requests (%d kinds) in %s: %s", floodRequests, len(kinds), ms(elapsed), flood)
	for i, k := range kinds {
		t.Logf("  %-28s %s", k.name, perKind[i])
		if perKind[i].class(400) != perKind[i].total() {
			t.Errorf("%s: %s; want every answer 4xx", k.name, perKind[i])
		}
	}
	t.Logf("server memory: before %s; during the flood max RSS %.1f MB, peak %.1f MB", idle, mb(peak.RSS), mb(peak.HWM))
	t.Logf("valid grants during the flood: %s", valid)
	if flood.class(500) != 0 || flood.total() != floodRequests {
		t.Errorf("flood: %s; want %d answers, no 5xx", flood, floodRequests)
	}
	if peak.HWM > peakRSSMax {
		t.Errorf("peak RSS %.1f MB, want ≤ %.0f MB", mb(peak.HWM), mb(peakRSSMax))
	}
	if valid.total() == 0 || valid.status(200) != valid.total() {
		t.Errorf("valid grants during the flood: %s", valid)
	}
	if p99 := valid.percentile(99); p99 > validP99Max {
		t.Errorf("valid grants p99 %s during the flood, want ≤ %s", ms(p99), ms(validP99Max))
	}
}

// mustMemory reads the server's memory or fails the test.
func mustMemory(t *testing.T, s *server) memory {
	t.Helper()
	m, err := s.memory()
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// memSampler records the largest RSS seen every 50 ms.
type memSampler struct {
	done chan struct{}
	wg   sync.WaitGroup
	max  memory
}

func sampleMemory(s *server) *memSampler {
	m := &memSampler{done: make(chan struct{})}
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for {
			if r, err := s.memory(); err == nil {
				m.max.RSS, m.max.HWM = max(m.max.RSS, r.RSS), max(m.max.HWM, r.HWM)
			}
			select {
			case <-m.done:
				return
			case <-tick.C:
			}
		}
	}()
	return m
}

// stop ends sampling and returns the largest readings.
func (m *memSampler) stop() memory {
	close(m.done)
	m.wg.Wait()
	return m.max
}
