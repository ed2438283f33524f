package grant

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"golang.org/x/sync/singleflight"
	"golang.org/x/time/rate"

	"github.com/authplane/authplane/internal/safehttp"
	"github.com/authplane/authplane/internal/storage"
)

// Fetcher fetches JSON documents through the SSRF guard (safehttp.Client).
type Fetcher interface {
	GetJSON(ctx context.Context, rawURL string, allowedHosts []string) (safehttp.Response, error)
}

// Client key cache bounds.
const (
	clientJWKSTTL     = 5 * time.Minute
	clientJWKSRefetch = 30 * time.Second
)

// ClientKeys resolves private_key_jwt verification keys: from the client's
// inline JWK Set, or from its jwks_uri fetched through the SSRF-guarded
// client, cached, with at most one refetch per interval on an unknown kid.
type ClientKeys struct {
	Fetcher Fetcher
	Now     func() time.Time

	mu     sync.Mutex
	cached map[string]*clientKeySet
	group  singleflight.Group
}

type clientKeySet struct {
	version time.Time // client UpdatedAt the set belongs to
	source  string    // jwks_uri or "inline"
	keys    jose.JSONWebKeySet
	expires time.Time
	refetch *rate.Limiter
}

// Resolve returns the client's public key with kid (any compatible key when
// kid is empty and exactly one fits) for alg.
func (k *ClientKeys) Resolve(ctx context.Context, c storage.Client, kid, alg string) (any, error) {
	set, err := k.set(ctx, c, false)
	if err != nil {
		return nil, err
	}
	if key, ok := pickKey(set.keys, kid, alg); ok {
		return key, nil
	}
	// The limiter runs on the injected clock, not its own time.Now.
	if c.JWKSURI == "" || !set.refetch.AllowN(k.Now(), 1) {
		return nil, errors.New("grant: no client key matches kid " + kid)
	}
	if set, err = k.set(ctx, c, true); err != nil {
		return nil, err
	}
	if key, ok := pickKey(set.keys, kid, alg); ok {
		return key, nil
	}
	return nil, errors.New("grant: no client key matches kid " + kid)
}

func (k *ClientKeys) set(ctx context.Context, c storage.Client, force bool) (*clientKeySet, error) {
	k.mu.Lock()
	cur := k.cached[c.ID]
	k.mu.Unlock()
	source := c.JWKSURI
	if source == "" {
		source = "inline"
	}
	fresh := cur != nil && cur.version.Equal(c.UpdatedAt) && cur.source == source
	if fresh && !force && (source == "inline" || k.Now().Before(cur.expires)) {
		return cur, nil
	}
	v, err, _ := k.group.Do(c.ID, func() (any, error) { return k.load(ctx, c, source, cur) })
	if err != nil {
		return nil, err
	}
	return v.(*clientKeySet), nil
}

func (k *ClientKeys) load(ctx context.Context, c storage.Client, source string, prev *clientKeySet) (*clientKeySet, error) {
	doc := []byte(c.JWKS)
	if source != "inline" {
		u, err := url.Parse(c.JWKSURI)
		if err != nil {
			return nil, fmt.Errorf("grant: client jwks_uri: %w", err)
		}
		resp, err := k.Fetcher.GetJSON(ctx, c.JWKSURI, []string{u.Host})
		if err != nil {
			return nil, fmt.Errorf("grant: fetch client jwks: %w", err)
		}
		doc = resp.Body
	}
	set, err := parseClientJWKS(doc)
	if err != nil {
		return nil, fmt.Errorf("grant: client jwks: %w", err)
	}
	ks := &clientKeySet{version: c.UpdatedAt, source: source, keys: set, expires: k.Now().Add(clientJWKSTTL)}
	if prev != nil && prev.source == source {
		ks.refetch = prev.refetch
	} else {
		ks.refetch = rate.NewLimiter(rate.Every(clientJWKSRefetch), 1)
	}
	k.mu.Lock()
	if k.cached == nil {
		k.cached = map[string]*clientKeySet{}
	}
	k.cached[c.ID] = ks
	k.mu.Unlock()
	return ks, nil
}

// parseClientJWKS reads a JWK Set, ignoring entries that do not parse
// (RFC 7517 §5: unknown kty, missing or malformed members), so one such
// entry does not disable the client's other keys; pickKey filters the rest.
func parseClientJWKS(doc []byte) (jose.JSONWebKeySet, error) {
	var raw struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(doc, &raw); err != nil {
		return jose.JSONWebKeySet{}, err
	}
	var set jose.JSONWebKeySet
	for _, entry := range raw.Keys {
		var k jose.JSONWebKey
		if k.UnmarshalJSON(entry) == nil {
			set.Keys = append(set.Keys, k)
		}
	}
	return set, nil
}

// pickKey selects a public signature key fitting alg: by kid, or the only
// fitting key when kid is empty. Private keys are never used (JWT-08).
func pickKey(set jose.JSONWebKeySet, kid, alg string) (any, bool) {
	var found any
	n := 0
	for _, k := range set.Keys {
		if (kid != "" && k.KeyID != kid) || (k.Use != "" && k.Use != "sig") || (k.Algorithm != "" && k.Algorithm != alg) || !k.IsPublic() {
			continue
		}
		if !keyFitsAlg(k.Key, alg) {
			continue
		}
		found = k.Key
		n++
	}
	return found, n == 1
}

// keyFitsAlg: EC P-256 for ES256, RSA ≥ 2048 bits for RS256 (JWT-01/02).
func keyFitsAlg(key any, alg string) bool {
	switch k := key.(type) {
	case *ecdsa.PublicKey:
		return alg == string(jose.ES256) && k.Curve == elliptic.P256()
	case *rsa.PublicKey:
		return alg == string(jose.RS256) && k.N.BitLen() >= 2048
	}
	return false
}
