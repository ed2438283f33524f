package adminclient

import (
	"fmt"
	"net/url"
	"strings"
	"time"
)

// AuditQuery holds the filters of GET /audit; zero fields do not filter.
type AuditQuery struct {
	Since, Until time.Time
	Type         string
	Outcome      string
	Reason       string
	IdP          string
	Client       string
	Subject      string
	Resource     string
	// JTI matches the assertion jti or the token jti.
	JTI string
}

// Values returns the query parameters of q (times in RFC 3339, UTC), for
// ListOptions.Query.
func (q AuditQuery) Values() url.Values {
	v := url.Values{}
	set := func(k, s string) {
		if s != "" {
			v.Set(k, s)
		}
	}
	if !q.Since.IsZero() {
		v.Set("since", q.Since.UTC().Format(time.RFC3339Nano))
	}
	if !q.Until.IsZero() {
		v.Set("until", q.Until.UTC().Format(time.RFC3339Nano))
	}
	set("type", q.Type)
	set("outcome", q.Outcome)
	set("reason", q.Reason)
	set("idp", q.IdP)
	set("client", q.Client)
	set("subject", q.Subject)
	set("resource", q.Resource)
	set("jti", q.JTI)
	return v
}

// ParseTime reads a --since/--until value: an RFC 3339 time, a date
// (YYYY-MM-DD, UTC midnight), or a Go duration meaning that long before now
// ("15m", "24h"). Empty yields the zero time (no filter).
func ParseTime(s string, now time.Time) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is neither an RFC 3339 time, a date nor a duration", s)
	}
	if d < 0 {
		return time.Time{}, fmt.Errorf("%q: a duration means that long ago and must not be negative", s)
	}
	return now.Add(-d), nil
}
