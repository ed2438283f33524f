package adminclient

import (
	"fmt"
	"net/http"
	"strings"
)

// FieldError is one validation problem of a request, as listed in the
// "errors" member of an admin API problem document.
type FieldError struct {
	Field  string `json:"field"`
	Reason string `json:"reason"`
}

// ProblemError is a non-2xx answer of the admin API, decoded from its RFC 9457
// application/problem+json body. Status is the HTTP status of the response.
type ProblemError struct {
	Status int          `json:"status"`
	Type   string       `json:"type,omitempty"`
	Title  string       `json:"title,omitempty"`
	Detail string       `json:"detail,omitempty"`
	Errors []FieldError `json:"errors,omitempty"`
}

// Error renders the problem for an operator: the title and status on the
// first line, then the detail, then every field error on its own line.
func (e *ProblemError) Error() string {
	title := e.Title
	if title == "" {
		title = http.StatusText(e.Status)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "admin API: %s (HTTP %d)", title, e.Status)
	if e.Detail != "" {
		b.WriteString("\n")
		b.WriteString(e.Detail)
	}
	for _, fe := range e.Errors {
		b.WriteString("\n  - ")
		if fe.Field != "" {
			b.WriteString(fe.Field)
			b.WriteString(": ")
		}
		b.WriteString(fe.Reason)
	}
	return b.String()
}
