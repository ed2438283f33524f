package sqlite

// The Store's storage.AuditSeals and storage.AccessReview methods: reads go
// to the read-only pool, each write runs in its own transaction on the
// single writer connection.

import (
	"context"
	"time"

	"github.com/authplane/authplane/internal/storage"
)

// AppendAuditSeal runs in its own write transaction; see storage.Store.
func (s *Store) AppendAuditSeal(ctx context.Context, seal storage.AuditSeal) error {
	return s.inTx(ctx, func(o *ops) error { return o.AppendAuditSeal(ctx, seal) })
}

// ListAuditSeals reads from the read-only pool; see storage.Store.
func (s *Store) ListAuditSeals(ctx context.Context, p storage.Page) ([]storage.AuditSeal, error) {
	return s.read().ListAuditSeals(ctx, p)
}

// LastAuditSeal reads from the read-only pool; see storage.Store.
func (s *Store) LastAuditSeal(ctx context.Context) (storage.AuditSeal, error) {
	return s.read().LastAuditSeal(ctx)
}

// MarkAuditSealPurged runs in its own write transaction; see storage.Store.
func (s *Store) MarkAuditSealPurged(ctx context.Context, fromSeq int64, at time.Time, mac []byte) error {
	return s.inTx(ctx, func(o *ops) error { return o.MarkAuditSealPurged(ctx, fromSeq, at, mac) })
}

// DeleteAuditRange runs in its own write transaction; see storage.Store.
func (s *Store) DeleteAuditRange(ctx context.Context, fromSeq, toSeq int64) (int64, error) {
	var n int64
	err := s.inTx(ctx, func(o *ops) error {
		var err error
		n, err = o.DeleteAuditRange(ctx, fromSeq, toSeq)
		return err
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}

// AuditWatermark reads from the read-only pool, which sees every committed
// write; see storage.Store.
func (s *Store) AuditWatermark(ctx context.Context) (int64, error) {
	return s.read().AuditWatermark(ctx)
}

// AuditConnections reads from the read-only pool; see storage.Store.
func (s *Store) AuditConnections(ctx context.Context, f storage.ConnectionFilter, p storage.Page) ([]storage.Connection, error) {
	return s.read().AuditConnections(ctx, f, p)
}
