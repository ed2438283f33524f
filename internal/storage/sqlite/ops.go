package sqlite

import (
	"context"
	"fmt"

	"github.com/authplane/authplane/internal/storage"
)

var _ storage.Tx = (*ops)(nil)

// ops implements storage.Tx over one querier: a transaction on the writer
// connection, or the read-only pool for the Store's own reads.
type ops struct {
	q querier
	// changed records that this transaction bumped the generation, so the
	// Store broadcasts on Changes once it commits.
	changed bool
}

// bump increments the configuration generation inside the current
// transaction (DESIGN.md §7: caches on every instance key off it).
func (o *ops) bump(ctx context.Context) error {
	if _, err := o.q.ExecContext(ctx, "UPDATE generation SET value = value + 1 WHERE id = 1"); err != nil {
		return fmt.Errorf("bump generation: %w", err)
	}
	o.changed = true
	return nil
}

// wrap prefixes err with the backend and operation name.
func wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("sqlite: %s: %w", op, err)
}

// wrapV is wrap for methods that also return a value.
func wrapV[T any](op string) func(v T, err error) (T, error) {
	return func(v T, err error) (T, error) { return v, wrap(op, err) }
}
