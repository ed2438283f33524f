package admin

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"strconv"
	"strings"
)

// HTTP limits and headers of the admin API.
const (
	// MaxBodyBytes caps a request body (413 beyond).
	MaxBodyBytes    = 1 << 20
	requestIDHeader = "X-Request-Id"
	maxUserAgentLen = 512
	maxRequestIDLen = 128
)

// decode reads a JSON request body into v: application/json only, at most
// MaxBodyBytes, no unknown fields, nothing after the value.
func decode(w http.ResponseWriter, r *http.Request, v any) error {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/json" {
		return &requestError{http.StatusUnsupportedMediaType, "unsupported-media-type", "Unsupported media type",
			"the request body must be application/json"}
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return decodeError(err)
	}
	if err := dec.Decode(&struct{}{}); !errors.Is(err, io.EOF) {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return decodeError(err)
		}
		return badBody("the body must contain exactly one JSON value")
	}
	return nil
}

// decodeError turns a json.Decoder error into a 400 (with the offending
// field where known) or a 413.
func decodeError(err error) error {
	var (
		mbe *http.MaxBytesError
		se  *json.SyntaxError
		te  *json.UnmarshalTypeError
	)
	switch {
	case errors.As(err, &mbe):
		return &requestError{http.StatusRequestEntityTooLarge, "too-large", "Request too large",
			fmt.Sprintf("the request body must be at most %d bytes", MaxBodyBytes)}
	case errors.As(err, &se):
		return badBody(fmt.Sprintf("malformed JSON at byte %d", se.Offset))
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return badBody("the body is empty or truncated")
	case errors.As(err, &te):
		field := te.Field
		if field == "" {
			field = "(body)"
		}
		return &ValidationError{Errors: []FieldError{{field, "must be a JSON " + jsonKind(te.Type.Kind().String())}}}
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name, _ := strconv.Unquote(strings.TrimPrefix(err.Error(), "json: unknown field "))
		return &ValidationError{Errors: []FieldError{{name, "unknown field"}}}
	default:
		return badBody(err.Error())
	}
}

// jsonKind names the JSON type a Go kind decodes from.
func jsonKind(kind string) string {
	switch kind {
	case "slice", "array":
		return "array"
	case "map", "struct", "ptr":
		return "object"
	case "bool":
		return "boolean"
	case "string":
		return "string"
	default:
		return "number"
	}
}

// badBody is a 400 about the body as a whole.
func badBody(detail string) error {
	return &requestError{http.StatusBadRequest, "invalid-request", "Invalid request", detail}
}

// writeJSON writes v as a JSON response.
func writeJSON(w http.ResponseWriter, status int, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("admin: marshal response: %w", err)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n')) // the status is sent; a failed write means the client is gone
	return nil
}

// callerOf describes the admin request for its audit event.
func callerOf(r *http.Request) Caller {
	ip := r.RemoteAddr
	if host, _, err := net.SplitHostPort(ip); err == nil {
		ip = host
	}
	return Caller{
		Actor: ActorAdmin, RemoteIP: ip,
		UserAgent: truncate(r.UserAgent(), maxUserAgentLen),
		RequestID: truncate(r.Header.Get(requestIDHeader), maxRequestIDLen),
	}
}

// truncate cuts s to at most n bytes.
func truncate(s string, n int) string {
	if len(s) > n {
		return strings.ToValidUTF8(s[:n], "")
	}
	return s
}

// listQueryOf reads ?cursor= and ?limit=.
func listQueryOf(r *http.Request) (ListQuery, error) {
	q := ListQuery{Cursor: r.URL.Query().Get("cursor")}
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return ListQuery{}, &ValidationError{Errors: []FieldError{{"limit", "must be a non-negative integer"}}}
		}
		q.Limit = n
	}
	return q, nil
}
