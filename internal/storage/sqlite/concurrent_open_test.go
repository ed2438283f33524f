package sqlite

import (
	"errors"
	"path/filepath"
	"sync"
	"testing"

	"github.com/authplane/authplane/internal/storage"
)

// TestConcurrentOpenOfNewFile models several processes starting on one new
// database file at once: every Open must succeed and migrate exactly once.
func TestConcurrentOpenOfNewFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "authplane.db")
	const openers = 4
	errs := make([]error, openers)
	var wg sync.WaitGroup
	for i := range openers {
		wg.Go(func() {
			s, err := Open(t.Context(), path, Options{})
			if err == nil {
				err = s.CreateClient(t.Context(), storage.Client{ID: string(rune('a' + i))})
				err = errors.Join(err, s.Close())
			}
			errs[i] = err
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("opener %d: %v", i, err)
		}
	}
	s := openAt(t, path, Options{})
	got, err := s.ListClients(t.Context(), storage.Page{})
	if err != nil || len(got) != openers {
		t.Errorf("after concurrent opens: %d clients, %v; want %d", len(got), err, openers)
	}
}
