package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/authplane/authplane/internal/storage"
)

// auditDoc is the JSONB form of an audit event, with the DESIGN.md §6 field
// names so operators can query it directly. Before and After live in their
// own JSON columns, which keep their bytes (JSONB would reorder keys). Lists
// use omitzero so nil stays absent and an empty list stays [].
type auditDoc struct {
	ID              string    `json:"id,omitzero"`
	Time            time.Time `json:"time"`
	Type            string    `json:"type,omitzero"`
	Outcome         string    `json:"outcome,omitzero"`
	Reason          string    `json:"reason,omitzero"`
	IdPID           string    `json:"idp_id,omitzero"`
	Issuer          string    `json:"issuer,omitzero"`
	AssertionJTI    string    `json:"assertion_jti,omitzero"`
	AssertionSub    string    `json:"assertion_sub,omitzero"`
	Subject         string    `json:"subject,omitzero"`
	ClientID        string    `json:"client_id,omitzero"`
	Resource        string    `json:"resource,omitzero"`
	RequestedScopes []string  `json:"requested_scopes,omitzero"`
	GrantedScopes   []string  `json:"granted_scopes,omitzero"`
	PolicyRuleIDs   []string  `json:"policy_rule_ids,omitzero"`
	TokenJTI        string    `json:"token_jti,omitzero"`
	TokenExp        time.Time `json:"token_exp,omitzero"`
	RemoteIP        string    `json:"remote_ip,omitzero"`
	UserAgent       string    `json:"user_agent,omitzero"`
	RequestID       string    `json:"request_id,omitzero"`
	Actor           string    `json:"actor,omitzero"`
}

func toAuditDoc(ev storage.AuditEvent) auditDoc {
	return auditDoc{
		ID: ev.ID, Time: ev.Time.UTC(), Type: ev.Type, Outcome: ev.Outcome, Reason: ev.Reason,
		IdPID: ev.IdPID, Issuer: ev.Issuer, AssertionJTI: ev.AssertionJTI, AssertionSub: ev.AssertionSub,
		Subject: ev.Subject, ClientID: ev.ClientID, Resource: ev.Resource,
		RequestedScopes: ev.RequestedScopes, GrantedScopes: ev.GrantedScopes, PolicyRuleIDs: ev.PolicyRuleIDs,
		TokenJTI: ev.TokenJTI, TokenExp: ev.TokenExp.UTC(), RemoteIP: ev.RemoteIP, UserAgent: ev.UserAgent,
		RequestID: ev.RequestID, Actor: ev.Actor,
	}
}

func (d auditDoc) event() storage.AuditEvent {
	return storage.AuditEvent{
		ID: d.ID, Time: d.Time.UTC(), Type: d.Type, Outcome: d.Outcome, Reason: d.Reason,
		IdPID: d.IdPID, Issuer: d.Issuer, AssertionJTI: d.AssertionJTI, AssertionSub: d.AssertionSub,
		Subject: d.Subject, ClientID: d.ClientID, Resource: d.Resource,
		RequestedScopes: d.RequestedScopes, GrantedScopes: d.GrantedScopes, PolicyRuleIDs: d.PolicyRuleIDs,
		TokenJTI: d.TokenJTI, TokenExp: d.TokenExp.UTC(), RemoteIP: d.RemoteIP, UserAgent: d.UserAgent,
		RequestID: d.RequestID, Actor: d.Actor,
	}
}

const insertAudit = `INSERT INTO audit_events (id, time, type, outcome, reason, idp_id, client_id,
	subject, resource, assertion_jti, token_jti, event, before, after)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING seq`

// AppendAudit appends evs in order and returns them with Seq set. The
// inserts travel as one pipelined batch, which PostgreSQL runs as one
// implicit transaction: all are written or none. The batch first takes the
// audit advisory lock shared (see AuditWatermark), held to the end of the
// transaction, so the sealer never seals past a seq that is not committed.
func (q queries) AppendAudit(ctx context.Context, evs ...storage.AuditEvent) ([]storage.AuditEvent, error) {
	out := make([]storage.AuditEvent, len(evs))
	if len(evs) == 0 {
		return out, nil
	}
	b := &pgx.Batch{}
	b.Queue(`SELECT pg_advisory_xact_lock_shared(` + auditLockKey + `)`)
	for _, ev := range evs {
		ev = storableAudit(ev)
		doc, err := json.Marshal(toAuditDoc(ev))
		if err != nil {
			return nil, wrapErr("append audit", err)
		}
		b.Queue(insertAudit, ev.ID, ev.Time.UTC(), ev.Type, ev.Outcome, ev.Reason, ev.IdPID,
			ev.ClientID, ev.Subject, ev.Resource, ev.AssertionJTI, ev.TokenJTI, string(doc),
			rawDoc(ev.Before), rawDoc(ev.After))
	}
	br := q.db.SendBatch(ctx, b)
	if _, err := br.Exec(); err != nil {
		_ = br.Close()
		return nil, wrapErr("append audit", err)
	}
	for i, ev := range evs {
		ev = storableAudit(ev)
		if err := br.QueryRow().Scan(&ev.Seq); err != nil {
			_ = br.Close()
			return nil, wrapErr("append audit", err)
		}
		ev.Time, ev.TokenExp = ev.Time.UTC(), ev.TokenExp.UTC()
		out[i] = ev
	}
	if err := br.Close(); err != nil {
		return nil, wrapErr("append audit", err)
	}
	return out, nil
}

// ListAudit returns events matching f in ascending Seq order after the
// decimal Seq cursor p.After. Since is inclusive, Until exclusive.
func (q queries) ListAudit(ctx context.Context, f storage.AuditFilter, p storage.Page) ([]storage.AuditEvent, error) {
	after, limit := page(p)
	var seq int64
	if after != "" {
		n, err := strconv.ParseInt(after, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("postgres: list audit: cursor %q: %w", after, storage.ErrInvalid)
		}
		seq = n
	}
	where, args := auditWhere(f, seq)
	args = append(args, limit)
	return listRows(ctx, q, "list audit", scanAudit, `SELECT seq, event, before, after
		FROM audit_events WHERE `+where+` ORDER BY seq LIMIT $`+strconv.Itoa(len(args)), args...)
}

// auditWhere builds the WHERE clause of ListAudit: one condition per
// non-zero filter field, each over its own column.
func auditWhere(f storage.AuditFilter, after int64) (string, []any) {
	conds, args := []string{"seq > $1"}, []any{after}
	add := func(cond string, v any) {
		args = append(args, v)
		conds = append(conds, strings.ReplaceAll(cond, "?", "$"+strconv.Itoa(len(args))))
	}
	if !f.Since.IsZero() {
		add("time >= ?", f.Since.UTC())
	}
	if !f.Until.IsZero() {
		add("time < ?", f.Until.UTC())
	}
	for _, c := range []struct{ col, v string }{
		{"type", f.Type}, {"outcome", f.Outcome}, {"reason", f.Reason}, {"idp_id", f.IdPID},
		{"client_id", f.ClientID}, {"subject", f.Subject}, {"resource", f.Resource},
	} {
		if c.v != "" {
			add(c.col+" = ?", c.v)
		}
	}
	if f.JTI != "" {
		add("(assertion_jti = ? OR token_jti = ?)", f.JTI)
	}
	return strings.Join(conds, " AND "), args
}

func scanAudit(row pgx.Row) (storage.AuditEvent, error) {
	var (
		seq                int64
		doc, before, after []byte
		d                  auditDoc
	)
	if err := row.Scan(&seq, &doc, &before, &after); err != nil {
		return storage.AuditEvent{}, err
	}
	if err := json.Unmarshal(doc, &d); err != nil {
		return storage.AuditEvent{}, fmt.Errorf("decode audit event %d: %w", seq, err)
	}
	ev := d.event()
	ev.Seq, ev.Before, ev.After = seq, fromRaw(before), fromRaw(after)
	return ev, nil
}

// storableAudit replaces what PostgreSQL text and JSONB cannot hold (U+0000,
// invalid UTF-8) with U+FFFD. Audit events carry unverified input — the jti
// or sub of a rejected assertion — and a denial must still be recorded, so
// the event is stored with the offending characters visibly replaced rather
// than lost.
func storableAudit(ev storage.AuditEvent) storage.AuditEvent {
	for _, f := range []*string{&ev.ID, &ev.Type, &ev.Outcome, &ev.Reason, &ev.IdPID, &ev.Issuer,
		&ev.AssertionJTI, &ev.AssertionSub, &ev.Subject, &ev.ClientID, &ev.Resource, &ev.TokenJTI,
		&ev.RemoteIP, &ev.UserAgent, &ev.RequestID, &ev.Actor} {
		*f = storableText(*f)
	}
	for _, list := range []*[]string{&ev.RequestedScopes, &ev.GrantedScopes, &ev.PolicyRuleIDs} {
		if *list == nil {
			continue
		}
		clean := make([]string, len(*list))
		for i, v := range *list {
			clean[i] = storableText(v)
		}
		*list = clean
	}
	return ev
}

func storableText(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	return strings.ReplaceAll(s, "\x00", "\uFFFD")
}
