package mcpauth

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/authplane/authplane/internal/token"
)

const (
	// maxIntrospectionBytes caps an introspection response.
	maxIntrospectionBytes = 64 << 10
	// maxIntrospectionEntries bounds the answer cache; when full, expired
	// entries are dropped, and if none are, the cache is emptied.
	maxIntrospectionEntries = 10000
)

// introspector asks AuthPlane's RFC 7662 endpoint whether a verified token
// is still active and caches the answer per jti for at most CacheTTL (and
// never past the token's exp).
type introspector struct {
	cfg    IntrospectionConfig
	hc     *http.Client
	now    func() time.Time
	flight singleflight.Group

	mu    sync.Mutex
	cache map[string]introspectAnswer
}

type introspectAnswer struct {
	active bool
	until  time.Time
}

func newIntrospector(ic IntrospectionConfig, cfg Config) *introspector {
	transport := &http.Transport{
		Proxy:                 nil,
		TLSClientConfig:       &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: cfg.RootCAs},
		TLSHandshakeTimeout:   2 * time.Second,
		ResponseHeaderTimeout: 5 * time.Second,
		MaxIdleConnsPerHost:   4,
		IdleConnTimeout:       90 * time.Second,
	}
	hc := &http.Client{
		Transport: transport,
		Timeout:   5 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
	return &introspector{cfg: ic, hc: hc, now: cfg.Now, cache: map[string]introspectAnswer{}}
}

// check returns nil when AuthPlane says the token is active, an
// *InvalidTokenError when it says it is not, and ErrUnavailable when it
// cannot be asked (fail closed).
func (i *introspector) check(ctx context.Context, raw string, c token.Claims) error {
	active, ok := i.cached(c.JTI)
	if !ok {
		ch := i.flight.DoChan(c.JTI, func() (any, error) {
			return i.ask(context.WithoutCancel(ctx), raw, c)
		})
		select {
		case res := <-ch:
			if res.Err != nil {
				return fmt.Errorf("%w: introspection: %w", ErrUnavailable, res.Err)
			}
			active = res.Val.(bool)
		case <-ctx.Done():
			return fmt.Errorf("%w: introspection: %w", ErrUnavailable, ctx.Err())
		}
	}
	if !active {
		return invalid(errInactive)
	}
	return nil
}

func (i *introspector) cached(jti string) (active, ok bool) {
	i.mu.Lock()
	defer i.mu.Unlock()
	a, ok := i.cache[jti]
	if !ok || !i.now().Before(a.until) {
		return false, false
	}
	return a.active, true
}

func (i *introspector) store(jti string, active bool, exp int64) {
	now := i.now()
	until := now.Add(i.cfg.CacheTTL)
	if e := time.Unix(exp, 0); e.Before(until) {
		until = e
	}
	i.mu.Lock()
	defer i.mu.Unlock()
	if len(i.cache) >= maxIntrospectionEntries {
		for k, a := range i.cache {
			if !now.Before(a.until) {
				delete(i.cache, k)
			}
		}
		if len(i.cache) >= maxIntrospectionEntries {
			clear(i.cache)
		}
	}
	i.cache[jti] = introspectAnswer{active: active, until: until}
}

// ask posts the token with client_secret_basic (RFC 6749 §2.3.1: id and
// secret form-encoded before Basic) and reads the answer. An active answer
// must name the same jti and audience when it names them at all.
func (i *introspector) ask(ctx context.Context, raw string, c token.Claims) (bool, error) {
	ctx, cancel := context.WithTimeout(ctx, fetchTimeout)
	defer cancel()
	form := url.Values{"token": {raw}, "token_type_hint": {"access_token"}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, i.cfg.URL, strings.NewReader(form.Encode()))
	if err != nil {
		return false, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	req.SetBasicAuth(url.QueryEscape(i.cfg.ClientID), url.QueryEscape(i.cfg.ClientSecret))
	resp, err := i.hc.Do(req)
	if err != nil {
		return false, err
	}
	defer resp.Body.Close()
	ans, err := readIntrospection(resp)
	if err != nil {
		return false, err
	}
	active := ans.activeFor(c)
	i.store(c.JTI, active, c.Expiry)
	return active, nil
}

type introspectionResponse struct {
	Active bool            `json:"active"`
	JTI    string          `json:"jti"`
	Aud    json.RawMessage `json:"aud"`
}

// activeFor reports whether the answer says the verified token c is
// active: it must name the same jti and audience when it names them.
func (a introspectionResponse) activeFor(c token.Claims) bool {
	return a.Active && (a.JTI == "" || a.JTI == c.JTI) && audienceIncludes(a.Aud, c.Audience)
}

// audienceIncludes reports whether an introspection aud (absent, a string
// or an array of strings, RFC 7662 §2.2) admits want.
func audienceIncludes(aud json.RawMessage, want string) bool {
	if len(aud) == 0 {
		return true
	}
	var one string
	if json.Unmarshal(aud, &one) == nil {
		return one == want
	}
	var many []string
	return json.Unmarshal(aud, &many) == nil && slices.Contains(many, want)
}

// readIntrospection accepts only 200 with a JSON body under the cap.
func readIntrospection(resp *http.Response) (introspectionResponse, error) {
	if resp.StatusCode != http.StatusOK {
		return introspectionResponse{}, fmt.Errorf("status %d", resp.StatusCode)
	}
	if mt, _, err := mime.ParseMediaType(resp.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		return introspectionResponse{}, fmt.Errorf("content type %q", resp.Header.Get("Content-Type"))
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxIntrospectionBytes+1))
	if err != nil {
		return introspectionResponse{}, err
	}
	if len(body) > maxIntrospectionBytes {
		return introspectionResponse{}, errors.New("response too large")
	}
	return parseIntrospection(body)
}

// parseIntrospection decodes an RFC 7662 §2.2 answer; active must be a
// JSON boolean.
func parseIntrospection(body []byte) (introspectionResponse, error) {
	var members map[string]json.RawMessage
	if err := json.Unmarshal(body, &members); err != nil {
		return introspectionResponse{}, fmt.Errorf("response: %w", err)
	}
	if string(members["active"]) != "true" && string(members["active"]) != "false" {
		return introspectionResponse{}, errors.New("response has no boolean active")
	}
	var ans introspectionResponse
	if err := json.Unmarshal(body, &ans); err != nil {
		return introspectionResponse{}, fmt.Errorf("response: %w", err)
	}
	return ans, nil
}
