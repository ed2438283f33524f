package admin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/authplane/authplane/internal/storage"
)

// ProblemTypeBase prefixes the slug of every problem type URI.
const ProblemTypeBase = "https://authplane.dev/problems/"

// Problem is an RFC 9457 problem details document, the body of every admin
// API error (media type application/problem+json). Errors lists every
// validation problem at once.
type Problem struct {
	Type   string       `json:"type"`
	Title  string       `json:"title"`
	Status int          `json:"status"`
	Detail string       `json:"detail,omitempty"`
	Errors []FieldError `json:"errors,omitempty"`
}

// requestError is a problem found while reading the HTTP request itself.
type requestError struct {
	status int
	slug   string
	title  string
	detail string
}

// Error returns the detail.
func (e *requestError) Error() string { return "admin: " + e.detail }

// writeProblem writes an RFC 9457 problem response.
func writeProblem(w http.ResponseWriter, status int, slug, title, detail string, errs []FieldError) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	p := Problem{Type: ProblemTypeBase + slug, Title: title, Status: status, Detail: detail, Errors: errs}
	_ = json.NewEncoder(w).Encode(p) // the status is sent; a failed write means the client is gone
}

// fail maps err to its problem response: bad input is always 4xx, and only
// unexpected errors are 5xx and logged.
func (h *handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	var (
		re *requestError
		ve *ValidationError
		ce *ConflictError
	)
	switch {
	case errors.As(err, &re):
		writeProblem(w, re.status, re.slug, re.title, re.detail, nil)
	case errors.As(err, &ve):
		writeProblem(w, http.StatusBadRequest, "invalid-request", "Invalid request",
			fmt.Sprintf("the request has %d problem(s)", len(ve.Errors)), ve.Errors)
	case errors.As(err, &ce):
		writeProblem(w, http.StatusConflict, "conflict", "Conflict", ce.Detail, ce.Errors)
	case errors.Is(err, storage.ErrNotFound):
		writeProblem(w, http.StatusNotFound, "not-found", "Not found", "no such object", nil)
	case errors.Is(err, storage.ErrConflict):
		writeProblem(w, http.StatusConflict, "conflict", "Conflict", "the object already exists", nil)
	case errors.Is(err, storage.ErrInvalid):
		writeProblem(w, http.StatusBadRequest, "invalid-request", "Invalid request", "the object violates a storage constraint", nil)
	case errors.Is(err, ErrUnavailable):
		writeProblem(w, http.StatusServiceUnavailable, "unavailable", "Unavailable",
			"this server was started without the component this operation needs", nil)
	case errors.Is(err, context.Canceled) && r.Context().Err() != nil:
		h.log.Info("admin: request canceled by the client", "request_id", r.Header.Get(requestIDHeader), "path", r.URL.Path)
	default:
		h.log.Error("admin: request failed", "request_id", r.Header.Get(requestIDHeader),
			"method", r.Method, "path", r.URL.Path, "err", err)
		writeProblem(w, http.StatusInternalServerError, "internal", "Internal error",
			"the server could not complete the request; see its log", nil)
	}
}
