package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/authplane/authplane/internal/storage"
)

// sealCols are the columns of audit_seals in scanSeal's order.
const sealCols = "from_seq, to_seq, count, head, prev, digests, mac, sealed_at, purged_at, purge_mac"

// validSeal rejects a seal the table could not hold sensibly.
func validSeal(s storage.AuditSeal) error {
	switch {
	case s.FromSeq < 1 || s.ToSeq < s.FromSeq || s.Count < 0:
		return fmt.Errorf("%w: audit seal range [%d, %d] count %d", storage.ErrInvalid, s.FromSeq, s.ToSeq, s.Count)
	case len(s.Head) == 0 || len(s.Prev) == 0 || len(s.MAC) == 0 || s.SealedAt.IsZero():
		return fmt.Errorf("%w: audit seal %d lacks head, prev, mac or time", storage.ErrInvalid, s.FromSeq)
	}
	return nil
}

// AppendAuditSeal implements storage.AuditSeals.
func (o *ops) AppendAuditSeal(ctx context.Context, s storage.AuditSeal) error {
	if err := validSeal(s); err != nil {
		return wrap("append audit seal", err)
	}
	_, err := o.q.ExecContext(ctx, `INSERT INTO audit_seals (`+sealCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		s.FromSeq, s.ToSeq, s.Count, s.Head, s.Prev, blob(s.Digests), s.MAC, millis(s.SealedAt),
		millis(s.PurgedAt), blob(s.PurgeMAC))
	return wrap("append audit seal", mapErr(err))
}

// scanSeal reads one audit_seals row.
func scanSeal(sc scanner) (storage.AuditSeal, error) {
	var (
		s              storage.AuditSeal
		sealed, purged sql.NullInt64
	)
	err := sc.Scan(&s.FromSeq, &s.ToSeq, &s.Count, &s.Head, &s.Prev, &s.Digests, &s.MAC, &sealed, &purged, &s.PurgeMAC)
	if err != nil {
		return s, err
	}
	s.SealedAt, s.PurgedAt = fromMillis(sealed), fromMillis(purged)
	s.Digests, s.PurgeMAC = fromBlob(s.Digests), fromBlob(s.PurgeMAC)
	return s, nil
}

// ListAuditSeals implements storage.AuditSeals.
func (o *ops) ListAuditSeals(ctx context.Context, p storage.Page) ([]storage.AuditSeal, error) {
	p = p.Normalize()
	after, err := seqCursor(p.After)
	if err != nil {
		return nil, wrap("list audit seals", err)
	}
	return wrapV[[]storage.AuditSeal]("list audit seals")(queryAll(ctx, o, scanSeal,
		`SELECT `+sealCols+` FROM audit_seals WHERE from_seq > ? ORDER BY from_seq LIMIT ?`, after, p.Limit))
}

// seqCursor parses a decimal sequence cursor; empty is 0.
func seqCursor(after string) (int64, error) {
	if after == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(after, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%w: cursor %q is not a sequence number", storage.ErrInvalid, after)
	}
	return n, nil
}

// LastAuditSeal implements storage.AuditSeals.
func (o *ops) LastAuditSeal(ctx context.Context) (storage.AuditSeal, error) {
	s, err := scanSeal(o.q.QueryRowContext(ctx, `SELECT `+sealCols+` FROM audit_seals ORDER BY from_seq DESC LIMIT 1`))
	return s, wrap("last audit seal", noRows(err))
}

// MarkAuditSealPurged implements storage.AuditSeals.
func (o *ops) MarkAuditSealPurged(ctx context.Context, fromSeq int64, at time.Time, mac []byte) error {
	if at.IsZero() || len(mac) == 0 {
		return wrap("mark audit seal purged", fmt.Errorf("%w: purge mark needs a time and a mac", storage.ErrInvalid))
	}
	return wrap("mark audit seal purged", oneRow(o.q.ExecContext(ctx,
		`UPDATE audit_seals SET purged_at = ?, purge_mac = ?, digests = NULL WHERE from_seq = ? AND purged_at IS NULL`,
		millis(at), mac, fromSeq)))
}

// DeleteAuditRange implements storage.AuditSeals.
func (o *ops) DeleteAuditRange(ctx context.Context, fromSeq, toSeq int64) (int64, error) {
	res, err := o.q.ExecContext(ctx, `DELETE FROM audit_events WHERE seq >= ? AND seq <= ?`, fromSeq, toSeq)
	if err != nil {
		return 0, wrap("delete audit range", err)
	}
	// The range's lookup entries go with it (lookup.go).
	if _, err := o.q.ExecContext(ctx, `DELETE FROM audit_lookup WHERE bucket >= ? AND bucket <= ? AND seq >= ? AND seq <= ?`,
		fromSeq>>lookupBucketBits, toSeq>>lookupBucketBits, fromSeq, toSeq); err != nil {
		return 0, wrap("delete audit range", err)
	}
	n, err := res.RowsAffected()
	return n, wrap("delete audit range", err)
}

// AuditWatermark implements storage.AuditSeals. Every write to a SQLite
// file is serialised (one writer connection, BEGIN IMMEDIATE across
// processes), so sequence numbers commit in order and the highest visible
// one is a watermark.
func (o *ops) AuditWatermark(ctx context.Context) (int64, error) {
	var n int64
	err := o.q.QueryRowContext(ctx, `SELECT coalesce(max(seq), 0) FROM audit_events`).Scan(&n)
	return n, wrap("audit watermark", err)
}

// AuditConnections implements storage.AccessReview: one GROUP BY over the
// token.issued events, the scopes unioned from each event's granted_scopes.
func (o *ops) AuditConnections(ctx context.Context, f storage.ConnectionFilter, p storage.Page) ([]storage.Connection, error) {
	p = p.Normalize()
	where, args, err := connectionWhere(f, p.After)
	if err != nil {
		return nil, wrap("audit connections", err)
	}
	q := `SELECT a.subject, a.client_id, a.resource, a.idp_id, min(a.time), max(a.time), count(DISTINCT a.seq),
		json_group_array(DISTINCT s.value) FILTER (WHERE s.value IS NOT NULL)
		FROM audit_events a LEFT JOIN json_each(a.event, '$.granted_scopes') s
		WHERE a.type = 'token.issued'` + where + `
		GROUP BY a.subject, a.client_id, a.resource, a.idp_id
		ORDER BY a.subject, a.client_id, a.resource, a.idp_id LIMIT ?`
	return wrapV[[]storage.Connection]("audit connections")(queryAll(ctx, o, scanConnection, q, append(args, p.Limit)...))
}

// connectionWhere renders f and the page cursor as " AND …" conditions.
func connectionWhere(f storage.ConnectionFilter, after string) (string, []any, error) {
	var (
		b    strings.Builder
		args []any
	)
	add := func(cond string, vals ...any) {
		b.WriteString(" AND " + cond)
		args = append(args, vals...)
	}
	if !f.Since.IsZero() {
		add("a.time >= ?", f.Since.UnixMilli())
	}
	if !f.Until.IsZero() {
		add("a.time < ?", f.Until.UnixMilli())
	}
	if f.Subject != "" {
		add("a.subject = ?", f.Subject)
		cand, candArgs := lookupCandidates(lookupSubject+f.Subject, 0, "")
		add("a.seq IN ("+cand+")", candArgs...)
	}
	if f.ClientID != "" {
		add("a.client_id = ?", f.ClientID)
	}
	if after != "" {
		key := strings.Split(after, "\x00")
		if len(key) != 4 {
			return "", nil, fmt.Errorf("%w: connections cursor is not four fields", storage.ErrInvalid)
		}
		add("(a.subject, a.client_id, a.resource, a.idp_id) > (?, ?, ?, ?)", key[0], key[1], key[2], key[3])
	}
	return b.String(), args, nil
}

// scanConnection reads one row of AuditConnections.
func scanConnection(sc scanner) (storage.Connection, error) {
	var (
		c           storage.Connection
		first, last int64
		scopes      string
	)
	if err := sc.Scan(&c.Subject, &c.ClientID, &c.Resource, &c.IdPID, &first, &last, &c.Count, &scopes); err != nil {
		return c, err
	}
	if err := fromJSON(scopes, &c.Scopes); err != nil {
		return c, err
	}
	slices.Sort(c.Scopes)
	if len(c.Scopes) == 0 {
		c.Scopes = nil
	}
	c.First, c.Last = time.UnixMilli(first).UTC(), time.UnixMilli(last).UTC()
	return c, nil
}
