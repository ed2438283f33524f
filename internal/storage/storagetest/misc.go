package storagetest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/authplane/authplane/internal/storage"
)

// signalWait bounds how long the Changes tests wait for a signal before
// failing; it is a failure deadline, not a measured duration.
const signalWait = 10 * time.Second

// testChanges checks the change-notification channel.
func testChanges(t *testing.T, open Opener) {
	t.Run("channel is closed after its context is cancelled", func(t *testing.T) {
		s := open(t)
		ctx, cancel := context.WithCancel(t.Context())
		ch := s.Changes(ctx)
		cancel()
		deadline := time.After(signalWait)
		for {
			select {
			case _, ok := <-ch:
				if !ok {
					return
				}
			case <-deadline:
				t.Fatal("Changes channel not closed after its context was cancelled")
			}
		}
	})
	t.Run("a committed change is signalled to every subscriber", func(t *testing.T) {
		ctx, s := ctxFor(t), open(t)
		chans := []<-chan struct{}{s.Changes(ctx), s.Changes(ctx)}
		// Keep changing until both subscribers have heard of it, so a backend
		// whose subscription starts asynchronously still passes.
		deadline := time.After(signalWait)
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		heard := make([]bool, len(chans))
		for i := 0; !heard[0] || !heard[1]; i++ {
			must(t, s.CreateClient(ctx, storage.Client{ID: fmt.Sprintf("client-%04d", i)}), "create")
			select {
			case <-chans[0]:
				heard[0] = true
			case <-chans[1]:
				heard[1] = true
			case <-tick.C:
			case <-deadline:
				t.Fatalf("no change signal within %s (heard %v)", signalWait, heard)
			}
		}
	})
}

// testConcurrency checks that concurrent callers neither fail nor lose
// writes (for example with SQLITE_BUSY or serialization errors).
func testConcurrency(t *testing.T, open Opener) {
	const workers, each = 16, 4
	t.Run("parallel creates and reads all succeed", func(t *testing.T) {
		ctx, s := ctxFor(t), open(t)
		errs := parallel(workers, func(w int) error {
			for i := range each {
				if err := s.CreateClient(ctx, storage.Client{ID: fmt.Sprintf("c-%02d-%d", w, i)}); err != nil {
					return err
				}
				if _, err := s.ListClients(ctx, storage.Page{Limit: 5}); err != nil {
					return err
				}
			}
			return nil
		})
		for _, err := range errs {
			must(t, err, "worker")
		}
		got, err := s.ListClients(ctx, storage.Page{})
		must(t, err, "list")
		if len(got) != workers*each {
			t.Errorf("%d clients stored, want %d", len(got), workers*each)
		}
	})
	t.Run("parallel audit appends get distinct sequence numbers", func(t *testing.T) {
		ctx, s := ctxFor(t), open(t)
		var mu sync.Mutex
		seqs := map[int64]bool{}
		errs := parallel(workers, func(w int) error {
			out, err := s.AppendAudit(ctx, fullEvent(w*each), fullEvent(w*each+1), fullEvent(w*each+2), fullEvent(w*each+3))
			mu.Lock()
			defer mu.Unlock()
			for _, ev := range out {
				seqs[ev.Seq] = true
			}
			return err
		})
		for _, err := range errs {
			must(t, err, "worker")
		}
		if len(seqs) != workers*each || countAudit(ctx, t, s) != workers*each {
			t.Errorf("%d distinct Seqs and %d events, want %d", len(seqs), countAudit(ctx, t, s), workers*each)
		}
	})
}

// parallel runs fn(w) for w in [0, n) concurrently and returns the errors.
func parallel(n int, fn func(w int) error) []error {
	errs := make([]error, n)
	var wg sync.WaitGroup
	for w := range n {
		wg.Go(func() { errs[w] = fn(w) })
	}
	wg.Wait()
	return errs
}

// testLifecycle checks Ping and Close.
func testLifecycle(t *testing.T, open Opener) {
	t.Run("ping succeeds on an open store", func(t *testing.T) {
		ctx, s := ctxFor(t), open(t)
		must(t, s.Ping(ctx), "ping")
	})
	t.Run("close succeeds and the store is unusable afterwards", func(t *testing.T) {
		ctx, s := ctxFor(t), open(t)
		must(t, s.Close(), "close")
		if err := s.Ping(ctx); err == nil {
			t.Error("ping after close succeeded")
		}
	})
}
