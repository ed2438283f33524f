package idprole

import (
	"context"
	"net"
	"net/http"
	"time"

	"github.com/authplane/authplane/internal/secret"
)

// auditTimeout bounds an audit write; it runs on a context detached from
// the request so a client hanging up cannot drop a record.
const auditTimeout = 5 * time.Second

// record completes ev (id, time, client address) and appends it to the
// audit trail. Callers that issue a token call it before answering and
// fail closed on its error.
func (s *Server) record(r *http.Request, ev Event) error {
	ev.ID = secret.ID()
	ev.Time = s.now().UTC()
	if r != nil {
		ev.RemoteIP = remoteIP(r)
		ev.UserAgent = truncate(r.UserAgent(), 256)
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(contextOf(r)), auditTimeout)
	defer cancel()
	if _, err := s.st.appendEvent(ctx, ev); err != nil {
		s.log.Error("audit write failed", "type", ev.Type, "outcome", ev.Outcome, "err", err)
		return err
	}
	return nil
}

// recordAdmin appends an admin event naming what changed.
func (s *Server) recordAdmin(ctx context.Context, detail string) error {
	ev := Event{ID: secret.ID(), Time: s.now().UTC(), Type: EventAdmin, Outcome: OutcomeSuccess, Detail: detail}
	_, err := s.st.appendEvent(context.WithoutCancel(ctx), ev)
	return err
}

// Audit returns the latest limit events of the IdP role's audit trail,
// oldest first. limit is clamped to [1, 1000].
func (s *Server) Audit(ctx context.Context, limit int) ([]Event, error) {
	limit = min(max(limit, 1), 1000)
	return s.st.listEvents(ctx, limit)
}

func contextOf(r *http.Request) context.Context {
	if r == nil {
		return context.Background()
	}
	return r.Context()
}

func remoteIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// truncate shortens a client-supplied value kept in a record.
func truncate(v string, n int) string {
	if len(v) > n {
		return v[:n]
	}
	return v
}
