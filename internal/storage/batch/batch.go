// Package batch is the group-commit queue both storage backends put in front
// of the grant hot path (DESIGN.md §7, §8): callers enqueue concurrently, one
// goroutine hands the items to a commit function in batches. It blocks for
// the first item, then takes whatever else is queued (up to a maximum)
// without waiting, so a batch is exactly what arrived while the previous
// commit was syncing. The backend's commit function owns the transaction and
// tells each item its outcome.
package batch

import (
	"context"
	"errors"
	"sync"
)

// ErrClosed is returned by Enqueue after Close.
var ErrClosed = errors.New("batch: queue closed")

// Queue feeds batches of T to one committer goroutine.
type Queue[T any] struct {
	commit func([]T)
	max    int
	queue  chan T
	// mu orders enqueues before close: Enqueue holds it shared while
	// enqueueing, Close takes it exclusively to set closed, so that nothing
	// is enqueued after the final drain.
	mu      sync.RWMutex
	closed  bool
	quit    chan struct{}
	stopped chan struct{}
}

// New starts a queue of the given depth whose batches hold at most max
// items. commit runs on the queue's goroutine, one batch at a time.
func New[T any](depth, max int, commit func([]T)) *Queue[T] {
	q := &Queue[T]{commit: commit, max: max, queue: make(chan T, depth), quit: make(chan struct{}), stopped: make(chan struct{})}
	go q.run()
	return q
}

// Enqueue queues item, blocking while the queue is full. Once queued, an
// item is committed with its batch even if ctx ends.
func (q *Queue[T]) Enqueue(ctx context.Context, item T) error {
	q.mu.RLock()
	defer q.mu.RUnlock()
	if q.closed {
		return ErrClosed
	}
	select {
	case q.queue <- item:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Close stops accepting items, commits every queued one and returns when the
// committer goroutine has stopped. It is safe to call more than once.
func (q *Queue[T]) Close() {
	q.mu.Lock()
	already := q.closed
	q.closed = true
	q.mu.Unlock()
	if !already {
		close(q.quit)
	}
	<-q.stopped
}

func (q *Queue[T]) run() {
	defer close(q.stopped)
	batch := make([]T, 0, q.max)
	for {
		select {
		case item := <-q.queue:
			batch = append(batch[:0], item)
		case <-q.quit:
			for batch = q.fill(batch[:0]); len(batch) > 0; batch = q.fill(batch[:0]) {
				q.commit(batch)
			}
			return
		}
		q.commit(q.fill(batch))
	}
}

// fill adds queued items to batch without blocking.
func (q *Queue[T]) fill(batch []T) []T {
	for len(batch) < q.max {
		select {
		case item := <-q.queue:
			batch = append(batch, item)
		default:
			return batch
		}
	}
	return batch
}
