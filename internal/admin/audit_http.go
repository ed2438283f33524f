package admin

import (
	"errors"
	"net/http"
	"time"

	"github.com/authplane/authplane/internal/storage"
)

// listAudit serves GET /audit?since=&until=&type=&outcome=&reason=&idp=
// &client=&subject=&resource=&jti=&cursor=&limit= (times in RFC 3339).
func (h *handler) listAudit(w http.ResponseWriter, r *http.Request) error {
	q, err := auditQueryOf(r)
	if err != nil {
		return err
	}
	out, err := h.svc.ListAudit(r.Context(), q)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, out)
}

// auditQueryOf reads the audit filters, reporting every bad one at once.
func auditQueryOf(r *http.Request) (AuditQuery, error) {
	v := r.URL.Query()
	var p problems
	lq, err := listQueryOf(r)
	var ve *ValidationError
	if errors.As(err, &ve) {
		p = append(p, ve.Errors...)
	}
	q := AuditQuery{ListQuery: lq, Filter: storage.AuditFilter{
		Type: v.Get("type"), Outcome: v.Get("outcome"), Reason: v.Get("reason"), IdPID: v.Get("idp"),
		ClientID: v.Get("client"), Subject: v.Get("subject"), Resource: v.Get("resource"), JTI: v.Get("jti"),
	}}
	for _, t := range []struct {
		name string
		dst  *time.Time
	}{{"since", &q.Filter.Since}, {"until", &q.Filter.Until}} {
		if s := v.Get(t.name); s != "" {
			tm, err := time.Parse(time.RFC3339, s)
			if err != nil {
				p.add(t.name, "must be an RFC 3339 time such as 2025-01-02T15:04:05Z")
			}
			*t.dst = tm
		}
	}
	return q, p.err()
}
