package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/authplane/authplane/internal/storage/batch"

	"github.com/authplane/authplane/internal/storage"
)

// Group commit of the grant hot path (DESIGN.md §7, §8). With
// synchronous=FULL every COMMIT syncs the WAL, and the single writer
// connection serialises transactions, so one transaction per grant caps
// the rate at one grant per fsync. Instead, concurrent ConsumeJTIWithAudit
// (and ConsumeJTI) calls queue for a committer goroutine that writes
// whatever is queued, up to maxBatch, in one transaction. Each call's rows
// are its own INSERT … ON CONFLICT DO NOTHING, so a replay inside a batch
// (even of a pair consumed earlier in the same batch) affects only that
// call, and writes nothing for it. A caller learns its outcome only after
// the COMMIT holding its rows has returned: a nil error still means the
// jti and the audit event are durable.
const (
	// maxBatch bounds the writes of one transaction, so that one commit
	// does not hold the writer for long.
	maxBatch = 256
	// queueLen is the depth of the committer's queue; callers block when
	// it is full.
	queueLen = 1024
)

// linger lets a batch wait, under load, for up to 24 writes: a commit
// rewrites the pages every batch touches (the ends of the append-only
// indexes, the audit table's last page) and syncs the WAL, so fewer,
// larger batches cost a grant less (docs/benchmarks.md). A lone caller
// never waits.
var linger = batch.Linger{After: 8, Target: 24, Gap: 300 * time.Microsecond, Max: time.Millisecond}

// The statements of one write; doc.go explains the key and the columns.
const (
	consumeSQL = "INSERT INTO consumed_jtis (hash, expires_at) VALUES (?, ?) ON CONFLICT (hash) DO NOTHING"
	auditSQL   = `INSERT INTO audit_events
		(id, time, type, outcome, reason, idp_id, client_id, subject, resource, assertion_jti, token_jti, event)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
)

// errClosed is returned to callers after Close.
var errClosed = errors.New("sqlite: store is closed")

// write is one queued call: a jti to consume and, when audit is set, the
// event to append with it. The committer sets seq and err, then closes
// done.
type write struct {
	hash    []byte
	expires int64
	audit   bool
	ev      storage.AuditEvent // as stored: times truncated
	doc     []byte
	seq     int64
	err     error
	done    chan struct{}
}

// newWrite prepares a write outside the committer: hashing and JSON
// encoding run on the caller's goroutine, in parallel.
func newWrite(j storage.ConsumedJTI, ev *storage.AuditEvent) (*write, error) {
	w := &write{hash: jtiHash(j.Issuer, j.JTI), expires: j.ExpiresAt.UnixMilli(), done: make(chan struct{})}
	if ev == nil {
		return w, nil
	}
	w.audit, w.ev = true, *ev
	w.ev.Time, w.ev.TokenExp = storedTime(ev.Time), storedTime(ev.TokenExp)
	doc, err := json.Marshal(eventDoc(w.ev))
	if err != nil {
		return nil, wrap("append audit", fmt.Errorf("%w: %w", storage.ErrInvalid, err))
	}
	w.doc = doc
	return w, nil
}

// committer owns the batched writes; internal/storage/batch does the
// queueing and batching, commit (groupcommit_tx.go) the transaction.
type committer struct {
	writer *sql.DB
	q      *batch.Queue[*write]
	// consume and audit are prepared on first use, on the writer
	// connection (they are reused by every batch).
	consume, audit *sql.Stmt
	// checkpoints is prompted every checkpointWrites writes.
	checkpoints *checkpointer
	written     int
}

func newCommitter(writer *sql.DB, checkpoints *checkpointer) *committer {
	c := &committer{writer: writer, checkpoints: checkpoints}
	c.q = batch.New(queueLen, maxBatch, linger, c.commitAndCheckpoint)
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

// close stops accepting writes, commits those queued and stops the
// committer.
func (c *committer) close() {
	c.q.Close()
	for _, st := range []*sql.Stmt{c.consume, c.audit} {
		if st != nil {
			st.Close()
		}
	}
}

// commitAndCheckpoint commits one batch and prompts a background checkpoint
// every checkpointWrites writes (it runs on the queue's one goroutine).
func (c *committer) commitAndCheckpoint(b []*write) {
	c.commit(b)
	if c.written += len(b); c.written >= checkpointWrites {
		c.written = 0
		c.checkpoints.prompt()
	}
}
