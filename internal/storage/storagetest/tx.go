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
	runAll(t, open, []namedTest{
		{"nil commits every write", testTxCommit},
		{"error rolls back every write and is returned", testTxErrorRollsBack},
		{"panic rolls back every write and re-panics", testTxPanicRollsBack},
		{"sentinel errors from inside the transaction pass through", testTxSentinels},
		{"reads inside the transaction see its own writes", testTxReadsOwnWrites},
		{"a replay inside the transaction can be handled and the rest commits", testTxHandledReplay},
	})
}

// namedTest is one subtest of a table run by runAll.
type namedTest struct {
	name string
	fn   func(t *testing.T, open Opener)
}

// runAll runs each test as a subtest.
func runAll(t *testing.T, open Opener, tests []namedTest) {
	t.Helper()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, open) })
	}
}

// txClient and txJTI are what the transaction tests write.
func txClient() storage.Client { return clientAggregate().sample(1) }

func txJTI() storage.ConsumedJTI {
	return storage.ConsumedJTI{Issuer: "https://idp.example", JTI: "in-tx", ExpiresAt: at(time.Hour)}
}

// txWrite writes a client, an audit event and a consumed jti through tx.
func txWrite(ctx context.Context, tx storage.Tx) error {
	if err := tx.CreateClient(ctx, txClient()); err != nil {
		return err
	}
	if _, err := tx.AppendAudit(ctx, fullEvent(1)); err != nil {
		return err
	}
	return tx.ConsumeJTI(ctx, txJTI())
}

// checkRolledBack fails if anything txWrite wrote is visible.
func checkRolledBack(ctx context.Context, t *testing.T, s storage.Store) {
	t.Helper()
	_, err := s.GetClient(ctx, txClient().ID)
	wantErr(t, "client after rollback", err, storage.ErrNotFound)
	if n := countAudit(ctx, t, s); n != 0 {
		t.Errorf("%d audit events after rollback, want 0", n)
	}
	if err := s.ConsumeJTI(ctx, txJTI()); err != nil {
		t.Errorf("jti consumed in a rolled-back transaction stays consumed: %v", err)
	}
}

func testTxCommit(t *testing.T, open Opener) {
	ctx, s := ctxFor(t), open(t)
	must(t, s.WithTx(ctx, func(tx storage.Tx) error { return txWrite(ctx, tx) }), "WithTx")
	got, err := s.GetClient(ctx, txClient().ID)
	must(t, err, "get client")
	assertEqual(t, "client", txClient(), got)
	if n := countAudit(ctx, t, s); n != 1 {
		t.Errorf("%d audit events, want 1", n)
	}
	wantErr(t, "jti after commit", s.ConsumeJTI(ctx, txJTI()), storage.ErrReplay)
}

func testTxErrorRollsBack(t *testing.T, open Opener) {
	ctx, s := ctxFor(t), open(t)
	err := s.WithTx(ctx, func(tx storage.Tx) error {
		if err := txWrite(ctx, tx); err != nil {
			return err
		}
		return errRollback
	})
	wantErr(t, "WithTx", err, errRollback)
	checkRolledBack(ctx, t, s)
}

func testTxPanicRollsBack(t *testing.T, open Opener) {
	ctx, s := ctxFor(t), open(t)
	recovered := func() (r any) {
		defer func() { r = recover() }()
		_ = s.WithTx(ctx, func(tx storage.Tx) error {
			if err := txWrite(ctx, tx); err != nil {
				t.Errorf("write: %v", err)
			}
			panic("kaboom")
		})
		return nil
	}()
	if recovered != "kaboom" {
		t.Errorf("recovered %v, want the original panic value", recovered)
	}
	checkRolledBack(ctx, t, s)
	must(t, s.CreateClient(ctx, txClient()), "store usable after a panic")
}

func testTxSentinels(t *testing.T, open Opener) {
	ctx, s := ctxFor(t), open(t)
	c := txClient()
	must(t, s.CreateClient(ctx, c), "create")
	err := s.WithTx(ctx, func(tx storage.Tx) error { return tx.CreateClient(ctx, c) })
	wantErr(t, "duplicate create in tx", err, storage.ErrConflict)
	err = s.WithTx(ctx, func(tx storage.Tx) error {
		_, err := tx.GetClient(ctx, "missing")
		return err
	})
	wantErr(t, "get missing in tx", err, storage.ErrNotFound)
}

func testTxReadsOwnWrites(t *testing.T, open Opener) {
	ctx, s := ctxFor(t), open(t)
	c := txClient()
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
}

// testTxHandledReplay: ErrReplay from ConsumeJTI leaves the transaction
// usable (a backend must not abort it, e.g. use ON CONFLICT DO NOTHING).
func testTxHandledReplay(t *testing.T, open Opener) {
	ctx, s := ctxFor(t), open(t)
	must(t, s.ConsumeJTI(ctx, txJTI()), "consume")
	err := s.WithTx(ctx, func(tx storage.Tx) error {
		if err := tx.ConsumeJTI(ctx, txJTI()); !errors.Is(err, storage.ErrReplay) {
			t.Errorf("consume in tx: %v, want ErrReplay", err)
		}
		return tx.CreateClient(ctx, txClient())
	})
	must(t, err, "WithTx")
	if _, err := s.GetClient(ctx, txClient().ID); err != nil {
		t.Errorf("client written after a handled replay is missing: %v", err)
	}
}
