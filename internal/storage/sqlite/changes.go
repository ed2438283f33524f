package sqlite

import (
	"context"
	"sync"
)

// hub broadcasts "the generation may have changed" to the Changes
// subscribers of this process. Other processes sharing the file are not
// reached; their callers poll Generation (storage.Store.Changes).
type hub struct {
	mu     sync.Mutex
	subs   map[chan struct{}]struct{}
	closed bool
}

func newHub() *hub { return &hub{subs: map[chan struct{}]struct{}{}} }

// subscribe returns a channel that receives a value after each broadcast
// (coalesced: one pending value at most) and is closed when ctx ends or
// the hub closes.
func (h *hub) subscribe(ctx context.Context) <-chan struct{} {
	ch := make(chan struct{}, 1)
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		close(ch)
		return ch
	}
	h.subs[ch] = struct{}{}
	context.AfterFunc(ctx, func() { h.drop(ch) })
	return ch
}

// drop unregisters and closes ch unless the hub already did.
func (h *hub) drop(ch chan struct{}) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.subs[ch]; ok {
		delete(h.subs, ch)
		close(ch)
	}
}

// broadcast signals every subscriber without blocking.
func (h *hub) broadcast() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for ch := range h.subs {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
}

// close closes every subscriber channel; later subscriptions are closed at
// once.
func (h *hub) close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.closed = true
	for ch := range h.subs {
		delete(h.subs, ch)
		close(ch)
	}
}
