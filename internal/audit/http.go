package audit

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/authplane/authplane/internal/admin"
	"github.com/authplane/authplane/internal/storage"
)

// Admin API paths served by Handler.
const (
	PathVerify      = "/admin/v1/audit/verify"
	PathStream      = "/admin/v1/audit/stream"
	PathConnections = "/admin/v1/connections"
)

// HTTPStore is what Handler reads.
type HTTPStore interface {
	VerifyStore
	AuditConnections(ctx context.Context, f storage.ConnectionFilter, p storage.Page) ([]storage.Connection, error)
}

// Handler serves the audit endpoints of the admin API: verification, the
// NDJSON export stream and the access review. It writes errors as the admin
// API's RFC 9457 problems. Authentication is the caller's (see Mount).
type Handler struct {
	Store HTTPStore
	// Key is the seal MAC key (see Sealer.Key).
	Key    []byte
	Logger *slog.Logger
	// Now is the clock of the stream's gap wait; nil means time.Now.
	Now func() time.Time
	// PollInterval is how often a following stream looks for new events;
	// zero means DefaultPollInterval.
	PollInterval time.Duration
	// GapWait is how long a stream holds back events behind a missing seq
	// (an append that may still commit); zero means DefaultGapWait.
	GapWait time.Duration
}

// Mount registers the handlers on mux, each wrapped by wrap (the admin
// token check): GET PathVerify, GET PathStream and GET PathConnections.
func (h *Handler) Mount(mux *http.ServeMux, wrap func(http.Handler) http.Handler) {
	mux.Handle("GET "+PathVerify, wrap(http.HandlerFunc(h.Verify)))
	mux.Handle("GET "+PathStream, wrap(http.HandlerFunc(h.Stream)))
	mux.Handle("GET "+PathConnections, wrap(http.HandlerFunc(h.Connections)))
}

func (h *Handler) log() *slog.Logger {
	if h.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return h.Logger
}

// verifyWriteWindow is how long a verification may take before its answer
// is written, overriding the admin listener's write time-out.
const verifyWriteWindow = 10 * time.Minute

// Verify serves GET /admin/v1/audit/verify: the Report as JSON, 200 whether
// or not the log verifies.
func (h *Handler) Verify(w http.ResponseWriter, r *http.Request) {
	_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(verifyWriteWindow))
	rep, err := Verify(r.Context(), h.Store, h.Key)
	if err != nil {
		h.internal(w, r, "verify", err)
		return
	}
	if !rep.OK {
		h.log().Warn("audit: verification found a problem", "seq", rep.FirstProblem.Seq, "kind", rep.FirstProblem.Kind)
	}
	writeJSON(w, rep)
}

// ConnectionDTO is the JSON shape of one access-review row.
type ConnectionDTO struct {
	Subject  string    `json:"subject"`
	ClientID string    `json:"client_id"`
	Resource string    `json:"resource"`
	IdPID    string    `json:"idp_id"`
	Scopes   []string  `json:"scopes"`
	First    time.Time `json:"first"`
	Last     time.Time `json:"last"`
	Count    int64     `json:"count"`
}

// connectionFrom converts an aggregated row; Scopes is never null.
func connectionFrom(c storage.Connection) ConnectionDTO {
	scopes := c.Scopes
	if scopes == nil {
		scopes = []string{}
	}
	return ConnectionDTO{Subject: c.Subject, ClientID: c.ClientID, Resource: c.Resource, IdPID: c.IdPID,
		Scopes: scopes, First: c.First, Last: c.Last, Count: c.Count}
}

// Connections serves GET /admin/v1/connections?since=&until=&subject=
// &client=&cursor=&limit=: every (subject, client, resource, IdP) that
// obtained a token in the period, as {"items": [...], "next_cursor": ...}.
func (h *Handler) Connections(w http.ResponseWriter, r *http.Request) {
	v := r.URL.Query()
	var p problems
	f := storage.ConnectionFilter{Subject: v.Get("subject"), ClientID: v.Get("client")}
	f.Since, f.Until = p.times(v)
	page := p.page(v)
	if len(p) > 0 {
		writeInvalid(w, p)
		return
	}
	limit := page.Limit
	page.Limit = min(limit+1, storage.MaxPageLimit)
	rows, err := h.Store.AuditConnections(r.Context(), f, page)
	if err != nil {
		h.internal(w, r, "connections", err)
		return
	}
	out := admin.ListResult[ConnectionDTO]{Items: make([]ConnectionDTO, 0, len(rows))}
	more := len(rows) > limit || (limit == storage.MaxPageLimit && len(rows) == limit)
	rows = rows[:min(len(rows), limit)]
	for _, c := range rows {
		out.Items = append(out.Items, connectionFrom(c))
	}
	if more && len(rows) > 0 {
		last := rows[len(rows)-1]
		key := strings.Join([]string{last.Subject, last.ClientID, last.Resource, last.IdPID}, "\x00")
		out.NextCursor = base64.RawURLEncoding.EncodeToString([]byte(key))
	}
	writeJSON(w, out)
}

// problems collects the invalid query parameters of one request.
type problems []admin.FieldError

func (p *problems) add(field, reason string) {
	*p = append(*p, admin.FieldError{Field: field, Reason: reason})
}

// times reads since and until (RFC 3339).
func (p *problems) times(v url.Values) (since, until time.Time) {
	out := [2]time.Time{}
	for i, name := range []string{"since", "until"} {
		if s := v.Get(name); s != "" {
			t, err := time.Parse(time.RFC3339, s)
			if err != nil {
				p.add(name, "must be an RFC 3339 time such as 2025-01-02T15:04:05Z")
			}
			out[i] = t
		}
	}
	if !out[0].IsZero() && !out[1].IsZero() && out[1].Before(out[0]) {
		p.add("until", "must not be before since")
	}
	return out[0], out[1]
}

// page reads limit and the opaque cursor of a list.
func (p *problems) page(v url.Values) storage.Page {
	var pg storage.Page
	if s := v.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			p.add("limit", "must be a non-negative integer")
		}
		pg.Limit = n
	}
	if s := v.Get("cursor"); s != "" {
		b, err := base64.RawURLEncoding.DecodeString(s)
		if err != nil || strings.Count(string(b), "\x00") != 3 {
			p.add("cursor", "is not a cursor returned by this API")
		}
		pg.After = string(b)
	}
	return pg.Normalize()
}

// writeJSON writes v as a 200 JSON answer that is never cached.
func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	_ = json.NewEncoder(w).Encode(v) // the status is sent; a failed write means the client left
}

// writeProblem writes an RFC 9457 problem in the admin API's shape.
func writeProblem(w http.ResponseWriter, status int, slug, title, detail string, errs []admin.FieldError) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(admin.Problem{Type: admin.ProblemTypeBase + slug, Title: title,
		Status: status, Detail: detail, Errors: errs})
}

func writeInvalid(w http.ResponseWriter, p problems) {
	writeProblem(w, http.StatusBadRequest, "invalid-request", "Invalid request",
		fmt.Sprintf("the request has %d problem(s)", len(p)), p)
}

// internal logs err and answers 500, unless the client has gone.
func (h *Handler) internal(w http.ResponseWriter, r *http.Request, op string, err error) {
	if r.Context().Err() != nil {
		h.log().Info("audit: request canceled by the client", "op", op)
		return
	}
	h.log().Error("audit: request failed", "op", op, "err", err)
	writeProblem(w, http.StatusInternalServerError, "internal", "Internal error",
		"the server could not complete the request; see its log", nil)
}
