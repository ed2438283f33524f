package oauth

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
)

// Error codes (RFC 6749 §5.2, RFC 8707, RFC 9449, RFC 7009).
const (
	CodeInvalidRequest       = "invalid_request"
	CodeInvalidClient        = "invalid_client"
	CodeInvalidGrant         = "invalid_grant"
	CodeUnauthorizedClient   = "unauthorized_client"
	CodeUnsupportedGrantType = "unsupported_grant_type"
	CodeInvalidScope         = "invalid_scope"
	CodeInvalidTarget        = "invalid_target"
	CodeUnsupportedTokenType = "unsupported_token_type"
	CodeServerError          = "server_error"
	CodeTemporarilyUnavail   = "temporarily_unavailable"
)

// Error is an OAuth error. Code, Description and Status go on the wire;
// Reason and Cause are for the audit record, metrics and logs only.
type Error struct {
	Code        string
	Description string
	Status      int
	// Reason is a stable snake_case code naming the precise failure.
	Reason string
	// Cause is the underlying error, if any.
	Cause error
	// Challenge, when set, is sent as WWW-Authenticate (401 responses).
	Challenge string
	// RetryAfter, when set, is sent as Retry-After (503 responses).
	RetryAfter string
}

func (e *Error) Error() string {
	msg := e.Code
	if e.Reason != "" {
		msg += " (" + e.Reason + ")"
	}
	if e.Cause != nil {
		msg += ": " + e.Cause.Error()
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Cause }

// WithCause returns a copy of e carrying cause.
func (e *Error) WithCause(cause error) *Error {
	c := *e
	c.Cause = cause
	return &c
}

func newErr(code, desc string, status int, reason string) *Error {
	return &Error{Code: code, Description: desc, Status: status, Reason: reason}
}

// InvalidRequest is 400 invalid_request.
func InvalidRequest(reason string) *Error {
	return newErr(CodeInvalidRequest, "The request is missing a parameter, repeats one, or is otherwise malformed.", http.StatusBadRequest, reason)
}

// InvalidClient is 401 invalid_client. When the client used HTTP Basic the
// challenge names that scheme (TEP-03).
func InvalidClient(reason string, basic bool) *Error {
	e := newErr(CodeInvalidClient, "Client authentication failed.", http.StatusUnauthorized, reason)
	if basic {
		e.Challenge = `Basic realm="authplane", charset="UTF-8"`
	}
	return e
}

// InvalidGrant is 400 invalid_grant.
func InvalidGrant(reason string) *Error {
	return newErr(CodeInvalidGrant, "The authorization grant is invalid, expired, already used, or not permitted.", http.StatusBadRequest, reason)
}

// UnauthorizedClient is 400 unauthorized_client.
func UnauthorizedClient(reason string) *Error {
	return newErr(CodeUnauthorizedClient, "The client is not authorized to use this grant type.", http.StatusBadRequest, reason)
}

// UnsupportedGrantType is 400 unsupported_grant_type.
func UnsupportedGrantType(reason string) *Error {
	return newErr(CodeUnsupportedGrantType, "The grant type is not supported.", http.StatusBadRequest, reason)
}

// InvalidScope is 400 invalid_scope.
func InvalidScope(reason string) *Error {
	return newErr(CodeInvalidScope, "The requested scope is invalid or exceeds the grant.", http.StatusBadRequest, reason)
}

// InvalidTarget is 400 invalid_target (RFC 8707).
func InvalidTarget(reason string) *Error {
	return newErr(CodeInvalidTarget, "The requested resource is invalid or not permitted.", http.StatusBadRequest, reason)
}

// UnsupportedTokenType is 400 unsupported_token_type (RFC 7009).
func UnsupportedTokenType(reason string) *Error {
	return newErr(CodeUnsupportedTokenType, "The token type is not supported.", http.StatusBadRequest, reason)
}

// TemporarilyUnavailable is 503 temporarily_unavailable with Retry-After.
func TemporarilyUnavailable(reason string) *Error {
	e := newErr(CodeTemporarilyUnavail, "The server cannot handle the request right now; retry later.", http.StatusServiceUnavailable, reason)
	e.RetryAfter = "5"
	return e
}

// ServerError is 500 server_error.
func ServerError(reason string) *Error {
	return newErr(CodeServerError, "The server encountered an unexpected condition.", http.StatusInternalServerError, reason)
}

// SetNoStore sets the headers every response carrying tokens, credentials or
// errors must have (TEP-04).
func SetNoStore(h http.Header) {
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
}

// WriteJSON writes v as a no-store JSON response.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	h := w.Header()
	SetNoStore(h)
	h.Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v) // the client may have gone; nothing to do
}

// WriteError writes err as an RFC 6749 §5.2 error response. An error that is
// not an *Error becomes server_error and its cause is logged; the wire never
// carries the cause or the reason (TEP-02).
func WriteError(w http.ResponseWriter, log *slog.Logger, err error) {
	var oe *Error
	if !errors.As(err, &oe) {
		log.Error("unexpected error", "err", err)
		oe = ServerError("internal")
	} else if oe.Status >= 500 {
		log.Error("request failed", "error", oe.Code, "reason", oe.Reason, "err", oe.Cause)
	}
	if oe.Challenge != "" {
		w.Header().Set("WWW-Authenticate", oe.Challenge)
	}
	if oe.RetryAfter != "" {
		w.Header().Set("Retry-After", oe.RetryAfter)
	}
	WriteJSON(w, oe.Status, struct {
		Error       string `json:"error"`
		Description string `json:"error_description,omitempty"`
	}{oe.Code, oe.Description})
}

// ReasonOf returns the precise reason carried by err, or "internal".
func ReasonOf(err error) string {
	var oe *Error
	if errors.As(err, &oe) && oe.Reason != "" {
		return oe.Reason
	}
	return "internal"
}
