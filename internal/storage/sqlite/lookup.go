package sqlite

import (
	"cmp"
	"context"
	"log/slog"
	"slices"
	"strconv"
	"time"
)

// Audit lookup (doc.go; migrations/00003_audit_lookup.sql). Searching the
// audit trail by subject or by jti needs an index on values that are, for
// every new event, effectively random: an ordinary index on them costs a
// page write per grant on the group-commit path. Instead the lookupIndexer
// adds the events of the last interval to audit_lookup in one transaction,
// sorted, keyed by (seq bucket, value, seq): all the keys of one batch fall
// in the newest bucket or two, so one page write covers many of them. A
// search unions the indexed events (one index probe per bucket) with the
// events above indexed_to, which it scans; the result is the same whether
// or not the indexer has caught up.
const (
	// lookupBucketBits sets the bucket of an event: seq >> lookupBucketBits.
	lookupBucketBits = 12
	// lookupEvery is how often the indexer catches up.
	lookupEvery = time.Second
	// lookupChunk bounds the events indexed in one transaction, and so
	// how long the indexer holds the writer connection (about 6 ms).
	lookupChunk = 1000
	// lookupPause separates the chunks of a long catch-up (a trail
	// written before the lookup existed, or while no server ran), so that
	// grants keep most of the writer's time.
	lookupPause = 20 * time.Millisecond
)

// Prefixes of audit_lookup keys.
const (
	lookupSubject = "s"
	lookupJTI     = "j"
)

// lookupIndexer runs indexLookups every lookupEvery until stopped.
type lookupIndexer struct {
	s       *Store
	quit    chan struct{}
	stopped chan struct{}
}

func startLookupIndexer(s *Store) *lookupIndexer {
	l := &lookupIndexer{s: s, quit: make(chan struct{}), stopped: make(chan struct{})}
	go l.run()
	return l
}

func (l *lookupIndexer) run() {
	defer close(l.stopped)
	t := time.NewTicker(lookupEvery)
	defer t.Stop()
	failing := false
	for {
		select {
		case <-l.quit:
			return
		case <-t.C:
		}
		err := l.catchUp()
		if err != nil && !failing {
			l.s.log.Warn("sqlite audit lookup indexing failed; searches scan the unindexed events", slog.Any("err", err))
		}
		failing = err != nil
	}
}

// catchUp indexes chunk after chunk, lookupPause apart, until the indexer
// has caught up or is stopped.
func (l *lookupIndexer) catchUp() error {
	for {
		n, err := l.s.indexLookups(context.Background(), lookupChunk)
		if err != nil || n < lookupChunk {
			return err
		}
		select {
		case <-l.quit:
			return nil
		case <-time.After(lookupPause):
		}
	}
}

func (l *lookupIndexer) stop() {
	close(l.quit)
	<-l.stopped
}

// lookupEntry is one row of audit_lookup.
type lookupEntry struct {
	bucket int64
	key    string
	seq    int64
}

// indexLookups adds up to max events above indexed_to to audit_lookup and
// advances indexed_to past them, in one transaction. It returns how many
// events it read.
func (s *Store) indexLookups(ctx context.Context, max int) (int, error) {
	var n int
	err := s.inTx(ctx, func(o *ops) error {
		var from int64
		if err := o.q.QueryRowContext(ctx, "SELECT indexed_to FROM audit_lookup_state WHERE id = 1").Scan(&from); err != nil {
			return wrap("audit lookup state", err)
		}
		rows, err := o.q.QueryContext(ctx,
			"SELECT seq, subject, assertion_jti FROM audit_events WHERE seq > ? ORDER BY seq LIMIT ?", from, max)
		if err != nil {
			return wrap("audit lookup read", err)
		}
		entries := make([]lookupEntry, 0, 2*max)
		last := from
		for rows.Next() {
			var (
				seq      int64
				sub, jti string
			)
			if err := rows.Scan(&seq, &sub, &jti); err != nil {
				rows.Close()
				return wrap("audit lookup read", err)
			}
			n++
			last = seq
			if sub != "" {
				entries = append(entries, lookupEntry{seq >> lookupBucketBits, lookupSubject + sub, seq})
			}
			if jti != "" {
				entries = append(entries, lookupEntry{seq >> lookupBucketBits, lookupJTI + jti, seq})
			}
		}
		if err := rows.Err(); err != nil {
			return wrap("audit lookup read", err)
		}
		if n == 0 {
			return nil
		}
		// In key order, consecutive inserts land on the same page.
		slices.SortFunc(entries, func(a, b lookupEntry) int {
			return cmp.Or(cmp.Compare(a.bucket, b.bucket), cmp.Compare(a.key, b.key), cmp.Compare(a.seq, b.seq))
		})
		if err := insertLookups(ctx, o, entries); err != nil {
			return err
		}
		_, err = o.q.ExecContext(ctx, "UPDATE audit_lookup_state SET indexed_to = ? WHERE id = 1", last)
		return wrap("audit lookup state", err)
	})
	return n, err
}

// lookupInsertRows is how many entries one INSERT statement carries.
const lookupInsertRows = 100

// insertLookups writes entries with multi-row INSERTs (OR IGNORE: another
// process may have indexed the same events first).
func insertLookups(ctx context.Context, o *ops, entries []lookupEntry) error {
	args := make([]any, 0, 3*lookupInsertRows)
	for len(entries) > 0 {
		chunk := entries[:min(len(entries), lookupInsertRows)]
		entries = entries[len(chunk):]
		args = args[:0]
		for _, e := range chunk {
			args = append(args, e.bucket, e.key, e.seq)
		}
		if _, err := o.q.ExecContext(ctx, lookupInsertSQL(len(chunk)), args...); err != nil {
			return wrap("audit lookup insert", err)
		}
	}
	return nil
}

// lookupInsertSQL is an INSERT of n rows.
func lookupInsertSQL(n int) string {
	b := make([]byte, 0, 64+10*n)
	b = append(b, "INSERT OR IGNORE INTO audit_lookup (bucket, key, seq) VALUES "...)
	for i := range n {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, "(?,?,?)"...)
	}
	return string(b)
}

// lookupCandidates returns a SELECT of the seqs above after that may match
// key (a prefix and a value): the indexed ones with that key, one probe per
// bucket from after's to indexed_to's, and every event above indexed_to.
// With tokenJTI set, the events whose token_jti is it are added (that
// column has an index of its own). Callers filter the candidates exactly.
func lookupCandidates(key string, after int64, tokenJTI string) (string, []any) {
	q := `WITH RECURSIVE b(n) AS (
			SELECT ? UNION ALL SELECT n + 1 FROM b
			WHERE n < (SELECT indexed_to FROM audit_lookup_state WHERE id = 1) >> ` + strconv.Itoa(lookupBucketBits) + `)
		SELECT l.seq FROM b JOIN audit_lookup l ON l.bucket = b.n AND l.key = ? AND l.seq > ?
		UNION ALL
		SELECT seq FROM audit_events WHERE seq > max(?, (SELECT indexed_to FROM audit_lookup_state WHERE id = 1))`
	args := []any{after >> lookupBucketBits, key, after, after}
	if tokenJTI != "" {
		q += `
		UNION ALL
		SELECT seq FROM audit_events WHERE token_jti = ? AND seq > ?`
		args = append(args, tokenJTI, after)
	}
	return q, args
}
