package adminclient

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"time"
)

// APIPrefix is the path prefix of every admin API route.
const APIPrefix = "/admin/v1"

// DefaultTimeout bounds one admin API round trip when the Client brings no
// http.Client of its own.
const DefaultTimeout = 30 * time.Second

// Response size caps: a list page of audit events with before/after objects
// is the largest legitimate body; error documents are small.
const (
	MaxResponseBytes = 32 << 20
	maxProblemBytes  = 64 << 10
)

// ErrInsecureTransport is returned when the admin token would travel over
// plain http to a host that is not a loopback address.
var ErrInsecureTransport = errors.New("adminclient: refusing to send the admin token over plain http to a non-loopback host")

// Client calls the admin API of one AuthPlane server. Its zero value is not
// usable: BaseURL is required. It holds no mutable state and is safe for
// concurrent use.
type Client struct {
	// BaseURL is the admin listener, e.g. http://127.0.0.1:9001; a path
	// prefix (reverse proxy) is kept.
	BaseURL string
	// Token is the admin bearer token; empty sends no Authorization header.
	Token string
	// HTTP is the client used for requests; nil means
	// NewHTTPClient(DefaultTimeout).
	HTTP *http.Client
	// InsecureHTTP allows sending Token over plain http to a non-loopback
	// host (the CLI's --insecure-http). Never needed for loopback.
	InsecureHTTP bool
}

// NewHTTPClient returns an http.Client with the given overall time-out that
// does not follow redirects: the admin API never redirects, and following
// one could carry the token to another scheme or host.
func NewHTTPClient(timeout time.Duration) *http.Client {
	return &http.Client{
		Timeout: timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

// Do sends one request to the admin API. path is relative to APIPrefix,
// already escaped, and may carry a query ("/clients?limit=10"). A non-nil in
// is sent as JSON; a non-nil out receives the decoded JSON answer (use
// *json.RawMessage to keep it verbatim). Any non-2xx answer is returned as a
// *ProblemError.
func (c *Client) Do(ctx context.Context, method, path string, in, out any) error {
	u, err := c.endpoint(path)
	if err != nil {
		return err
	}
	var body io.Reader
	if in != nil {
		buf, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("adminclient: encode request: %w", err)
		}
		body = bytes.NewReader(buf)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), body)
	if err != nil {
		return fmt.Errorf("adminclient: %w", err)
	}
	req.Header.Set("Accept", "application/json, application/problem+json")
	req.Header.Set("User-Agent", "authplane-cli")
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	hc := c.HTTP
	if hc == nil {
		hc = NewHTTPClient(DefaultTimeout)
	}
	resp, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("adminclient: %s %s: %w", method, u.Path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return readProblem(resp)
	}
	return readBody(resp, out)
}

// endpoint checks BaseURL and the token guard and joins path to it.
func (c *Client) endpoint(path string) (*url.URL, error) {
	base, err := url.Parse(strings.TrimRight(c.BaseURL, "/"))
	if err != nil || base.Host == "" {
		return nil, fmt.Errorf("adminclient: admin URL %q is not an absolute http(s) URL", c.BaseURL)
	}
	switch base.Scheme {
	case "https":
	case "http":
		if c.Token != "" && !c.InsecureHTTP && !isLoopback(base.Hostname()) {
			return nil, fmt.Errorf("%w %q: use https, or --insecure-http to override", ErrInsecureTransport, base.Host)
		}
	default:
		return nil, fmt.Errorf("adminclient: admin URL %q: scheme must be http or https", c.BaseURL)
	}
	if base.User != nil || base.RawQuery != "" || base.Fragment != "" {
		return nil, fmt.Errorf("adminclient: admin URL %q must not carry userinfo, a query or a fragment", c.BaseURL)
	}
	u, err := url.Parse(base.String() + APIPrefix + path)
	if err != nil {
		return nil, fmt.Errorf("adminclient: path %q: %w", path, err)
	}
	return u, nil
}

// isLoopback reports whether host is "localhost" or a loopback IP literal.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.IsLoopback()
}

// readBody decodes a 2xx answer into out (or drains it when out is nil).
func readBody(resp *http.Response, out any) error {
	buf, err := io.ReadAll(io.LimitReader(resp.Body, MaxResponseBytes+1))
	if err != nil {
		return fmt.Errorf("adminclient: read response: %w", err)
	}
	if len(buf) > MaxResponseBytes {
		return fmt.Errorf("adminclient: response larger than %d bytes", MaxResponseBytes)
	}
	if out == nil || resp.StatusCode == http.StatusNoContent {
		return nil
	}
	if err := json.Unmarshal(buf, out); err != nil {
		return fmt.Errorf("adminclient: decode %s response: %w", resp.Request.URL.Path, err)
	}
	return nil
}

// readProblem turns a non-2xx answer into a *ProblemError. Bodies that are
// not problem documents (a proxy's HTML page) keep only a short excerpt.
func readProblem(resp *http.Response) error {
	buf, _ := io.ReadAll(io.LimitReader(resp.Body, maxProblemBytes))
	p := &ProblemError{}
	mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if mt == "application/problem+json" || mt == "application/json" {
		if err := json.Unmarshal(buf, p); err != nil {
			p = &ProblemError{Detail: excerpt(buf)}
		}
	} else {
		p.Detail = excerpt(buf)
	}
	p.Status = resp.StatusCode
	return p
}

// excerpt returns the start of a non-JSON error body, on one line.
func excerpt(b []byte) string {
	const max = 200
	r := []rune(strings.Join(strings.Fields(string(b)), " "))
	if len(r) > max {
		return string(r[:max]) + "…"
	}
	return string(r)
}
