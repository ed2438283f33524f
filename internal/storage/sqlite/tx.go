package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"unicode/utf8"

	"github.com/authplane/authplane/internal/storage"
)

// inTx runs fn in a transaction on the writer connection: committed if fn
// returns nil, rolled back on an error or a panic (which is re-raised).
// After a commit that bumped the generation it signals Changes.
func (s *Store) inTx(ctx context.Context, fn func(o *ops) error) (err error) {
	tx, err := s.writer.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: begin: %w", err)
	}
	o := &ops{q: tx}
	committed := false
	defer func() {
		if committed {
			return
		}
		if rbErr := tx.Rollback(); rbErr != nil && !errors.Is(rbErr, sql.ErrTxDone) {
			err = errors.Join(err, fmt.Errorf("sqlite: rollback: %w", rbErr))
		}
	}()
	if err := fn(o); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: commit: %w", err)
	}
	committed = true
	if o.changed {
		s.hub.broadcast()
	}
	return nil
}

// WithTx implements storage.Store. fn must use only tx: the Store's own
// methods would wait for the single writer connection that tx holds.
func (s *Store) WithTx(ctx context.Context, fn func(tx storage.Tx) error) error {
	return s.inTx(ctx, func(o *ops) error { return fn(o) })
}

// ConsumeJTIWithAudit implements storage.Store: the jti insert and the
// audit event commit together (DESIGN.md §2 "Audit"), and a replay writes
// nothing. Concurrent calls share one transaction (groupcommit.go); each
// returns only after the commit that holds its rows.
func (s *Store) ConsumeJTIWithAudit(ctx context.Context, j storage.ConsumedJTI, ev storage.AuditEvent) (storage.AuditEvent, error) {
	w, err := newWrite(j, &ev)
	if err != nil {
		return storage.AuditEvent{}, err
	}
	if err := s.grants.submit(ctx, w); err != nil {
		return storage.AuditEvent{}, err
	}
	stored, err := storedEvent(w)
	if err != nil {
		return storage.AuditEvent{}, wrap("append audit", err)
	}
	return stored, nil
}

// storedEvent is w's event as ListAudit will return it. When the JSON
// round trip cannot change it (no before/after documents, valid UTF-8
// everywhere; times were truncated by newWrite) it is the event itself,
// which spares a decode per grant; otherwise it is decoded from the stored
// document.
func storedEvent(w *write) (storage.AuditEvent, error) {
	ev := w.ev
	if ev.Before != nil || ev.After != nil || !validUTF8(ev) {
		return decodeEvent(w.seq, w.doc)
	}
	ev.Seq = w.seq
	return ev, nil
}

// validUTF8 reports whether every text of ev is valid UTF-8 (json.Marshal
// would replace invalid bytes).
func validUTF8(ev storage.AuditEvent) bool {
	for _, s := range [...]string{ev.ID, ev.Type, ev.Outcome, ev.Reason, ev.IdPID, ev.Issuer, ev.AssertionJTI,
		ev.AssertionSub, ev.Subject, ev.ClientID, ev.Resource, ev.TokenJTI, ev.RemoteIP, ev.UserAgent,
		ev.RequestID, ev.Actor} {
		if !utf8.ValidString(s) {
			return false
		}
	}
	for _, list := range [...][]string{ev.RequestedScopes, ev.GrantedScopes, ev.PolicyRuleIDs} {
		for _, s := range list {
			if !utf8.ValidString(s) {
				return false
			}
		}
	}
	return true
}

// Generation implements storage.Store.
func (s *Store) Generation(ctx context.Context) (int64, error) {
	var g int64
	if err := s.reader.QueryRowContext(ctx, "SELECT value FROM generation WHERE id = 1").Scan(&g); err != nil {
		return 0, fmt.Errorf("sqlite: generation: %w", err)
	}
	return g, nil
}

// Changes implements storage.Store with an in-process broadcast after each
// commit that bumped the generation. Signals coalesce: a slow reader sees
// one pending value, then re-reads Generation. Other processes sharing the
// file are not signalled; callers poll Generation for those.
func (s *Store) Changes(ctx context.Context) <-chan struct{} {
	return s.hub.subscribe(ctx)
}

// read returns the ops for the Store's own, non-transactional reads.
func (s *Store) read() *ops { return &ops{q: s.reader} }
