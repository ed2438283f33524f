package batch

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

// TestBatchesAreWhatArrivedDuringACommit: while one commit is slow, the
// items that arrive meanwhile form the next batch; every item is committed
// exactly once; batches never exceed max.
func TestBatchesAreWhatArrivedDuringACommit(t *testing.T) {
	var mu sync.Mutex
	var sizes []int
	seen := map[int]int{}
	gate := make(chan struct{})
	q := New(100, 8, Linger{}, func(b []int) {
		if b[0] == 0 {
			<-gate // hold the first commit until the others are queued
		}
		mu.Lock()
		sizes = append(sizes, len(b))
		for _, v := range b {
			seen[v]++
		}
		mu.Unlock()
	})
	if err := q.Enqueue(context.Background(), 0); err != nil {
		t.Fatal(err)
	}
	time.Sleep(20 * time.Millisecond) // the committer holds item 0
	for i := 1; i <= 20; i++ {
		if err := q.Enqueue(context.Background(), i); err != nil {
			t.Fatal(err)
		}
	}
	close(gate)
	q.Close()
	if len(seen) != 21 {
		t.Fatalf("committed %d distinct items, want 21", len(seen))
	}
	for v, n := range seen {
		if n != 1 {
			t.Fatalf("item %d committed %d times", v, n)
		}
	}
	if sizes[0] != 1 || sizes[1] != 8 {
		t.Fatalf("batch sizes %v, want [1 8 …]", sizes)
	}
	for _, s := range sizes {
		if s > 8 {
			t.Fatalf("batch of %d exceeds max 8", s)
		}
	}
}

func TestEnqueueAfterCloseAndCancelledContext(t *testing.T) {
	block := make(chan struct{})
	q := New(1, 1, Linger{}, func([]int) { <-block })
	_ = q.Enqueue(context.Background(), 1) // taken by the committer, which blocks
	time.Sleep(10 * time.Millisecond)
	_ = q.Enqueue(context.Background(), 2) // fills the queue
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := q.Enqueue(ctx, 3); !errors.Is(err, context.Canceled) {
		t.Fatalf("full queue, cancelled ctx: %v", err)
	}
	close(block)
	q.Close()
	q.Close()
	if err := q.Enqueue(context.Background(), 4); !errors.Is(err, ErrClosed) {
		t.Fatalf("after Close: %v", err)
	}
}

// lingerQueue is a queue whose commits report their batches on a channel.
func lingerQueue(l Linger) (*Queue[int], chan []int) {
	got := make(chan []int, 100)
	q := New(100, 64, l, func(b []int) { got <- append([]int(nil), b...) })
	return q, got
}

// primeBusy starts a queue whose previous batch held n items, as under
// load: the first commit is held until n more items are queued behind it.
func primeBusy(t *testing.T, n int, l Linger) (*Queue[int], chan []int) {
	t.Helper()
	got := make(chan []int, 100)
	gate := make(chan struct{})
	q := New(100, 64, l, func(b []int) {
		if b[0] == -1 {
			<-gate
		}
		got <- append([]int(nil), b...)
	})
	_ = q.Enqueue(context.Background(), -1)
	time.Sleep(20 * time.Millisecond) // the committer holds item -1
	for i := range n {
		_ = q.Enqueue(context.Background(), 1000+i)
	}
	close(gate)
	<-got // [-1]
	if b := <-got; len(b) != n {
		t.Fatalf("priming batch of %d, want %d", len(b), n)
	}
	return q, got
}

// Under load (the previous batch held After items or more) a batch waits
// for Target items; each Gap without one, or Max in all, ends the wait.
// Timings are generous: only the order of magnitude is asserted.
func TestLingerWaitsUnderLoadOnly(t *testing.T) {
	t.Run("light load never waits", func(t *testing.T) {
		q, got := lingerQueue(Linger{After: 2, Target: 10, Gap: time.Minute, Max: time.Minute})
		defer q.Close()
		for i := range 3 {
			start := time.Now()
			_ = q.Enqueue(context.Background(), i)
			select {
			case b := <-got:
				if len(b) != 1 {
					t.Fatalf("batch %v", b)
				}
			case <-time.After(10 * time.Second):
				t.Fatalf("a lone item waited %s", time.Since(start))
			}
		}
	})
	t.Run("target ends the wait", func(t *testing.T) {
		q, got := primeBusy(t, 4, Linger{After: 4, Target: 3, Gap: time.Minute, Max: time.Minute})
		defer q.Close()
		go func() {
			for i := range 3 {
				time.Sleep(5 * time.Millisecond)
				_ = q.Enqueue(context.Background(), i)
			}
		}()
		select {
		case b := <-got:
			if len(b) != 3 {
				t.Fatalf("lingering batch %v, want the 3 items that trickled in", b)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("the batch did not end at its target")
		}
	})
	t.Run("a gap ends the wait", func(t *testing.T) {
		q, got := primeBusy(t, 4, Linger{After: 4, Target: 10, Gap: 50 * time.Millisecond, Max: time.Minute})
		defer q.Close()
		_ = q.Enqueue(context.Background(), 1)
		select {
		case b := <-got:
			if len(b) != 1 {
				t.Fatalf("batch %v", b)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("the wait did not end after the gap")
		}
	})
	t.Run("max ends the wait", func(t *testing.T) {
		q, got := primeBusy(t, 4, Linger{After: 4, Target: 1000, Gap: time.Minute, Max: 50 * time.Millisecond})
		defer q.Close()
		stop := make(chan struct{})
		defer close(stop)
		go func() { // items keep coming, never a gap
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				case <-time.After(5 * time.Millisecond):
					_ = q.Enqueue(context.Background(), i)
				}
			}
		}()
		select {
		case <-got:
		case <-time.After(10 * time.Second):
			t.Fatal("the wait did not end at max")
		}
	})
	t.Run("close commits a lingering batch", func(t *testing.T) {
		q, got := primeBusy(t, 4, Linger{After: 4, Target: 10, Gap: time.Minute, Max: time.Minute})
		_ = q.Enqueue(context.Background(), 7)
		time.Sleep(10 * time.Millisecond)
		q.Close()
		if b := <-got; len(b) != 1 || b[0] != 7 {
			t.Fatalf("batch %v after Close, want [7]", b)
		}
	})
}
