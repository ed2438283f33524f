package audit

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/authplane/authplane/internal/storage"
)

// Appender writes events (storage.Audit).
type Appender interface {
	AppendAudit(ctx context.Context, evs ...storage.AuditEvent) ([]storage.AuditEvent, error)
}

// QueueOptions configures a Queue.
type QueueOptions struct {
	// Capacity bounds the events waiting to be written (default 10,000).
	Capacity int
	// BatchSize bounds one write (default 512).
	BatchSize int
	// Linger is how long the writer waits for more events after the first
	// of a batch (default 25 ms). Under a flood of denials this turns many
	// small transactions — each holding the store's writer and, on SQLite,
	// costing an fsync — into few large ones, so grants keep their latency.
	Linger time.Duration
	Logger *slog.Logger
	// OnDrop is called for each event that could not be queued or written,
	// with its type; it feeds authplane_audit_dropped_total.
	OnDrop func(eventType string)
}

// Queue records events asynchronously: Record never blocks; a full queue
// drops the event, counts it and logs it (never silently). Close drains.
type Queue struct {
	out    Appender
	opts   QueueOptions
	ch     chan storage.AuditEvent
	done   chan struct{}
	once   sync.Once
	mu     sync.RWMutex
	closed bool
}

// NewQueue starts a queue writing to out.
func NewQueue(out Appender, opts QueueOptions) *Queue {
	if opts.Capacity <= 0 {
		opts.Capacity = 10_000
	}
	if opts.BatchSize <= 0 {
		opts.BatchSize = 512
	}
	if opts.Linger <= 0 {
		opts.Linger = 25 * time.Millisecond
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	q := &Queue{out: out, opts: opts, ch: make(chan storage.AuditEvent, opts.Capacity), done: make(chan struct{})}
	go q.run()
	return q
}

// Record queues ev without blocking.
func (q *Queue) Record(ev storage.AuditEvent) {
	q.mu.RLock()
	defer q.mu.RUnlock()
	if q.closed {
		q.drop(ev, "queue closed")
		return
	}
	select {
	case q.ch <- ev:
	default:
		q.drop(ev, "queue full")
	}
}

// Depth is the number of events waiting.
func (q *Queue) Depth() int { return len(q.ch) }

func (q *Queue) drop(ev storage.AuditEvent, why string) {
	if q.opts.OnDrop != nil {
		q.opts.OnDrop(ev.Type)
	}
	q.opts.Logger.Warn("audit event dropped", "why", why, "type", ev.Type, "reason", ev.Reason,
		"client_id", ev.ClientID, "assertion_jti", ev.AssertionJTI, "request_id", ev.RequestID)
}

func (q *Queue) run() {
	defer close(q.done)
	batch := make([]storage.AuditEvent, 0, q.opts.BatchSize)
	linger := time.NewTimer(q.opts.Linger)
	linger.Stop()
	for ev := range q.ch {
		batch = append(batch[:0], ev)
		linger.Reset(q.opts.Linger)
	fill:
		for len(batch) < q.opts.BatchSize {
			select {
			case more, ok := <-q.ch:
				if !ok {
					break fill
				}
				batch = append(batch, more)
			case <-linger.C:
				break fill
			}
		}
		linger.Stop()
		q.write(batch)
	}
}

// write stores a batch with a detached, bounded context; on failure each
// event is counted as dropped and logged.
func (q *Queue) write(batch []storage.AuditEvent) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := q.out.AppendAudit(ctx, batch...); err != nil {
		q.opts.Logger.Error("audit batch write failed", "err", err, "events", len(batch))
		for _, ev := range batch {
			q.drop(ev, "write failed")
		}
	}
}

// Close stops accepting events, writes every queued one and returns when
// done or when ctx ends.
func (q *Queue) Close(ctx context.Context) error {
	q.once.Do(func() {
		q.mu.Lock()
		q.closed = true
		close(q.ch)
		q.mu.Unlock()
	})
	select {
	case <-q.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
