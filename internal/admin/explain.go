package admin

import (
	"context"
	"errors"
	"net/http"

	"github.com/authplane/authplane/internal/storage"
)

// ExplainRequest is the body of POST /admin/v1/policies/explain: either a
// raw ID-JAG (its signature is checked; nothing is consumed) or a claims
// set, with the client and optionally the resource and scope of the token
// request to simulate.
type ExplainRequest struct {
	Assertion string         `json:"assertion,omitempty"`
	Claims    map[string]any `json:"claims,omitempty"`
	ClientID  string         `json:"client_id"`
	Resource  string         `json:"resource,omitempty"`
	Scope     string         `json:"scope,omitempty"`
}

// ExplainSummary is what the audit event of an explanation records.
type ExplainSummary struct {
	Decision, Reason, IdPID, Subject, Resource string
	Granted                                    []string
}

// PolicyExplainer runs the grant pipeline as a dry run. The result is
// returned to the caller as JSON; the summary is audited.
type PolicyExplainer interface {
	Explain(ctx context.Context, req ExplainRequest) (result any, summary ExplainSummary, err error)
}

// ErrExplainInput marks an explain request that is not well-formed.
var ErrExplainInput = errors.New("give exactly one of assertion or claims, and client_id")

// Explain answers the decision the token endpoint would make for req,
// changing nothing, and records a policy.explained audit event.
func (s *Service) Explain(ctx context.Context, c Caller, req ExplainRequest) (any, error) {
	if s.d.Explainer == nil {
		return nil, ErrUnavailable
	}
	if (req.Assertion == "") == (req.Claims == nil) || req.ClientID == "" {
		return nil, &ValidationError{Errors: []FieldError{{Field: "assertion", Reason: ErrExplainInput.Error()}}}
	}
	res, sum, err := s.d.Explainer.Explain(ctx, req)
	if err != nil {
		return nil, err
	}
	err = s.d.Store.WithTx(ctx, func(tx storage.Tx) error {
		return s.record(ctx, tx, c, "policy.explained", nil, nil, func(ev *storage.AuditEvent) {
			ev.ClientID, ev.IdPID, ev.Subject, ev.Resource = req.ClientID, sum.IdPID, sum.Subject, sum.Resource
			ev.Reason, ev.GrantedScopes = sum.Reason, sum.Granted
			if sum.Decision != "allow" {
				ev.Outcome = "deny"
			}
		})
	})
	return res, err
}

// explain serves POST /admin/v1/policies/explain.
func (h *handler) explain(w http.ResponseWriter, r *http.Request) error {
	var req ExplainRequest
	if err := decode(w, r, &req); err != nil {
		return err
	}
	out, err := h.svc.Explain(r.Context(), callerOf(r), req)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, out)
}
