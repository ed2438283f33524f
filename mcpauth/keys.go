package mcpauth

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"golang.org/x/sync/singleflight"
	"golang.org/x/time/rate"

	"github.com/authplane/authplane/internal/safehttp"
)

// Key cache bounds.
const (
	// MinKeyTTL and MaxKeyTTL clamp the Cache-Control max-age of the JWKS;
	// a response without max-age is kept MinKeyTTL.
	MinKeyTTL = time.Minute
	MaxKeyTTL = time.Hour
	// UnknownKidRefetchInterval allows one JWKS refetch per interval for
	// tokens whose kid is not in the cached set (key rotation), however
	// many such tokens arrive (NET-04).
	UnknownKidRefetchInterval = 30 * time.Second
	// failureBackoff spaces fetch attempts after a failure.
	failureBackoff = 5 * time.Second
	// staleGrace is how long expired keys keep verifying while AuthPlane's
	// JWKS cannot be fetched.
	staleGrace = time.Hour
	// maxJWKSBytes caps the JWKS document (NET-02).
	maxJWKSBytes = 64 << 10
	// fetchTimeout bounds one shared fetch.
	fetchTimeout = 5 * time.Second
)

// ErrUnavailable means AuthPlane could not be asked: its key set cannot be
// fetched and no usable copy is cached, or introspection failed. It is not
// a verdict on the token; Middleware answers 503.
var ErrUnavailable = errors.New("mcpauth: authorization server unavailable")

// jsonGetter is the outbound fetch the cache needs (safehttp.Client).
type jsonGetter interface {
	GetJSON(ctx context.Context, rawURL string, allowedHosts []string) (safehttp.Response, error)
}

// keyCache holds AuthPlane's public keys. Fetches are single-flight; mu
// guards the cached set and its times.
type keyCache struct {
	fetcher jsonGetter
	uri     string
	hosts   []string
	now     func() time.Time
	log     *slog.Logger
	limiter *rate.Limiter
	flight  singleflight.Group

	mu          sync.RWMutex
	set         jose.JSONWebKeySet
	expiresAt   time.Time
	lastFailure time.Time
}

func newKeyCache(cfg Config) *keyCache {
	u, _ := url.Parse(cfg.JWKSURI) // validated by New
	return &keyCache{
		fetcher: safehttp.New(safehttp.Options{
			InsecureAllowLoopback: cfg.InsecureAllowLoopback,
			RootCAs:               cfg.RootCAs,
			MaxBody:               maxJWKSBytes,
			Logger:                cfg.Logger,
		}),
		uri:     cfg.JWKSURI,
		hosts:   []string{u.Host},
		now:     cfg.Now,
		log:     cfg.Logger,
		limiter: rate.NewLimiter(rate.Every(UnknownKidRefetchInterval), 1),
	}
}

// current returns the cached key set (token.Verifier.Keys).
func (c *keyCache) current() jose.JSONWebKeySet {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.set
}

// ensure fetches when the cache is empty or expired and the last failure
// is older than failureBackoff. It reports whether it fetched, and fails
// with ErrUnavailable only when no usable keys remain.
func (c *keyCache) ensure(ctx context.Context) (fetched bool, err error) {
	now := c.now()
	c.mu.RLock()
	have := len(c.set.Keys) > 0
	fresh := have && now.Before(c.expiresAt)
	usable := have && now.Before(c.expiresAt.Add(staleGrace))
	backoff := now.Sub(c.lastFailure) < failureBackoff
	c.mu.RUnlock()
	if fresh || backoff {
		if !usable {
			return false, fmt.Errorf("%w: no usable keys (recent fetch failed)", ErrUnavailable)
		}
		return false, nil
	}
	ferr := c.fetch(ctx)
	if ferr != nil && !usable {
		return true, fmt.Errorf("%w: %w", ErrUnavailable, ferr)
	}
	return true, nil
}

// refetchUnknownKid refetches once per UnknownKidRefetchInterval for a
// token whose kid is not cached, and reports whether it fetched
// successfully.
func (c *keyCache) refetchUnknownKid(ctx context.Context) bool {
	if !c.limiter.AllowN(c.now(), 1) {
		return false
	}
	return c.fetch(ctx) == nil
}

// fetch runs one single-flight fetch. The shared fetch is detached from
// the caller's cancellation (others may wait on it) and bounded by
// fetchTimeout; a caller stops waiting when its own ctx ends.
func (c *keyCache) fetch(ctx context.Context) error {
	ch := c.flight.DoChan("jwks", func() (any, error) {
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), fetchTimeout)
		defer cancel()
		return nil, c.fetchNow(fctx)
	})
	select {
	case res := <-ch:
		return res.Err
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (c *keyCache) fetchNow(ctx context.Context) error {
	at := c.now()
	resp, err := c.fetcher.GetJSON(ctx, c.uri, c.hosts)
	var set jose.JSONWebKeySet
	if err == nil {
		set, err = parseKeySet(resp.Body)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if err != nil {
		c.lastFailure = at
		c.log.Warn("mcpauth: key set fetch failed", "jwks_uri", c.uri, "error", err)
		return err
	}
	ttl := keyTTL(resp.Header)
	c.set, c.expiresAt, c.lastFailure = set, at.Add(ttl), time.Time{}
	c.log.Info("mcpauth: key set fetched", "jwks_uri", c.uri, "kids", kids(set), "ttl", ttl)
	return nil
}

// parseKeySet keeps the entries token.Verifier can use: public P-256 keys
// with a kid, alg ES256 or unset, use sig or unset. Other entries (another
// kty, private material, malformed) are skipped (RFC 7517 §5); a set with
// no usable entry is an error and the cached set is kept.
func parseKeySet(body []byte) (jose.JSONWebKeySet, error) {
	var doc struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(body, &doc); err != nil || doc.Keys == nil {
		return jose.JSONWebKeySet{}, errors.New("mcpauth: JWKS is not an object with a keys array")
	}
	var set jose.JSONWebKeySet
	for _, raw := range doc.Keys {
		var k jose.JSONWebKey
		if err := k.UnmarshalJSON(raw); err != nil || !usableKey(&k) {
			continue
		}
		set.Keys = append(set.Keys, k)
	}
	if len(set.Keys) == 0 {
		return jose.JSONWebKeySet{}, errors.New("mcpauth: JWKS has no usable ES256 key")
	}
	return set, nil
}

func usableKey(k *jose.JSONWebKey) bool {
	pub, ok := k.Key.(*ecdsa.PublicKey)
	return ok && pub.Curve == elliptic.P256() && k.KeyID != "" &&
		(k.Algorithm == "" || k.Algorithm == string(jose.ES256)) && (k.Use == "" || k.Use == "sig")
}

// keyTTL is the Cache-Control max-age clamped to [MinKeyTTL, MaxKeyTTL];
// absent, invalid, no-cache or no-store give MinKeyTTL.
func keyTTL(h http.Header) time.Duration {
	var age time.Duration
	for _, line := range h.Values("Cache-Control") {
		for _, dir := range strings.Split(line, ",") {
			name, value, _ := strings.Cut(strings.TrimSpace(dir), "=")
			switch strings.ToLower(name) {
			case "no-cache", "no-store":
				return MinKeyTTL
			case "max-age":
				n, err := strconv.ParseInt(strings.Trim(value, `"`), 10, 64)
				if err == nil && n > 0 && n <= int64(MaxKeyTTL/time.Second) {
					age = time.Duration(n) * time.Second
				} else if err == nil && n > 0 {
					age = MaxKeyTTL
				}
			}
		}
	}
	return min(max(age, MinKeyTTL), MaxKeyTTL)
}

func kids(set jose.JSONWebKeySet) []string {
	out := make([]string, 0, len(set.Keys))
	for _, k := range set.Keys {
		out = append(out, k.KeyID)
	}
	return out
}
