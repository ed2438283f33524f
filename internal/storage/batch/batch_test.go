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
	q := New(100, 8, func(b []int) {
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
	q := New(1, 1, func([]int) { <-block })
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
