// Package batch is the group-commit queue both storage backends put in front
// of the grant hot path (DESIGN.md §7, §8): callers enqueue concurrently, one
// goroutine hands the items to a commit function in batches. It blocks for
// the first item, then takes whatever else is queued (up to a maximum)
// without waiting, so a batch is at least what arrived while the previous
// commit was syncing. Under load it may then linger briefly for more
// (Linger): every commit has a fixed cost (the sync, the pages every batch
// rewrites), and fewer, larger batches spend less of the machine on it. The
// backend's commit function owns the transaction and tells each item its
// outcome.
package batch

import (
	"context"
	"errors"
	"sync"
	"time"
)

// ErrClosed is returned by Enqueue after Close.
var ErrClosed = errors.New("batch: queue closed")

// Linger tunes how long a batch may wait for more items. A batch lingers
// only when the previous one held at least After items: that many arriving
// during one commit means the callers outnumber what the CPUs can serve at
// once, so a short wait costs them nothing they would not have spent
// queueing anyway, while a lone caller or a light load never waits. It
// stops waiting when it holds Target items, when Gap passes without a new
// item, or after Max in all. The zero Linger never waits.
type Linger struct {
	After  int
	Target int
	Gap    time.Duration
	Max    time.Duration
}

// Queue feeds batches of T to one committer goroutine.
type Queue[T any] struct {
	commit func([]T)
	max    int
	linger Linger
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
// items and linger as l says. commit runs on the queue's goroutine, one
// batch at a time.
func New[T any](depth, max int, l Linger, commit func([]T)) *Queue[T] {
	q := &Queue[T]{commit: commit, max: max, linger: l, queue: make(chan T, depth), quit: make(chan struct{}), stopped: make(chan struct{})}
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
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	prev := 0
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
		batch = q.fill(batch)
		if l := q.linger.After; l > 0 && prev >= l {
			batch = q.wait(batch, timer)
		}
		prev = len(batch)
		q.commit(batch)
	}
}

// wait adds items to batch as they arrive until the Linger says to stop
// (or Close is called).
func (q *Queue[T]) wait(batch []T, timer *time.Timer) []T {
	l := q.linger
	target := min(l.Target, q.max)
	if l.Max <= 0 || l.Gap <= 0 || len(batch) >= target {
		return batch
	}
	deadline := time.Now().Add(l.Max)
	for len(batch) < target {
		d := min(l.Gap, time.Until(deadline))
		if d <= 0 {
			break
		}
		timer.Reset(d)
		select {
		case item := <-q.queue:
			timer.Stop()
			batch = q.fill(append(batch, item))
		case <-timer.C:
			return batch
		case <-q.quit:
			timer.Stop()
			return batch
		}
	}
	return batch
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
