package sqlite

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/authplane/authplane/internal/storage"
)

// auditJSON is the stored form of an audit event (the event column), with
// the snake_case names of DESIGN.md §6. Times are UTC, truncated to the
// millisecond like every other time in this store, so the time column the
// filters use and the event agree exactly.
type auditJSON struct {
	ID              string          `json:"id"`
	Time            time.Time       `json:"time,omitzero"`
	Type            string          `json:"type"`
	Outcome         string          `json:"outcome"`
	Reason          string          `json:"reason,omitempty"`
	IdPID           string          `json:"idp_id,omitempty"`
	Issuer          string          `json:"issuer,omitempty"`
	AssertionJTI    string          `json:"assertion_jti,omitempty"`
	AssertionSub    string          `json:"assertion_sub,omitempty"`
	Subject         string          `json:"subject,omitempty"`
	ClientID        string          `json:"client_id,omitempty"`
	Resource        string          `json:"resource,omitempty"`
	RequestedScopes []string        `json:"requested_scopes"`
	GrantedScopes   []string        `json:"granted_scopes"`
	PolicyRuleIDs   []string        `json:"policy_rule_ids"`
	TokenJTI        string          `json:"token_jti,omitempty"`
	TokenExp        time.Time       `json:"token_exp,omitzero"`
	RemoteIP        string          `json:"remote_ip,omitempty"`
	UserAgent       string          `json:"user_agent,omitempty"`
	RequestID       string          `json:"request_id,omitempty"`
	Actor           string          `json:"actor,omitempty"`
	Before          json.RawMessage `json:"before,omitempty"`
	After           json.RawMessage `json:"after,omitempty"`
}

// storedTime is t as this store keeps it.
func storedTime(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.UTC().Truncate(time.Millisecond)
}

// AppendAudit implements storage.Audit.
func (o *ops) AppendAudit(ctx context.Context, evs ...storage.AuditEvent) ([]storage.AuditEvent, error) {
	out := make([]storage.AuditEvent, 0, len(evs))
	for _, ev := range evs {
		stored, err := o.appendOne(ctx, ev)
		if err != nil {
			return nil, wrap("append audit", err)
		}
		out = append(out, stored)
	}
	return out, nil
}

// appendOne inserts ev and returns it as stored, with its Seq.
func (o *ops) appendOne(ctx context.Context, ev storage.AuditEvent) (storage.AuditEvent, error) {
	ev.Time, ev.TokenExp = storedTime(ev.Time), storedTime(ev.TokenExp)
	doc, err := json.Marshal(eventDoc(ev))
	if err != nil {
		return ev, fmt.Errorf("%w: %w", storage.ErrInvalid, err)
	}
	err = o.q.QueryRowContext(ctx, `INSERT INTO audit_events
		(id, time, type, outcome, reason, idp_id, client_id, subject, resource, assertion_jti, token_jti, event)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING seq`,
		ev.ID, ev.Time.UnixMilli(), ev.Type, ev.Outcome, ev.Reason, ev.IdPID, ev.ClientID, ev.Subject,
		ev.Resource, ev.AssertionJTI, ev.TokenJTI, string(doc)).Scan(&ev.Seq)
	if err != nil {
		return ev, err
	}
	return decodeEvent(ev.Seq, doc)
}

// eventDoc converts ev to its stored document; Seq is the row's key rather
// than part of the document.
func eventDoc(ev storage.AuditEvent) auditJSON {
	return auditJSON{
		ID: ev.ID, Time: ev.Time, Type: ev.Type, Outcome: ev.Outcome, Reason: ev.Reason, IdPID: ev.IdPID,
		Issuer: ev.Issuer, AssertionJTI: ev.AssertionJTI, AssertionSub: ev.AssertionSub, Subject: ev.Subject,
		ClientID: ev.ClientID, Resource: ev.Resource, RequestedScopes: ev.RequestedScopes,
		GrantedScopes: ev.GrantedScopes, PolicyRuleIDs: ev.PolicyRuleIDs, TokenJTI: ev.TokenJTI,
		TokenExp: ev.TokenExp, RemoteIP: ev.RemoteIP, UserAgent: ev.UserAgent, RequestID: ev.RequestID,
		Actor: ev.Actor, Before: ev.Before, After: ev.After,
	}
}

// decodeEvent rebuilds an event from its Seq and stored document.
func decodeEvent(seq int64, doc []byte) (storage.AuditEvent, error) {
	var j auditJSON
	if err := json.Unmarshal(doc, &j); err != nil {
		return storage.AuditEvent{}, fmt.Errorf("decode audit event %d: %w", seq, err)
	}
	return storage.AuditEvent{
		Seq: seq, ID: j.ID, Time: utcOrZero(j.Time), Type: j.Type, Outcome: j.Outcome, Reason: j.Reason,
		IdPID: j.IdPID, Issuer: j.Issuer, AssertionJTI: j.AssertionJTI, AssertionSub: j.AssertionSub,
		Subject: j.Subject, ClientID: j.ClientID, Resource: j.Resource, RequestedScopes: j.RequestedScopes,
		GrantedScopes: j.GrantedScopes, PolicyRuleIDs: j.PolicyRuleIDs, TokenJTI: j.TokenJTI,
		TokenExp: utcOrZero(j.TokenExp), RemoteIP: j.RemoteIP, UserAgent: j.UserAgent, RequestID: j.RequestID,
		Actor: j.Actor, Before: j.Before, After: j.After,
	}, nil
}

// utcOrZero returns t in UTC, keeping the zero time zero.
func utcOrZero(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.UTC()
}

// ListAudit implements storage.Audit. Time bounds compare at millisecond
// precision: Since inclusive, Until exclusive.
func (o *ops) ListAudit(ctx context.Context, f storage.AuditFilter, p storage.Page) ([]storage.AuditEvent, error) {
	p = p.Normalize()
	var after int64
	if p.After != "" {
		n, err := strconv.ParseInt(p.After, 10, 64)
		if err != nil {
			return nil, wrap("list audit", fmt.Errorf("%w: audit cursor %q is not a sequence number", storage.ErrInvalid, p.After))
		}
		after = n
	}
	q, args := "SELECT seq, event FROM audit_events WHERE seq > ?", []any{after}
	// Subject and jti have no index on audit_events: their candidates come
	// from audit_lookup (lookup.go), then every filter applies exactly.
	var cand string
	var candArgs []any
	switch {
	case f.Subject != "":
		cand, candArgs = lookupCandidates(lookupSubject+f.Subject, after, "")
	case f.JTI != "":
		cand, candArgs = lookupCandidates(lookupJTI+f.JTI, after, f.JTI)
	}
	if cand != "" {
		q += " AND seq IN (" + cand + ")"
		args = append(args, candArgs...)
	}
	where, whereArgs := auditWhere(f)
	q += where + " ORDER BY seq LIMIT ?"
	args = append(append(args, whereArgs...), p.Limit)
	return wrapV[[]storage.AuditEvent]("list audit")(queryAll(ctx, o, func(sc scanner) (storage.AuditEvent, error) {
		var (
			seq int64
			doc string
		)
		if err := sc.Scan(&seq, &doc); err != nil {
			return storage.AuditEvent{}, err
		}
		return decodeEvent(seq, []byte(doc))
	}, q, args...))
}

// auditWhere renders the non-zero fields of f as " AND …" conditions.
func auditWhere(f storage.AuditFilter) (string, []any) {
	var (
		b    strings.Builder
		args []any
	)
	add := func(cond string, vals ...any) {
		b.WriteString(" AND " + cond)
		args = append(args, vals...)
	}
	if !f.Since.IsZero() {
		add("time >= ?", f.Since.UnixMilli())
	}
	if !f.Until.IsZero() {
		add("time < ?", f.Until.UnixMilli())
	}
	for _, c := range []struct{ col, val string }{
		{"type", f.Type}, {"outcome", f.Outcome}, {"reason", f.Reason}, {"idp_id", f.IdPID},
		{"client_id", f.ClientID}, {"subject", f.Subject}, {"resource", f.Resource},
	} {
		if c.val != "" {
			add(c.col+" = ?", c.val)
		}
	}
	if f.JTI != "" {
		add("(assertion_jti = ? OR token_jti = ?)", f.JTI, f.JTI)
	}
	return b.String(), args
}
