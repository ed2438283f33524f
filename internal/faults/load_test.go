//go:build faults

package faults

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// drive calls do(i) for i = 0, 1, … on workers goroutines until limit calls
// have started or ctx ends, and waits for them. It returns the number of
// calls made.
func drive(ctx context.Context, workers, limit int, do func(i int)) int {
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				i := int(next.Add(1) - 1)
				if i >= limit {
					return
				}
				do(i)
			}
		}()
	}
	wg.Wait()
	return min(int(next.Load()), limit)
}

// tally counts token endpoint results by status and error code and keeps
// their latencies. It is safe for concurrent use.
type tally struct {
	mu        sync.Mutex
	byStatus  map[int]int
	byCode    map[string]int
	transport int
	lastErr   error
	latencies []time.Duration
}

func newTally() *tally { return &tally{byStatus: map[int]int{}, byCode: map[string]int{}} }

// add records r.
func (t *tally) add(r result) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if r.err != nil {
		t.transport++
		t.lastErr = r.err
		return
	}
	t.byStatus[r.status]++
	if r.code != "" {
		t.byCode[r.code]++
	}
	t.latencies = append(t.latencies, r.latency)
}

// total is the number of results, answered or not.
func (t *tally) total() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	n := t.transport
	for _, c := range t.byStatus {
		n += c
	}
	return n
}

// status is the number of answers with status st.
func (t *tally) status(st int) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.byStatus[st]
}

// class is the number of answers with a status in [lo, lo+100).
func (t *tally) class(lo int) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	n := 0
	for st, c := range t.byStatus {
		if st >= lo && st < lo+100 {
			n += c
		}
	}
	return n
}

// code is the number of answers with OAuth error code c.
func (t *tally) code(c string) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.byCode[c]
}

// errors is the number of requests that got no answer.
func (t *tally) errors() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.transport
}

// percentile returns the p-th percentile (0 < p ≤ 100) of the latencies
// of answered requests.
func (t *tally) percentile(p float64) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.latencies) == 0 {
		return 0
	}
	s := slices.Clone(t.latencies)
	slices.Sort(s)
	i := int(float64(len(s))*p/100+0.999999) - 1
	return s[min(max(i, 0), len(s)-1)]
}

// String summarises the tally: counts by status and code, transport
// errors, and latency percentiles.
func (t *tally) String() string {
	p50, p99, p100 := t.percentile(50), t.percentile(99), t.percentile(100)
	t.mu.Lock()
	defer t.mu.Unlock()
	var parts []string
	for _, st := range slices.Sorted(maps.Keys(t.byStatus)) {
		parts = append(parts, fmt.Sprintf("%d×%d", t.byStatus[st], st))
	}
	for _, c := range slices.Sorted(maps.Keys(t.byCode)) {
		parts = append(parts, fmt.Sprintf("%s×%d", c, t.byCode[c]))
	}
	if t.transport > 0 {
		parts = append(parts, fmt.Sprintf("no-answer×%d (%v)", t.transport, t.lastErr))
	}
	return fmt.Sprintf("%s; p50 %s p99 %s max %s", strings.Join(parts, " "), ms(p50), ms(p99), ms(p100))
}

// ms formats d in milliseconds with one decimal.
func ms(d time.Duration) string { return fmt.Sprintf("%.1fms", float64(d)/float64(time.Millisecond)) }
