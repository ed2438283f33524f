package admin

import (
	"context"
	"encoding/json"
	"strconv"
	"time"

	"github.com/authplane/authplane/internal/storage"
)

// AuditEventDTO is the JSON shape of an audit event, with the field names of
// DESIGN.md §6 plus seq, actor, before and after.
type AuditEventDTO struct {
	Seq             int64           `json:"seq"`
	ID              string          `json:"id"`
	Time            time.Time       `json:"time"`
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
	RequestedScopes []string        `json:"requested_scopes,omitempty"`
	GrantedScopes   []string        `json:"granted_scopes,omitempty"`
	PolicyRuleIDs   []string        `json:"policy_rule_ids,omitempty"`
	TokenJTI        string          `json:"token_jti,omitempty"`
	TokenExp        time.Time       `json:"token_exp,omitzero"`
	RemoteIP        string          `json:"remote_ip,omitempty"`
	UserAgent       string          `json:"user_agent,omitempty"`
	RequestID       string          `json:"request_id,omitempty"`
	Actor           string          `json:"actor,omitempty"`
	Before          json.RawMessage `json:"before"`
	After           json.RawMessage `json:"after"`
}

// AuditEventFromStorage converts a stored audit event.
func AuditEventFromStorage(e storage.AuditEvent) AuditEventDTO {
	return AuditEventDTO{
		Seq: e.Seq, ID: e.ID, Time: e.Time, Type: e.Type, Outcome: e.Outcome, Reason: e.Reason, IdPID: e.IdPID,
		Issuer: e.Issuer, AssertionJTI: e.AssertionJTI, AssertionSub: e.AssertionSub, Subject: e.Subject,
		ClientID: e.ClientID, Resource: e.Resource, RequestedScopes: e.RequestedScopes, GrantedScopes: e.GrantedScopes,
		PolicyRuleIDs: e.PolicyRuleIDs, TokenJTI: e.TokenJTI, TokenExp: e.TokenExp, RemoteIP: e.RemoteIP,
		UserAgent: e.UserAgent, RequestID: e.RequestID, Actor: e.Actor, Before: compactJSON(e.Before), After: compactJSON(e.After),
	}
}

// AuditQuery selects one page of audit events.
type AuditQuery struct {
	Filter storage.AuditFilter
	ListQuery
}

// ListAudit returns one page of the events matching q.Filter in ascending
// seq order.
func (s *Service) ListAudit(ctx context.Context, q AuditQuery) (ListResult[AuditEventDTO], error) {
	var p problems
	if f := q.Filter; !f.Since.IsZero() && !f.Until.IsZero() && f.Until.Before(f.Since) {
		p.add("until", "must not be before since")
	}
	if pg, err := q.page(); err == nil && pg.After != "" {
		if _, err := strconv.ParseInt(pg.After, 10, 64); err != nil {
			p.add("cursor", "is not a cursor returned by this API")
		}
	}
	if err := p.err(); err != nil {
		return ListResult[AuditEventDTO]{}, err
	}
	list := func(ctx context.Context, pg storage.Page) ([]storage.AuditEvent, error) {
		return s.d.Store.ListAudit(ctx, q.Filter, pg)
	}
	key := func(e storage.AuditEvent) string { return strconv.FormatInt(e.Seq, 10) }
	return listPage(ctx, q.ListQuery, list, key, AuditEventFromStorage)
}
