package server

import (
	"context"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/authplane/authplane/internal/admin"
	"github.com/authplane/authplane/internal/grant"
	"github.com/authplane/authplane/internal/idp"
	"github.com/authplane/authplane/internal/keys"
	"github.com/authplane/authplane/internal/policy"
	"github.com/authplane/authplane/internal/storage"
)

// keyRotator lets the admin API rotate inside its transaction.
type keyRotator struct {
	*keys.Manager
	kek    []byte
	now    func() time.Time
	maxTTL time.Duration
}

func (k keyRotator) RotateIn(ctx context.Context, tx storage.Tx) (storage.SigningKey, []storage.SigningKey, error) {
	return keys.RotateIn(ctx, tx, k.kek, k.now(), k.maxTTL)
}

// idpOperator adapts the registry's status to the admin API's.
type idpOperator struct{ *idp.Registry }

func (o idpOperator) Status(ctx context.Context, id string) (admin.IdPStatus, error) {
	s, err := o.Registry.Status(ctx, id)
	if err != nil {
		return admin.IdPStatus{}, err
	}
	return admin.IdPStatus{
		IdPID: s.IdPID, JWKSURI: s.JWKSURI, FetchedAt: s.FetchedAt, ExpiresAt: s.ExpiresAt,
		LastAttempt: s.LastAttempt, LastError: s.LastError, RefreshRequested: s.RefreshRequested, Kids: s.KeyIDs,
	}, nil
}

// policyValidator checks rules with the engine's own compiler.
type policyValidator struct{ opts policy.Options }

func (v policyValidator) ValidatePolicy(p storage.Policy) []admin.FieldError {
	var out []admin.FieldError
	for _, fe := range policy.CheckRule(p, v.opts) {
		out = append(out, admin.FieldError{Field: fe.Field, Reason: fe.Reason})
	}
	return out
}

// policyHolder keeps the compiled policy of the current snapshot.
type policyHolder struct {
	cur  atomic.Pointer[policy.Engine]
	opts policy.Options
	log  *slog.Logger
}

// Engine implements grant.PolicySource.
func (h *policyHolder) Engine() *policy.Engine { return h.cur.Load() }

// update compiles rules; if they do not compile (a rule stored by another
// version, say) the engine fails closed: no rule, so every grant is denied.
func (h *policyHolder) update(rules []storage.Policy) {
	e, err := policy.Compile(rules, h.opts)
	if err != nil {
		h.log.Error("policy does not compile; denying every grant until it is fixed", "err", err)
		e, _ = policy.Compile(nil, h.opts)
	}
	h.cur.Store(e)
}

// explainer adapts the grant pipeline's dry run to the admin API.
type explainer struct{ *grant.Explainer }

func (x explainer) Explain(ctx context.Context, req admin.ExplainRequest) (any, admin.ExplainSummary, error) {
	res, err := x.Explainer.Explain(ctx, grant.ExplainRequest(req))
	if err != nil {
		return nil, admin.ExplainSummary{}, err
	}
	return res, admin.ExplainSummary{Decision: res.Decision, Reason: res.Reason, IdPID: res.IdPID,
		Subject: res.Subject, Resource: res.Resource, Granted: res.Granted}, nil
}
