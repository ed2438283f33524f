package grant

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/authplane/authplane/internal/oauth"
	"github.com/authplane/authplane/internal/secret"
	"github.com/authplane/authplane/internal/storage"
)

// Audit event types and outcomes written by this package.
const (
	EventTokenIssued  = "token.issued"
	EventGrantDenied  = "grant.denied"
	EventIntrospected = "token.introspected"
	EventRevoked      = "token.revoked"
	OutcomeSuccess    = "success"
	OutcomeFailure    = "failure"
)

// Request is one authenticated token request handed to a Grant.
type Request struct {
	Form   Form
	Client Authenticated
	// Event is the audit record under construction: the request context is
	// filled in; grants add what they learn (IdP, assertion jti, subject, …)
	// so a denial is recorded with everything known at the point of failure.
	Event *storage.AuditEvent
}

// Grant is one grant type's hook.
type Grant interface {
	// Type is the grant_type value this hook serves.
	Type() string
	// Handle validates the request and, on success, returns the token
	// response members, having made the grant durable (jti consumed and
	// token.issued recorded in one transaction).
	Handle(ctx context.Context, req *Request) (any, error)
}

// DenialSink records denied requests without blocking the response
// (audit.Queue).
type DenialSink interface {
	Record(ev storage.AuditEvent)
}

// Observer is told the outcome of every token request, for metrics.
type Observer interface {
	ObserveGrant(grantType, outcome, reason string, took time.Duration)
}

// Handler is the token endpoint.
type Handler struct {
	Auth    *ClientAuth
	Grants  []Grant
	Denials DenialSink
	Observe Observer
	Log     *slog.Logger
	Now     func() time.Time
}

// ServeHTTP implements POST /oauth/token (SPEC B.2 rows 1-6, then the
// grant's hook).
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	ev := newEvent(r, h.Now())
	grantType, resp, err := h.serve(r.Context(), w, r, &ev)
	if err != nil {
		ev.Type, ev.Outcome, ev.Reason = EventGrantDenied, OutcomeFailure, oauth.ReasonOf(err)
		h.Denials.Record(ev)
		h.observe(grantType, OutcomeFailure, ev.Reason, start)
		oauth.WriteError(w, h.Log, err)
		return
	}
	h.observe(grantType, OutcomeSuccess, "", start)
	oauth.WriteJSON(w, http.StatusOK, resp)
}

func (h *Handler) serve(ctx context.Context, w http.ResponseWriter, r *http.Request, ev *storage.AuditEvent) (string, any, error) {
	form, err := readForm(w, r)
	if err != nil {
		return "", nil, err
	}
	gt := form.Get("grant_type")
	if gt == "" {
		return "", nil, oauth.InvalidRequest("missing_grant_type")
	}
	g := h.grant(gt)
	if g == nil {
		return "unsupported", nil, oauth.UnsupportedGrantType("unsupported_grant_type")
	}
	client, claimed, err := h.Auth.Authenticate(ctx, r, form)
	ev.ClientID = claimed
	if err != nil {
		return gt, nil, err
	}
	ev.ClientID = client.Client.ID
	resp, err := g.Handle(ctx, &Request{Form: form, Client: client, Event: ev})
	return gt, resp, err
}

func (h *Handler) grant(gt string) Grant {
	for _, g := range h.Grants {
		if g.Type() == gt {
			return g
		}
	}
	return nil
}

func (h *Handler) observe(grantType, outcome, reason string, start time.Time) {
	if h.Observe != nil {
		h.Observe.ObserveGrant(grantType, outcome, reason, time.Since(start))
	}
}

// newEvent starts an audit record with the request's context.
func newEvent(r *http.Request, now time.Time) storage.AuditEvent {
	return storage.AuditEvent{
		ID:        secret.ID(),
		Time:      now.UTC(),
		RemoteIP:  hostOf(r.RemoteAddr),
		UserAgent: truncate(r.UserAgent(), 256),
		RequestID: r.Header.Get("X-Request-Id"),
	}
}

func hostOf(addr string) string {
	if host, _, err := net.SplitHostPort(addr); err == nil {
		return host
	}
	return addr
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
