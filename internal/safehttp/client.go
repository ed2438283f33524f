package safehttp

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"syscall"
	"time"

	"code.dny.dev/ssrf"
)

// Defaults and bounds of Options (NET-02).
const (
	// DefaultTimeout bounds a whole GetJSON call: connect, TLS, headers and body.
	DefaultTimeout = 5 * time.Second
	// MaxConnectTimeout bounds TCP connect and the TLS handshake.
	MaxConnectTimeout = 2 * time.Second
	// DefaultMaxBody is the default cap on a response body.
	DefaultMaxBody int64 = 256 << 10
)

// Options configures a Client. The zero value is production-safe.
type Options struct {
	// InsecureAllowLoopback additionally admits 127.0.0.0/8 and ::1 as
	// destinations, and plain http to a loopback IP literal. For development
	// and tests only; New logs a warning when it is set.
	InsecureAllowLoopback bool
	// Timeout bounds each GetJSON call (default DefaultTimeout); connect and
	// TLS handshake are bounded by min(Timeout, MaxConnectTimeout).
	Timeout time.Duration
	// MaxBody caps the response body in bytes (default DefaultMaxBody).
	MaxBody int64
	// RootCAs replaces the system roots (tests use the httptest server's
	// certificate); nil means the system pool.
	RootCAs *x509.CertPool
	// Logger receives the insecure-mode warning; nil discards.
	Logger *slog.Logger
}

// Response is a successfully fetched JSON document. On an ErrStatus,
// ErrRedirect or ErrContentType error, GetJSON also returns StatusCode and
// Header (Body is then nil).
type Response struct {
	Body       []byte
	Header     http.Header
	StatusCode int
}

// Client is an SSRF-guarded fetcher of JSON documents; it is safe for
// concurrent use. Build it with New.
type Client struct {
	hc               *http.Client
	guard            *ssrf.Guardian
	insecureLoopback bool
	maxBody          int64
}

// New returns a Client configured by opts.
func New(opts Options) *Client {
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.MaxBody <= 0 {
		opts.MaxBody = DefaultMaxBody
	}
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	c := &Client{
		guard:            newGuardian(opts.InsecureAllowLoopback),
		insecureLoopback: opts.InsecureAllowLoopback,
		maxBody:          opts.MaxBody,
	}
	c.hc = c.newHTTPClient(opts)
	if opts.InsecureAllowLoopback {
		logger.Warn("INSECURE: outbound fetches may reach loopback addresses and plain http on loopback; never enable this in production",
			"insecure_allow_loopback", true)
	}
	return c
}

// newGuardian builds the dial-time address policy: every IANA special-use
// range is refused (IPv6 outside 2000::/3, which covers ::1, ::, fc00::/7,
// fe80::/10, NAT64 and IPv4-mapped forms), any port is allowed (the host
// allowlist pins ports), and the insecure switch adds only loopback.
func newGuardian(allowLoopback bool) *ssrf.Guardian {
	opts := []ssrf.Option{ssrf.WithAnyPort()}
	if allowLoopback {
		opts = append(opts,
			ssrf.WithAllowedV4Prefixes(netip.MustParsePrefix("127.0.0.0/8")),
			ssrf.WithAllowedV6Prefixes(netip.MustParsePrefix("::1/128")))
	}
	return ssrf.New(opts...)
}

func (c *Client) newHTTPClient(opts Options) *http.Client {
	connect := min(opts.Timeout, MaxConnectTimeout)
	dialer := &net.Dialer{Timeout: connect, Control: c.control}
	transport := &http.Transport{
		Proxy:                  nil, // never honour HTTP(S)_PROXY (NET-02)
		DialContext:            dialer.DialContext,
		TLSClientConfig:        &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: opts.RootCAs},
		TLSHandshakeTimeout:    connect,
		ResponseHeaderTimeout:  opts.Timeout,
		ExpectContinueTimeout:  time.Second,
		DisableCompression:     true,
		MaxIdleConns:           16,
		MaxIdleConnsPerHost:    2,
		IdleConnTimeout:        90 * time.Second,
		MaxResponseHeaderBytes: 64 << 10,
	}
	return &http.Client{
		Transport: transport,
		Timeout:   opts.Timeout,
		Jar:       nil, // no cookies
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

// control runs on every socket after DNS resolution and before connect, so
// the address it approves is the address connected to.
func (c *Client) control(network, address string, rc syscall.RawConn) error {
	if err := c.guard.Safe(network, address, rc); err != nil {
		return fmt.Errorf("%w: %w", ErrForbiddenAddress, err)
	}
	return nil
}

// GetJSON fetches rawURL, which must pass every rule of the package
// documentation with its host in allowedHosts, and returns the body of a
// 200 JSON response. Errors wrap one of the package's sentinels, or are the
// transport error (connection refused, time-out, TLS failure).
func (c *Client) GetJSON(ctx context.Context, rawURL string, allowedHosts []string) (Response, error) {
	u, err := c.parseTarget(rawURL, allowedHosts)
	if err != nil {
		return Response{}, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return Response{}, fmt.Errorf("%w: %w", ErrInvalidURL, err)
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "authplane")
	resp, err := c.hc.Do(req)
	if err != nil {
		return Response{}, fmt.Errorf("safehttp: %w", err)
	}
	defer resp.Body.Close()
	out := Response{Header: resp.Header, StatusCode: resp.StatusCode}
	if err := checkResponse(resp); err != nil {
		return out, fmt.Errorf("safehttp: GET %s: %w", redact(u), err)
	}
	if resp.ContentLength > c.maxBody {
		return Response{}, fmt.Errorf("safehttp: GET %s: %w: declared %d bytes", redact(u), ErrTooLarge, resp.ContentLength)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, c.maxBody+1))
	if err != nil {
		return Response{}, fmt.Errorf("safehttp: GET %s: reading body: %w", redact(u), err)
	}
	if int64(len(body)) > c.maxBody {
		return Response{}, fmt.Errorf("safehttp: GET %s: %w: more than %d bytes", redact(u), ErrTooLarge, c.maxBody)
	}
	out.Body = body
	return out, nil
}

// checkResponse accepts only a 200 with a JSON media type.
func checkResponse(resp *http.Response) error {
	switch {
	case resp.StatusCode >= 300 && resp.StatusCode < 400:
		return fmt.Errorf("%w: status %d", ErrRedirect, resp.StatusCode)
	case resp.StatusCode != http.StatusOK:
		return fmt.Errorf("%w: %d", ErrStatus, resp.StatusCode)
	}
	if !isJSON(resp.Header.Get("Content-Type")) {
		return fmt.Errorf("%w: %q", ErrContentType, resp.Header.Get("Content-Type"))
	}
	return nil
}

// isJSON reports whether ct is application/json or application/*+json.
func isJSON(ct string) bool {
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return false
	}
	return mt == "application/json" || (strings.HasPrefix(mt, "application/") && strings.HasSuffix(mt, "+json"))
}

// IsTimeout reports whether err is a time-out of the fetch (connect, TLS,
// headers or body).
func IsTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout())
}
