package admin

import (
	"log/slog"
	"net/http"
)

// handler serves the admin API.
type handler struct {
	svc *Service
	log *slog.Logger
}

// handlerFunc is an admin endpoint; a returned error becomes a problem
// response (see fail).
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// route is one entry of the route table.
type route struct {
	pattern string
	handle  handlerFunc
}

// routes is the one route table of the admin API (docs: the admin API
// contract). Paths name objects by id; ids containing "/" are path-escaped.
func (h *handler) routes() []route {
	s := h.svc
	return []route{
		{"GET /admin/v1/clients", listWith(s.ListClients)},
		{"POST /admin/v1/clients", createWith(s.CreateClient)},
		{"GET /admin/v1/clients/{id}", getWith(s.GetClient)},
		{"PUT /admin/v1/clients/{id}", updateWith(s.UpdateClient)},
		{"DELETE /admin/v1/clients/{id}", deleteWith(s.DeleteClient)},
		{"POST /admin/v1/clients/{id}/secret", actionWith(s.RotateClientSecret)},

		{"GET /admin/v1/resources", listWith(s.ListResources)},
		{"POST /admin/v1/resources", createWith(s.CreateResource)},
		{"GET /admin/v1/resources/{id}", getWith(s.GetResource)},
		{"PUT /admin/v1/resources/{id}", updateWith(s.UpdateResource)},
		{"DELETE /admin/v1/resources/{id}", deleteWith(s.DeleteResource)},

		{"GET /admin/v1/idps", listWith(s.ListIdPs)},
		{"POST /admin/v1/idps", createWith(s.CreateIdP)},
		{"GET /admin/v1/idps/{id}", getWith(s.GetIdP)},
		{"PUT /admin/v1/idps/{id}", updateWith(s.UpdateIdP)},
		{"DELETE /admin/v1/idps/{id}", deleteWith(s.DeleteIdP)},
		{"POST /admin/v1/idps/{id}/refresh", actionWith(s.RefreshIdP)},
		{"GET /admin/v1/idps/{id}/status", getWith(s.GetIdPStatus)},

		{"GET /admin/v1/policies", listWith(s.ListPolicies)},
		{"POST /admin/v1/policies/explain", h.explain},
		{"POST /admin/v1/policies", createWith(s.CreatePolicy)},
		{"GET /admin/v1/policies/{id}", getWith(s.GetPolicy)},
		{"PUT /admin/v1/policies/{id}", updateWith(s.UpdatePolicy)},
		{"DELETE /admin/v1/policies/{id}", deleteWith(s.DeletePolicy)},

		{"GET /admin/v1/subject-mappings", listWith(s.ListSubjectMappings)},
		{"POST /admin/v1/subject-mappings", createWith(s.CreateSubjectMapping)},
		{"GET /admin/v1/subject-mappings/{idp_id}/{external_subject}", h.getMapping},
		{"PUT /admin/v1/subject-mappings/{idp_id}/{external_subject}", h.updateMapping},
		{"DELETE /admin/v1/subject-mappings/{idp_id}/{external_subject}", h.deleteMapping},

		{"GET /admin/v1/keys", h.listKeys},
		{"POST /admin/v1/keys/rotate", h.rotateKeys},

		{"POST /admin/v1/tokens/{jti}/revoke", h.revokeToken},
		{"GET /admin/v1/revocations", h.listRevocations},
		{"POST /admin/v1/revocations", createWith(s.Revoke)},

		{"GET /admin/v1/audit", h.listAudit},
	}
}

// NewHandler returns the admin API: every request must pass auth; errors
// are RFC 9457 problems; responses are never cached. Mount it on the admin
// listener at "/".
func NewHandler(svc *Service, auth Authenticator) http.Handler {
	h := &handler{svc: svc, log: svc.d.Logger}
	mux := http.NewServeMux()
	for _, rt := range h.routes() {
		mux.Handle(rt.pattern, h.adapt(rt.handle))
	}
	return auth.Wrap(h.unmatched(mux))
}

// adapt turns a handlerFunc into an http.Handler that writes its error.
func (h *handler) adapt(fn handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		if err := fn(w, r); err != nil {
			h.fail(w, r, err)
		}
	})
}

// unmatched answers requests no route matches with a 404 or 405 problem
// instead of the mux's plain-text replies.
func (h *handler) unmatched(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mh, pattern := mux.Handler(r)
		if pattern != "" {
			mux.ServeHTTP(w, r)
			return
		}
		rec := &headerRecorder{header: http.Header{}}
		mh.ServeHTTP(rec, r)
		switch {
		case rec.status == http.StatusMethodNotAllowed:
			w.Header().Set("Allow", rec.header.Get("Allow"))
			writeProblem(w, http.StatusMethodNotAllowed, "method", "Method not allowed",
				r.Method+" is not allowed here", nil)
		case rec.status >= 300 && rec.status < 400:
			http.Redirect(w, r, rec.header.Get("Location"), rec.status)
		default:
			writeProblem(w, http.StatusNotFound, "not-found", "Not found", "no such endpoint", nil)
		}
	})
}

// headerRecorder captures the status and headers of the mux's own replies.
type headerRecorder struct {
	header http.Header
	status int
}

// Header implements http.ResponseWriter.
func (r *headerRecorder) Header() http.Header { return r.header }

// Write implements http.ResponseWriter and discards the body.
func (r *headerRecorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return len(b), nil
}

// WriteHeader implements http.ResponseWriter.
func (r *headerRecorder) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
	}
}
