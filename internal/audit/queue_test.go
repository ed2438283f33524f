package audit

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/authplane/authplane/internal/storage"
)

type memAppender struct {
	mu    sync.Mutex
	evs   []storage.AuditEvent
	block chan struct{}
	fail  bool
}

func (m *memAppender) AppendAudit(_ context.Context, evs ...storage.AuditEvent) ([]storage.AuditEvent, error) {
	if m.block != nil {
		<-m.block
	}
	if m.fail {
		return nil, errors.New("disk full")
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.evs = append(m.evs, evs...)
	return evs, nil
}

func TestQueueWritesEverythingOnClose(t *testing.T) {
	out := &memAppender{}
	q := NewQueue(out, QueueOptions{Capacity: 5000, BatchSize: 64})
	for i := range 3000 {
		q.Record(storage.AuditEvent{Type: "grant.denied", Reason: string(rune('a' + i%26))})
	}
	if err := q.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(out.evs) != 3000 {
		t.Fatalf("wrote %d events, want 3000", len(out.evs))
	}
}

func TestQueueFullDropsAndCountsWithoutBlocking(t *testing.T) {
	out := &memAppender{block: make(chan struct{})}
	var dropped atomic.Int64
	q := NewQueue(out, QueueOptions{Capacity: 10, BatchSize: 1, OnDrop: func(string) { dropped.Add(1) }})
	for range 100 {
		q.Record(storage.AuditEvent{Type: "grant.denied"}) // must never block
	}
	// At most one batch in the writer plus ten queued survive.
	if d := dropped.Load(); d < 89 {
		t.Fatalf("dropped %d, want ≥ 89", d)
	}
	close(out.block)
	if err := q.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := int64(len(out.evs)) + dropped.Load(); got != 100 {
		t.Fatalf("written %d + dropped %d != 100", len(out.evs), dropped.Load())
	}
}

func TestQueueWriteFailureIsCounted(t *testing.T) {
	out := &memAppender{fail: true}
	var dropped atomic.Int64
	q := NewQueue(out, QueueOptions{OnDrop: func(string) { dropped.Add(1) }})
	q.Record(storage.AuditEvent{Type: "grant.denied"})
	q.Record(storage.AuditEvent{Type: "grant.denied"})
	_ = q.Close(context.Background())
	if dropped.Load() != 2 {
		t.Fatalf("dropped %d, want 2", dropped.Load())
	}
	q.Record(storage.AuditEvent{Type: "after.close"})
	if dropped.Load() != 3 {
		t.Fatal("a record after Close was not counted")
	}
}
