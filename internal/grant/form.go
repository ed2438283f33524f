package grant

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"unicode/utf8"

	"github.com/authplane/authplane/internal/oauth"
)

// MaxFormBytes caps a token, introspection or revocation request body
// (SPEC B.2 row 1: 64 KiB).
const MaxFormBytes = 64 << 10

// Form is a parsed request body: every parameter at most once, empty values
// treated as absent (TEP-01).
type Form map[string]string

// Get returns the parameter's value or "".
func (f Form) Get(name string) string { return f[name] }

// errTooLarge marks a body over MaxFormBytes.
var errTooLarge = &oauth.Error{Code: oauth.CodeInvalidRequest, Description: "The request body is too large.", Status: http.StatusRequestEntityTooLarge, Reason: "body_too_large"}

// readForm enforces POST, the form content type and the body cap, and
// parses the body only: the query string is never read (TEP-01 (P)).
func readForm(w http.ResponseWriter, r *http.Request) (Form, error) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		return nil, &oauth.Error{Code: oauth.CodeInvalidRequest, Description: "Only POST is allowed.", Status: http.StatusMethodNotAllowed, Reason: "method_not_allowed"}
	}
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/x-www-form-urlencoded" {
		return nil, oauth.InvalidRequest("bad_content_type")
	}
	if r.ContentLength > MaxFormBytes {
		return nil, errTooLarge
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxFormBytes))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, errTooLarge
		}
		return nil, oauth.InvalidRequest("body_unreadable").WithCause(err)
	}
	return ParseForm(string(body))
}

// ParseForm parses an application/x-www-form-urlencoded body strictly: a
// parameter named twice is invalid_request (TEP-01), invalid percent
// encodings and invalid UTF-8 are invalid_request (JWT-05), and empty values
// are dropped.
func ParseForm(body string) (Form, error) {
	vals, err := url.ParseQuery(body)
	if err != nil {
		return nil, oauth.InvalidRequest("malformed_form").WithCause(err)
	}
	f := make(Form, len(vals))
	for k, vs := range vals {
		if len(vs) > 1 {
			return nil, oauth.InvalidRequest("repeated_parameter")
		}
		if !utf8.ValidString(k) || !utf8.ValidString(vs[0]) {
			return nil, oauth.InvalidRequest("invalid_utf8")
		}
		if vs[0] != "" {
			f[k] = vs[0]
		}
	}
	return f, nil
}
