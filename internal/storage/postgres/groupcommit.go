package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/authplane/authplane/internal/storage/batch"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/authplane/authplane/internal/storage"
)

// Group commit of the grant hot path (DESIGN.md §7, §8), as in the SQLite
// backend: concurrent ConsumeJTIWithAudit (and ConsumeJTI) calls queue for
// a committer goroutine that sends whatever is queued, up to maxBatch, as
// one pipelined batch: one network round trip and one implicit transaction
// (one Sync), so one commit and one WAL flush for the whole batch. Each
// call is a single statement that inserts the jti with ON CONFLICT DO
// NOTHING and appends the audit event only if the jti was inserted, so a
// replay (also of a pair consumed earlier in the same batch) writes nothing
// and affects only its own call. A caller learns its outcome only once the
// batch's ReadyForQuery has arrived, after the commit. If the batch fails
// as a whole, each call is retried in a batch of its own.
const (
	maxBatch = 256
	queueLen = 1024
	// batchTimeout bounds one batch, network included.
	batchTimeout = 30 * time.Second
)

// linger lets a batch wait, under load, for up to 24 calls: each batch is
// a round trip and a commit (a WAL flush) in PostgreSQL, which runs on the
// same machine in the benchmark, so fewer, larger batches cost less. A
// lone caller never waits.
var linger = batch.Linger{After: 8, Target: 24, Gap: 300 * time.Microsecond, Max: time.Millisecond}

// consumeWithAuditSQL consumes $1/$2 and, only if that inserted a row,
// appends the event.
const consumeWithAuditSQL = `WITH consumed AS (
	INSERT INTO consumed_jtis (key, expires_at) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING RETURNING 1)
INSERT INTO audit_events (id, time, type, outcome, reason, idp_id, client_id,
	subject, resource, assertion_jti, token_jti, event, before, after)
SELECT $3::text, $4::timestamptz, $5::text, $6::text, $7::text, $8::text, $9::text, $10::text, $11::text,
	$12::text, $13::text, $14::jsonb, $15::json, $16::json FROM consumed
RETURNING seq`

const consumeSQL = `INSERT INTO consumed_jtis (key, expires_at) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING`

// errClosed is returned to callers after Close.
var errClosed = errors.New("postgres: store is closed")

// write is one queued call; the committer sets seq and err, then closes
// done.
type write struct {
	key     []byte
	expires time.Time
	audit   bool
	ev      storage.AuditEvent // as stored (storableAudit)
	doc     string
	seq     int64
	err     error
	done    chan struct{}
}

// newWrite prepares a write on the caller's goroutine: hashing, cleaning
// and JSON encoding run in parallel, outside the committer.
func newWrite(j storage.ConsumedJTI, ev *storage.AuditEvent) (*write, error) {
	w := &write{key: jtiKey(j.Issuer, j.JTI), expires: j.ExpiresAt.UTC(), done: make(chan struct{})}
	if ev == nil {
		return w, nil
	}
	w.audit, w.ev = true, storableAudit(*ev)
	doc, err := json.Marshal(toAuditDoc(w.ev))
	if err != nil {
		return nil, wrapErr("append audit", err)
	}
	w.doc = string(doc)
	return w, nil
}

// args are the statement arguments of w.
func (w *write) args() []any {
	if !w.audit {
		return []any{w.key, w.expires}
	}
	ev := w.ev
	return []any{w.key, w.expires, ev.ID, ev.Time.UTC(), ev.Type, ev.Outcome, ev.Reason, ev.IdPID,
		ev.ClientID, ev.Subject, ev.Resource, ev.AssertionJTI, ev.TokenJTI, w.doc, rawDoc(ev.Before), rawDoc(ev.After)}
}

// stored is the event as ListAudit returns it.
func (w *write) stored() storage.AuditEvent {
	ev := w.ev
	ev.Seq, ev.Time, ev.TokenExp = w.seq, ev.Time.UTC(), ev.TokenExp.UTC()
	return ev
}

// committer owns the batched writes; internal/storage/batch does the
// queueing and batching, commit (below) the transaction.
type committer struct {
	pool *pgxpool.Pool
	q    *batch.Queue[*write]
}

func newCommitter(pool *pgxpool.Pool) *committer {
	c := &committer{pool: pool}
	c.q = batch.New(queueLen, maxBatch, linger, c.commit)
	return c
}

// submit queues w and waits for the commit that holds it. Once queued, a
// write is committed or fails with its batch even if ctx ends.
func (c *committer) submit(ctx context.Context, w *write) error {
	if err := c.q.Enqueue(ctx, w); err != nil {
		if errors.Is(err, batch.ErrClosed) {
			return errClosed
		}
		return err
	}
	<-w.done
	return w.err
}

// close stops accepting writes, commits those queued and stops.
func (c *committer) close() { c.q.Close() }

// commit sends batch and releases its callers; a batch that fails as a
// whole is retried write by write, so one bad write fails only its caller.
func (c *committer) commit(batch []*write) {
	err := c.send(batch)
	if err != nil && len(batch) > 1 {
		for _, w := range batch {
			w.seq = 0
			if err := c.send([]*write{w}); err != nil {
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

// send runs batch as one pipelined implicit transaction. Appends take the
// audit lock shared first, as AppendAudit does, so that AuditWatermark
// waits for them.
func (c *committer) send(batch []*write) error {
	ctx, cancel := context.WithTimeout(context.Background(), batchTimeout)
	defer cancel()
	b := &pgx.Batch{}
	b.Queue(`SELECT pg_advisory_xact_lock_shared(` + auditLockKey + `)`)
	for _, w := range batch {
		if w.audit {
			b.Queue(consumeWithAuditSQL, w.args()...)
		} else {
			b.Queue(consumeSQL, w.args()...)
		}
	}
	br := c.pool.SendBatch(ctx, b)
	err := readBatch(br, batch)
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	return wrapErr("consume jti with audit", err)
}

// readBatch reads each write's outcome: no row (or no row affected) is a
// replay of that write alone.
func readBatch(br pgx.BatchResults, batch []*write) error {
	if _, err := br.Exec(); err != nil {
		return err
	}
	for _, w := range batch {
		w.err = nil
		if w.audit {
			err := br.QueryRow().Scan(&w.seq)
			if errors.Is(err, pgx.ErrNoRows) {
				w.err = fmt.Errorf("postgres: consume jti: %w", storage.ErrReplay)
				continue
			}
			if err != nil {
				return err
			}
			continue
		}
		tag, err := br.Exec()
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			w.err = fmt.Errorf("postgres: consume jti: %w", storage.ErrReplay)
		}
	}
	return nil
}
