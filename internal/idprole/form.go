package idprole

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"unicode/utf8"

	"github.com/authplane/authplane/internal/oauth"
)

// maxFormBytes caps every form body the IdP role reads.
const maxFormBytes = 64 << 10

// form is a parsed request body. Empty values are dropped (RFC 6749 §3.1:
// parameters sent without a value are treated as omitted); repeats are kept
// so that the token exchange can answer invalid_target for a repeated
// audience or resource (SPEC IDP-04) and invalid_request for any other.
type form map[string][]string

// get returns the parameter's single value, "" when absent.
func (f form) get(name string) string {
	if v := f[name]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// has reports whether the parameter is present.
func (f form) has(name string) bool { return len(f[name]) > 0 }

// repeated returns the first parameter, other than those in multi, sent
// more than once; "" when none is.
func (f form) repeated(multi ...string) string {
	for k, v := range f {
		if len(v) > 1 && !slices.Contains(multi, k) {
			return k
		}
	}
	return ""
}

var errBodyTooLarge = &oauth.Error{Code: oauth.CodeInvalidRequest, Description: "The request body is too large.",
	Status: http.StatusRequestEntityTooLarge, Reason: "body_too_large"}

// readForm reads an application/x-www-form-urlencoded POST body, never the
// query string, capped at maxFormBytes, rejecting bad encodings and invalid
// UTF-8.
func readForm(w http.ResponseWriter, r *http.Request) (form, error) {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/x-www-form-urlencoded" {
		return nil, oauth.InvalidRequest("bad_content_type")
	}
	if r.ContentLength > maxFormBytes {
		return nil, errBodyTooLarge
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxFormBytes))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, errBodyTooLarge
		}
		return nil, oauth.InvalidRequest("body_unreadable").WithCause(err)
	}
	return parseValues(string(body))
}

// parseValues parses a urlencoded string (a body or a query) into a form.
func parseValues(s string) (form, error) {
	vals, err := url.ParseQuery(s)
	if err != nil {
		return nil, oauth.InvalidRequest("malformed_form").WithCause(err)
	}
	f := make(form, len(vals))
	for k, vs := range vals {
		if !utf8.ValidString(k) {
			return nil, oauth.InvalidRequest("invalid_utf8")
		}
		for _, v := range vs {
			if !utf8.ValidString(v) {
				return nil, oauth.InvalidRequest("invalid_utf8")
			}
			if v != "" {
				f[k] = append(f[k], v)
			}
		}
	}
	return f, nil
}

// writeJSONBody writes v as JSON with the given status; the caller sets
// caching headers.
func writeJSONBody(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v) // the client may have gone
}
