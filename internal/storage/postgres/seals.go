package postgres

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/authplane/authplane/internal/storage"
)

// auditLockKey names the advisory lock that orders audit appends against
// AuditWatermark, scoped to the schema like lockKey. Every append holds it
// shared for its transaction; the watermark takes it exclusively, which
// waits for the appends in flight.
const auditLockKey = `hashtextextended('authplane.audit.' || coalesce(current_schema(), ''), 0)`

// watermarkLockTimeout bounds how long AuditWatermark waits for appends in
// flight (and so how long new appends queue behind it).
const watermarkLockTimeout = "5s"

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

// nilIfEmpty stores empty bytes as NULL.
func nilIfEmpty(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return b
}

// AppendAuditSeal stores s; ErrConflict if its FromSeq is taken.
func (q queries) AppendAuditSeal(ctx context.Context, s storage.AuditSeal) error {
	if err := validSeal(s); err != nil {
		return fmt.Errorf("postgres: append audit seal: %w", err)
	}
	_, err := q.db.Exec(ctx, `INSERT INTO audit_seals (`+sealCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		s.FromSeq, s.ToSeq, s.Count, s.Head, s.Prev, nilIfEmpty(s.Digests), s.MAC, s.SealedAt.UTC(),
		ts(s.PurgedAt), nilIfEmpty(s.PurgeMAC))
	return wrapErr("append audit seal", err)
}

func scanSeal(row pgx.Row) (storage.AuditSeal, error) {
	var (
		s      storage.AuditSeal
		purged pgtype.Timestamptz
	)
	err := row.Scan(&s.FromSeq, &s.ToSeq, &s.Count, &s.Head, &s.Prev, &s.Digests, &s.MAC, &s.SealedAt, &purged, &s.PurgeMAC)
	if err != nil {
		return s, err
	}
	s.SealedAt, s.PurgedAt = s.SealedAt.UTC(), fromTS(purged)
	s.Digests, s.PurgeMAC = nilIfEmpty(s.Digests), nilIfEmpty(s.PurgeMAC)
	return s, nil
}

// ListAuditSeals returns seals in ascending FromSeq after the decimal
// cursor p.After.
func (q queries) ListAuditSeals(ctx context.Context, p storage.Page) ([]storage.AuditSeal, error) {
	after, limit := page(p)
	var from int64
	if after != "" {
		n, err := strconv.ParseInt(after, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("postgres: list audit seals: cursor %q: %w", after, storage.ErrInvalid)
		}
		from = n
	}
	return listRows(ctx, q, "list audit seals", scanSeal,
		`SELECT `+sealCols+` FROM audit_seals WHERE from_seq > $1 ORDER BY from_seq LIMIT $2`, from, limit)
}

// LastAuditSeal returns the seal with the highest FromSeq.
func (q queries) LastAuditSeal(ctx context.Context) (storage.AuditSeal, error) {
	s, err := scanSeal(q.db.QueryRow(ctx, `SELECT `+sealCols+` FROM audit_seals ORDER BY from_seq DESC LIMIT 1`))
	return s, wrapErr("last audit seal", err)
}

// MarkAuditSealPurged marks the seal at fromSeq purged once; a concurrent
// second mark waits for the first and then finds nothing to update.
func (q queries) MarkAuditSealPurged(ctx context.Context, fromSeq int64, at time.Time, mac []byte) error {
	if at.IsZero() || len(mac) == 0 {
		return fmt.Errorf("postgres: mark audit seal purged: %w: purge mark needs a time and a mac", storage.ErrInvalid)
	}
	return q.execOne(ctx, "mark audit seal purged",
		`UPDATE audit_seals SET purged_at = $1, purge_mac = $2, digests = NULL WHERE from_seq = $3 AND purged_at IS NULL`,
		at.UTC(), mac, fromSeq)
}

// DeleteAuditRange deletes the events with fromSeq <= seq <= toSeq.
func (q queries) DeleteAuditRange(ctx context.Context, fromSeq, toSeq int64) (int64, error) {
	return q.execCount(ctx, "delete audit range", `DELETE FROM audit_events WHERE seq >= $1 AND seq <= $2`, fromSeq, toSeq)
}

// AuditWatermark takes the audit advisory lock exclusively, which waits
// until every append in flight has committed or rolled back, and returns
// the highest sequence number then visible. Appends that start later get
// higher identity values.
func (q queries) AuditWatermark(ctx context.Context) (int64, error) {
	var n int64
	err := inTx(ctx, q.db, "audit watermark", func(q queries) error {
		if _, err := q.db.Exec(ctx, `SET LOCAL lock_timeout = '`+watermarkLockTimeout+`'`); err != nil {
			return wrapErr("audit watermark", err)
		}
		if _, err := q.db.Exec(ctx, `SELECT pg_advisory_xact_lock(`+auditLockKey+`)`); err != nil {
			return wrapErr("audit watermark", err)
		}
		return wrapErr("audit watermark", q.db.QueryRow(ctx, `SELECT coalesce(max(seq), 0) FROM audit_events`).Scan(&n))
	})
	return n, err
}

// AuditConnections aggregates token.issued events by (subject, client,
// resource, IdP) in one GROUP BY, unioning each event's granted_scopes.
func (q queries) AuditConnections(ctx context.Context, f storage.ConnectionFilter, p storage.Page) ([]storage.Connection, error) {
	after, limit := page(p)
	where, args, err := connectionWhere(f, after)
	if err != nil {
		return nil, fmt.Errorf("postgres: audit connections: %w", err)
	}
	args = append(args, limit)
	return listRows(ctx, q, "audit connections", scanConnection, `SELECT a.subject, a.client_id, a.resource, a.idp_id,
		min(a.time), max(a.time), count(DISTINCT a.seq), array_agg(DISTINCT s.scope) FILTER (WHERE s.scope IS NOT NULL)
		FROM audit_events a LEFT JOIN LATERAL jsonb_array_elements_text(CASE jsonb_typeof(a.event->'granted_scopes')
			WHEN 'array' THEN a.event->'granted_scopes' ELSE '[]'::jsonb END) AS s(scope) ON true
		WHERE `+where+`
		GROUP BY a.subject, a.client_id, a.resource, a.idp_id
		ORDER BY a.subject COLLATE "C", a.client_id COLLATE "C", a.resource COLLATE "C", a.idp_id COLLATE "C"
		LIMIT $`+strconv.Itoa(len(args)), args...)
}

// connectionWhere builds the WHERE clause of AuditConnections, with the
// cursor compared in byte order like the ORDER BY.
func connectionWhere(f storage.ConnectionFilter, after string) (string, []any, error) {
	conds, args := []string{"a.type = 'token.issued'"}, []any{}
	add := func(cond string, vs ...any) {
		for _, v := range vs {
			args = append(args, v)
			cond = strings.Replace(cond, "?", "$"+strconv.Itoa(len(args)), 1)
		}
		conds = append(conds, cond)
	}
	if !f.Since.IsZero() {
		add("a.time >= ?", f.Since.UTC().Truncate(time.Millisecond))
	}
	if !f.Until.IsZero() {
		add("a.time < ?", f.Until.UTC().Truncate(time.Millisecond))
	}
	if f.Subject != "" {
		add("a.subject = ?", f.Subject)
	}
	if f.ClientID != "" {
		add("a.client_id = ?", f.ClientID)
	}
	if after != "" {
		key := strings.Split(after, "\x00")
		if len(key) != 4 {
			return "", nil, fmt.Errorf("%w: connections cursor is not four fields", storage.ErrInvalid)
		}
		add(`(a.subject COLLATE "C", a.client_id COLLATE "C", a.resource COLLATE "C", a.idp_id COLLATE "C") > (?, ?, ?, ?)`,
			key[0], key[1], key[2], key[3])
	}
	return strings.Join(conds, " AND "), args, nil
}

func scanConnection(row pgx.Row) (storage.Connection, error) {
	var c storage.Connection
	if err := row.Scan(&c.Subject, &c.ClientID, &c.Resource, &c.IdPID, &c.First, &c.Last, &c.Count, &c.Scopes); err != nil {
		return c, err
	}
	slices.Sort(c.Scopes)
	if len(c.Scopes) == 0 {
		c.Scopes = nil
	}
	c.First, c.Last = c.First.UTC(), c.Last.UTC()
	return c, nil
}
