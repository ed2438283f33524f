package storagetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/authplane/authplane/internal/storage"
)

// testWithTx checks that WithTx commits on nil and rolls back everything on
// an error or a panic.
func testWithTx(t *testing.T, open Opener) {
	c := clientAggregate().sample(1)
	j := storage.ConsumedJTI{Issuer: "https://idp.example", JTI: "in-tx", ExpiresAt: at(time.Hour)}
	write := func(ctx context.Context, tx storage.Tx) error {
		if err := tx.CreateClient(ctx, c); err != nil {
			return err
		}
		if _, err := tx.AppendAudit(ctx, fullEvent(1)); err != nil {
			return err
		}
		return tx.ConsumeJTI(ctx, j)
	}
	rolledBack := func(ctx context.Context, t *testing.T, s storage.Store) {
		t.Helper()
		_, err := s.GetClient(ctx, c.ID)
		wantErr(t, "client after rollback", err, storage.ErrNotFound)
		if n := countAudit(ctx, t, s); n != 0 {
			t.Errorf("%d audit events after rollback, want 0", n)
		}
		if err := s.ConsumeJTI(ctx, j); err != nil {
			t.Errorf("jti consumed in a rolled-back transaction stays consumed: %v", err)
		}
	}
	t.Run("nil commits every write", func(t *testing.T) {
		ctx, s := ctxFor(t), open(t)
		must(t, s.WithTx(ctx, func(tx storage.Tx) error { return write(ctx, tx) }), "WithTx")
		got, err := s.GetClient(ctx, c.ID)
		must(t, err, "get client")
		assertEqual(t, "client", c, got)
		if n := countAudit(ctx, t, s); n != 1 {
			t.Errorf("%d audit events, want 1", n)
		}
		wantErr(t, "jti after commit", s.ConsumeJTI(ctx, j), storage.ErrReplay)
	})
	t.Run("error rolls back every write and is returned", func(t *testing.T) {
		ctx, s := ctxFor(t), open(t)
		boom := errors.New("boom")
		err := s.WithTx(ctx, func(tx storage.Tx) error {
			if err := write(ctx, tx); err != nil {
				return err
			}
			return boom
		})
		wantErr(t, "WithTx", err, boom)
		rolledBack(ctx, t, s)
	})
	t.Run("panic rolls back every write and re-panics", func(t *testing.T) {
		ctx, s := ctxFor(t), open(t)
		recovered := func() (r any) {
			defer func() { r = recover() }()
			_ = s.WithTx(ctx, func(tx storage.Tx) error {
				if err := write(ctx, tx); err != nil {
					t.Errorf("write: %v", err)
				}
				panic("kaboom")
			})
			return nil
		}()
		if recovered != "kaboom" {
			t.Errorf("recovered %v, want the original panic value", recovered)
		}
		rolledBack(ctx, t, s)
		must(t, s.CreateClient(ctx, c), "store usable after a panic")
	})
	t.Run("sentinel errors from inside the transaction pass through", func(t *testing.T) {
		ctx, s := ctxFor(t), open(t)
		must(t, s.CreateClient(ctx, c), "create")
		err := s.WithTx(ctx, func(tx storage.Tx) error { return tx.CreateClient(ctx, c) })
		wantErr(t, "duplicate create in tx", err, storage.ErrConflict)
		err = s.WithTx(ctx, func(tx storage.Tx) error {
			_, err := tx.GetClient(ctx, "missing")
			return err
		})
		wantErr(t, "get missing in tx", err, storage.ErrNotFound)
	})
	t.Run("reads inside the transaction see its own writes", func(t *testing.T) {
		ctx, s := ctxFor(t), open(t)
		err := s.WithTx(ctx, func(tx storage.Tx) error {
			if err := tx.CreateClient(ctx, c); err != nil {
				return err
			}
			got, err := tx.GetClient(ctx, c.ID)
			if err != nil {
				return err
			}
			assertEqual(t, "client read in tx", c, got)
			list, err := tx.ListClients(ctx, storage.Page{})
			if err != nil {
				return err
			}
			if len(list) != 1 {
				t.Errorf("list in tx: %d clients, want 1", len(list))
			}
			return nil
		})
		must(t, err, "WithTx")
	})
	t.Run("a replay inside the transaction can be handled and the rest commits", func(t *testing.T) {
		ctx, s := ctxFor(t), open(t)
		must(t, s.ConsumeJTI(ctx, j), "consume")
		err := s.WithTx(ctx, func(tx storage.Tx) error {
			if err := tx.ConsumeJTI(ctx, j); !errors.Is(err, storage.ErrReplay) {
				t.Errorf("consume in tx: %v, want ErrReplay", err)
			}
			return tx.CreateClient(ctx, c)
		})
		must(t, err, "WithTx")
		if _, err := s.GetClient(ctx, c.ID); err != nil {
			t.Errorf("client written after a handled replay is missing: %v", err)
		}
	})
}
