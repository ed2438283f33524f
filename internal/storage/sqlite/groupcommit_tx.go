package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/authplane/authplane/internal/storage"
)

// commit writes batch in one transaction and releases its callers. If the
// transaction fails as a whole (an error other than a replay, or the
// COMMIT itself), each write is retried in a transaction of its own, so
// that one bad write fails only its own caller.
func (c *committer) commit(batch []*write) {
	err := c.tx(batch)
	if err != nil && len(batch) > 1 {
		for _, w := range batch {
			w.seq = 0
			if err := c.tx([]*write{w}); err != nil {
				w.seq, w.err = 0, err
			}
			close(w.done)
		}
		return
	}
	for _, w := range batch {
		if err != nil {
			w.seq, w.err = 0, err
		}
		close(w.done)
	}
}

// tx runs one transaction over batch. A replay sets that write's err and
// writes nothing for it; any other error aborts the transaction.
func (c *committer) tx(batch []*write) (err error) {
	// No deadline: the driver would start a goroutine per statement to
	// watch it, and SQLite bounds its own waits (busy_timeout).
	ctx := context.Background()
	if err := c.prepare(ctx); err != nil {
		return err
	}
	tx, err := c.writer.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: begin: %w", err)
	}
	consume, audit := tx.StmtContext(ctx, c.consume), tx.StmtContext(ctx, c.audit)
	for _, w := range batch {
		if err := c.apply(ctx, consume, audit, w); err != nil {
			return errors.Join(err, rollback(tx))
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: commit: %w", err)
	}
	return nil
}

// apply consumes w's jti and, unless that was a replay, appends its event.
func (c *committer) apply(ctx context.Context, consume, audit *sql.Stmt, w *write) error {
	w.err = nil
	res, err := consume.ExecContext(ctx, w.hash, w.expires)
	if err != nil {
		return wrap("consume jti", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return wrap("consume jti", err)
	}
	if n == 0 {
		w.err = wrap("consume jti", storage.ErrReplay)
		return nil
	}
	if !w.audit {
		return nil
	}
	ev := w.ev
	// seq is the rowid (INTEGER PRIMARY KEY): LastInsertId spares the
	// result set of RETURNING.
	res, err = audit.ExecContext(ctx, ev.ID, ev.Time.UnixMilli(), ev.Type, ev.Outcome, ev.Reason, ev.IdPID,
		ev.ClientID, ev.Subject, ev.Resource, ev.AssertionJTI, ev.TokenJTI, string(w.doc))
	if err != nil {
		return wrap("append audit", err)
	}
	w.seq, err = res.LastInsertId()
	return wrap("append audit", err)
}

// prepare prepares the two statements on the writer connection the first
// time they are needed (the schema may not exist at Open with
// SkipMigrate).
func (c *committer) prepare(ctx context.Context) error {
	var err error
	if c.consume == nil {
		if c.consume, err = c.writer.PrepareContext(ctx, consumeSQL); err != nil {
			c.consume = nil
			return wrap("prepare consume jti", err)
		}
	}
	if c.audit == nil {
		if c.audit, err = c.writer.PrepareContext(ctx, auditSQL); err != nil {
			c.audit = nil
			return wrap("prepare append audit", err)
		}
	}
	return nil
}

// rollback ends a failed transaction.
func rollback(tx *sql.Tx) error {
	if err := tx.Rollback(); err != nil && !errors.Is(err, sql.ErrTxDone) {
		return fmt.Errorf("sqlite: rollback: %w", err)
	}
	return nil
}
