package postgres

import (
	"context"
	"testing"
	"time"

	"github.com/authplane/authplane/internal/storage/pgtest"

	"github.com/jackc/pgx/v5"

	"github.com/authplane/authplane/internal/storage"
)

// waitSignal fails the test unless ch delivers a value within d (a failure
// deadline, not a measurement).
func waitSignal(t *testing.T, ch <-chan struct{}, d time.Duration, what string) {
	t.Helper()
	select {
	case _, ok := <-ch:
		if !ok {
			t.Fatalf("%s: channel closed", what)
		}
	case <-time.After(d):
		t.Fatalf("%s: no signal within %s", what, d)
	}
}

// noPolling makes NOTIFY the only way a change can be signalled.
var noPolling = Options{PollInterval: -1}

func TestChanges_NotifyFromSecondInstanceArrivesWithinASecond(t *testing.T) {
	t.Parallel()
	_, dsn := pgtest.Schema(t)
	a, b := openStore(t, dsn, noPolling), openStore(t, dsn, Options{})
	ctx := t.Context()
	before, err := a.Generation(ctx)
	if err != nil {
		t.Fatalf("generation: %v", err)
	}
	ch := a.Changes(ctx)
	if err := b.CreateClient(ctx, storage.Client{ID: "c1"}); err != nil {
		t.Fatalf("create on b: %v", err)
	}
	waitSignal(t, ch, time.Second, "change made on another instance")
	after, err := a.Generation(ctx)
	if err != nil {
		t.Fatalf("generation: %v", err)
	}
	if after != before+1 {
		t.Errorf("generation on a = %d, want %d", after, before+1)
	}
}

func TestChanges_ListenerReconnectsAfterItsConnectionIsKilled(t *testing.T) {
	t.Parallel()
	schema, dsn := pgtest.Schema(t)
	app := schema + "_a"
	a := openStore(t, pgtest.WithParams(t, dsn, map[string]string{"application_name": app}), noPolling)
	b := openStore(t, dsn, Options{})
	ctx := t.Context()
	ch := a.Changes(ctx)
	killed := adminQueryInt(t, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
		WHERE application_name = $1 AND query = 'LISTEN `+notifyChannel+`'`, app)
	if killed != 1 {
		t.Fatalf("terminated %d listener connections, want 1", killed)
	}
	// The listener signals once it listens again: changes may have been
	// missed meanwhile.
	waitSignal(t, ch, 10*time.Second, "reconnect")
	if err := b.CreateClient(ctx, storage.Client{ID: "c1"}); err != nil {
		t.Fatalf("create on b: %v", err)
	}
	waitSignal(t, ch, 10*time.Second, "change after reconnect")
}

func TestChanges_PollingCatchesAChangeWithoutNotify(t *testing.T) {
	t.Parallel()
	schema, dsn := pgtest.Schema(t)
	a := openStore(t, dsn, Options{PollInterval: 20 * time.Millisecond})
	ch := a.Changes(t.Context())
	// Bump the generation behind the trigger's back: no NOTIFY is sent.
	pgtest.Exec(t, `UPDATE `+pgx.Identifier{schema, "generation"}.Sanitize()+` SET value = value + 1`)
	waitSignal(t, ch, 10*time.Second, "polled generation change")
}

func TestChanges_ChannelClosesWhenTheStoreCloses(t *testing.T) {
	t.Parallel()
	_, dsn := pgtest.Schema(t)
	a := openStore(t, dsn, Options{})
	ch := a.Changes(context.Background())
	if err := a.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	// Close waits for the Changes goroutines, so the channel is closed now.
	for range ch {
	}
	if _, ok := <-a.Changes(context.Background()); ok {
		t.Error("Changes on a closed store delivered a value")
	}
}

func TestGeneration_BumpBecomesVisibleWithTheCommit(t *testing.T) {
	t.Parallel()
	_, dsn := pgtest.Schema(t)
	a, b := openStore(t, dsn, Options{}), openStore(t, dsn, Options{})
	ctx := t.Context()
	before, err := b.Generation(ctx)
	if err != nil {
		t.Fatalf("generation: %v", err)
	}
	err = a.WithTx(ctx, func(tx storage.Tx) error {
		if err := tx.CreateClient(ctx, storage.Client{ID: "c1"}); err != nil {
			return err
		}
		if err := tx.CreatePolicy(ctx, storage.Policy{ID: "p1"}); err != nil {
			return err
		}
		g, err := b.Generation(ctx)
		if err != nil {
			return err
		}
		if g != before {
			t.Errorf("generation seen by another instance before commit = %d, want %d", g, before)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("WithTx: %v", err)
	}
	g, err := b.Generation(ctx)
	if err != nil {
		t.Fatalf("generation: %v", err)
	}
	if g != before+2 {
		t.Errorf("generation after commit = %d, want %d (one bump per changing statement)", g, before+2)
	}
}

func TestGeneration_StatementsChangingNoRowsDoNotBump(t *testing.T) {
	t.Parallel()
	_, dsn := pgtest.Schema(t)
	s := openStore(t, dsn, Options{})
	ctx := t.Context()
	before, err := s.Generation(ctx)
	if err != nil {
		t.Fatalf("generation: %v", err)
	}
	tests := []struct {
		name string
		do   func() error
	}{
		{"update of a missing client", func() error { return s.UpdateClient(ctx, storage.Client{ID: "x"}) }},
		{"delete of a missing policy", func() error { return s.DeletePolicy(ctx, "x") }},
		{"purge with nothing expired", func() error {
			_, err := s.PurgeExpiredRevocations(ctx, time.Unix(0, 0))
			return err
		}},
	}
	for _, tc := range tests {
		_ = tc.do()
		if g, err := s.Generation(ctx); err != nil || g != before {
			t.Errorf("after %s: generation %d (%v), want %d", tc.name, g, err, before)
		}
	}
}
