package adminclient

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Paths of the audit verification, export stream and access review,
// relative to APIPrefix.
const (
	PathAuditVerify = "/audit/verify"
	PathAuditStream = "/audit/stream"
	PathConnections = "/connections"
)

// MaxStreamLine bounds one line (one event) of the export stream.
const MaxStreamLine = 4 << 20

// VerifyProblem is the first inconsistency a verification found.
type VerifyProblem struct {
	Seq    int64  `json:"seq"`
	Kind   string `json:"kind"`
	Detail string `json:"detail"`
}

// VerifyReport is the answer of GET /audit/verify.
type VerifyReport struct {
	OK            bool           `json:"ok"`
	Seals         int64          `json:"seals"`
	PurgedSeals   int64          `json:"purged_seals"`
	Events        int64          `json:"events"`
	Unsealed      int64          `json:"unsealed"`
	LastSealedSeq int64          `json:"last_sealed_seq"`
	Head          string         `json:"head,omitempty"`
	FirstProblem  *VerifyProblem `json:"first_problem,omitempty"`
}

// Connection is one row of the access review: a (subject, client,
// resource, IdP) that obtained tokens.
type Connection struct {
	Subject  string    `json:"subject"`
	ClientID string    `json:"client_id"`
	Resource string    `json:"resource"`
	IdPID    string    `json:"idp_id"`
	Scopes   []string  `json:"scopes"`
	First    time.Time `json:"first"`
	Last     time.Time `json:"last"`
	Count    int64     `json:"count"`
}

// ConnectionQuery holds the filters of GET /connections.
type ConnectionQuery struct {
	Since, Until time.Time
	Subject      string
	Client       string
}

// Values returns the query parameters of q, for ListOptions.Query.
func (q ConnectionQuery) Values() url.Values {
	return AuditQuery{Since: q.Since, Until: q.Until, Subject: q.Subject, Client: q.Client}.Values()
}

// VerifyAudit asks the server to verify the audit trail's seals.
func (c *Client) VerifyAudit(ctx context.Context) (VerifyReport, error) {
	var r VerifyReport
	err := c.Do(ctx, http.MethodGet, PathAuditVerify, nil, &r)
	return r, err
}

// Connections is the access review (list only; pass
// ConnectionQuery.Values as ListOptions.Query).
func (c *Client) Connections() Collection[Connection] {
	return NewCollection[Connection](c, PathConnections)
}

// ConnectionsTable renders access-review rows.
func ConnectionsTable(items []Connection) Table {
	t := Table{Header: []string{"SUBJECT", "CLIENT", "RESOURCE", "IDP", "SCOPES", "FIRST", "LAST", "COUNT"}}
	for _, x := range items {
		t.Rows = append(t.Rows, []string{x.Subject, x.ClientID, x.Resource, x.IdPID, list(x.Scopes),
			timeCell(x.First), timeCell(x.Last), strconv.FormatInt(x.Count, 10)})
	}
	return t
}

// StreamOptions select an export stream.
type StreamOptions struct {
	Query AuditQuery
	// Cursor is the seq of the last event already received (0: from the
	// start).
	Cursor int64
	// Follow keeps the stream open for new events.
	Follow bool
}

// StreamLine is one event of the export stream: the server's JSON line
// (without the newline) and its decoded seq.
type StreamLine struct {
	Seq int64
	Raw json.RawMessage
}

// StreamAudit opens GET /audit/stream and calls fn with each event in seq
// order until the server ends the stream (nil), ctx ends, or fn fails. The
// request has no overall time-out (the stream may last for days); the
// Client's transport and redirect policy still apply. Resume after an error
// with Cursor set to the last StreamLine.Seq processed.
func (c *Client) StreamAudit(ctx context.Context, o StreamOptions, fn func(StreamLine) error) error {
	v := o.Query.Values()
	if o.Cursor > 0 {
		v.Set("cursor", strconv.FormatInt(o.Cursor, 10))
	}
	v.Set("follow", strconv.FormatBool(o.Follow))
	resp, err := c.openStream(ctx, PathAuditStream+"?"+v.Encode())
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	return readStream(resp.Body, fn)
}

// openStream sends the stream request and checks the answer's status and
// media type.
func (c *Client) openStream(ctx context.Context, path string) (*http.Response, error) {
	u, err := c.endpoint(path)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("adminclient: %w", err)
	}
	req.Header.Set("Accept", "application/x-ndjson, application/problem+json")
	req.Header.Set("User-Agent", "authplane-cli")
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	hc := NewHTTPClient(0)
	if c.HTTP != nil {
		hc = &http.Client{Transport: c.HTTP.Transport, CheckRedirect: c.HTTP.CheckRedirect, Jar: c.HTTP.Jar}
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("adminclient: GET %s: %w", u.Path, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		defer resp.Body.Close()
		return nil, readProblem(resp)
	}
	if mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); mt != "application/x-ndjson" {
		resp.Body.Close()
		return nil, fmt.Errorf("adminclient: GET %s: answer is %q, not application/x-ndjson", u.Path, mt)
	}
	return resp, nil
}

// readStream decodes NDJSON lines from r and passes each to fn.
func readStream(r io.Reader, fn func(StreamLine) error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), MaxStreamLine)
	for sc.Scan() {
		line := sc.Bytes()
		if len(strings.TrimSpace(string(line))) == 0 {
			continue
		}
		var head struct {
			Seq *int64 `json:"seq"`
		}
		if err := json.Unmarshal(line, &head); err != nil || head.Seq == nil {
			return fmt.Errorf("adminclient: audit stream: line is not an audit event: %q", excerpt(line))
		}
		if err := fn(StreamLine{Seq: *head.Seq, Raw: append(json.RawMessage(nil), line...)}); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return fmt.Errorf("adminclient: audit stream: a line is longer than %d bytes", MaxStreamLine)
		}
		return fmt.Errorf("adminclient: audit stream: %w", err)
	}
	return nil
}

// WriteJSONLine writes one compact JSON document and a newline, with DEL
// and C1 control characters escaped as WriteJSON does.
func WriteJSONLine(w io.Writer, raw json.RawMessage) error {
	var b strings.Builder
	for _, r := range string(raw) {
		if r == 0x7f || (r >= 0x80 && r <= 0x9f) {
			fmt.Fprintf(&b, `\u%04x`, r)
			continue
		}
		b.WriteRune(r)
	}
	b.WriteByte('\n')
	_, err := io.WriteString(w, b.String())
	return err
}
