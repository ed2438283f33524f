package idp

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4"
	"golang.org/x/sync/singleflight"
	"golang.org/x/time/rate"

	"github.com/authplane/authplane/internal/assertion"
	"github.com/authplane/authplane/internal/storage"
)

// keyCache is the key set of one IdP. Its immutable fields describe the key
// source; mu guards the rest.
type keyCache struct {
	idpID         string
	issuer        string
	configuredURI string
	allowedHosts  []string
	algs          []string
	limiter       *rate.Limiter // unknown-kid refetch budget
	flight        singleflight.Group

	mu            sync.RWMutex
	keys          []jose.JSONWebKey
	jwks          []byte // keys as persisted (public members only)
	jwksURI       string // where keys came from
	discoveredURI string
	fetchedAt     time.Time
	expiresAt     time.Time
	lastFailure   time.Time
	needSync      bool      // re-read the persisted state before next use
	refreshSeen   time.Time // newest admin refresh request already honoured
	forceRefetch  bool
}

func (r *Registry) newCache(p storage.IdP) *keyCache {
	return &keyCache{
		idpID:         p.ID,
		issuer:        p.Issuer,
		configuredURI: p.JWKSURI,
		allowedHosts:  allowedHosts(p),
		algs:          effectiveAlgs(p.AllowedAlgs),
		limiter:       rate.NewLimiter(rate.Every(r.opts.RefetchInterval), 1),
		needSync:      true,
	}
}

func (c *keyCache) markSync() {
	c.mu.Lock()
	c.needSync = true
	c.mu.Unlock()
}

// usableLocked reports whether the cached keys may verify at now: fresh, or
// stale by at most maxStale since they were fetched.
func (c *keyCache) usableLocked(now time.Time, maxStale time.Duration) bool {
	return len(c.keys) > 0 && (now.Before(c.expiresAt) || now.Sub(c.fetchedAt) <= maxStale)
}

func (c *keyCache) usable(now time.Time, maxStale time.Duration) bool {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.usableLocked(now, maxStale)
}

// needsFetch reports whether a resolution at now must fetch first: no usable
// keys (always retried, nothing negative is cached), a pending admin
// refresh, or expired keys whose last failed refresh is older than retry.
func (c *keyCache) needsFetch(now time.Time, maxStale, retry time.Duration) bool {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if !c.usableLocked(now, maxStale) || c.forceRefetch {
		return true
	}
	return !now.Before(c.expiresAt) && now.Sub(c.lastFailure) >= retry
}

// lookup returns a copy of the key with this kid that fits alg. An empty
// kid selects the only fitting key, if there is exactly one.
func (c *keyCache) lookup(kid, alg string) (*jose.JSONWebKey, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	var only *jose.JSONWebKey
	n := 0
	for i := range c.keys {
		k := &c.keys[i]
		if !keyFitsAlg(k, alg) {
			continue
		}
		if kid != "" && k.KeyID == kid {
			cp := *k
			return &cp, true
		}
		only, n = k, n+1
	}
	if kid == "" && n == 1 {
		cp := *only
		return &cp, true
	}
	return nil, false
}

// ResolveKey returns the key with this kid, fitting alg, from the key set of
// the enabled IdP issuerID only (SPEC B.2 step 14, JWT-06). An unknown kid
// triggers at most one refetch per RefetchInterval per IdP; then the error
// wraps assertion.ErrUnknownKey. With no usable keys and a failing fetch the
// error wraps assertion.ErrKeysUnavailable.
func (r *Registry) ResolveKey(ctx context.Context, issuerID, kid, alg string) (*jose.JSONWebKey, error) {
	e := r.lookupID(issuerID)
	if e == nil {
		return nil, fmt.Errorf("%w: %w: %q", assertion.ErrUnknownKey, ErrUnknownIdP, issuerID)
	}
	c := e.cache
	if !slices.Contains(c.algs, alg) {
		return nil, fmt.Errorf("%w: alg %q is not allowed for IdP %q", assertion.ErrUnknownKey, alg, issuerID)
	}
	r.syncFromStore(ctx, c)
	fetched := false
	if c.needsFetch(r.opts.Now(), r.opts.MaxStale, r.opts.RefetchInterval) {
		fetched = true
		err := r.fetch(ctx, c, fetchIfNeeded)
		if err != nil && !c.usable(r.opts.Now(), r.opts.MaxStale) {
			return nil, fmt.Errorf("%w: IdP %q: %w", assertion.ErrKeysUnavailable, issuerID, err)
		}
	}
	if k, ok := c.lookup(kid, alg); ok {
		return k, nil
	}
	if !fetched {
		// Every request missing this kid joins the running refetch, if any,
		// and looks again when it completes: a rotation loses no grant. Only
		// the flight itself spends the per-IdP budget.
		err := r.fetch(ctx, c, fetchIfBudget)
		if k, ok := c.lookup(kid, alg); ok {
			return k, nil
		}
		if err != nil && !c.usable(r.opts.Now(), r.opts.MaxStale) {
			return nil, fmt.Errorf("%w: IdP %q: %w", assertion.ErrKeysUnavailable, issuerID, err)
		}
	}
	return nil, fmt.Errorf("%w: kid %q for alg %s at IdP %q", assertion.ErrUnknownKey, kid, alg, issuerID)
}

// fetchMode says when a single-flight fetch really fetches.
type fetchMode string

const (
	// fetchIfNeeded re-checks needsFetch inside the flight: a caller that
	// saw an empty cache just before an earlier flight filled it must not
	// fetch again.
	fetchIfNeeded fetchMode = "fetch"
	// fetchIfBudget (unknown kid) fetches only if the per-IdP refetch budget
	// allows; callers arriving while it runs wait for it.
	fetchIfBudget fetchMode = "refetch"
	// fetchForced always fetches (admin refresh).
	fetchForced fetchMode = "refresh"
)

// fetch runs one single-flight fetch for c per mode. The shared fetch is
// detached from the caller's cancellation (other callers may wait on it)
// and bounded by fetchTimeout; the caller stops waiting when its own ctx
// ends.
func (r *Registry) fetch(ctx context.Context, c *keyCache, mode fetchMode) error {
	ch := c.flight.DoChan(string(mode), func() (any, error) {
		switch {
		case mode == fetchIfNeeded && !c.needsFetch(r.opts.Now(), r.opts.MaxStale, r.opts.RefetchInterval):
			return nil, nil
		case mode == fetchIfBudget && !c.limiter.AllowN(r.opts.Now(), 1):
			return nil, nil
		}
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), fetchTimeout)
		defer cancel()
		return nil, r.fetchNow(fctx, c)
	})
	select {
	case res := <-ch:
		return res.Err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// fetchNow fetches, filters and installs c's key set, and records the
// outcome in memory, in the store and through OnFetch.
func (r *Registry) fetchNow(ctx context.Context, c *keyCache) error {
	start := r.opts.Now()
	uri, err := r.jwksURI(ctx, c)
	var ks keySet
	if err == nil {
		ks, err = r.fetchKeySet(ctx, c, uri)
	}
	if err != nil {
		r.recordFailure(ctx, c, start, err)
		return err
	}
	r.recordSuccess(ctx, c, uri, ks, start)
	return nil
}

func (r *Registry) fetchKeySet(ctx context.Context, c *keyCache, uri string) (keySet, error) {
	resp, err := r.fetcher.GetJSON(ctx, uri, c.allowedHosts)
	if err != nil {
		return keySet{}, err
	}
	if len(resp.Body) > MaxDocumentBytes {
		return keySet{}, fmt.Errorf("%w: JWKS of %d bytes", ErrTooLarge, len(resp.Body))
	}
	ks, err := parseKeySet(resp.Body, c.algs)
	if err != nil {
		return keySet{}, err
	}
	ks.ttl = r.ttl(resp.Header)
	return ks, nil
}

func (r *Registry) recordFailure(ctx context.Context, c *keyCache, at time.Time, ferr error) {
	c.mu.Lock()
	c.lastFailure = at
	c.forceRefetch = false
	if c.configuredURI == "" {
		c.discoveredURI = "" // rediscover on the next attempt
	}
	c.mu.Unlock()
	r.log.Warn("idp key set fetch failed", "idp_id", c.idpID, "issuer", c.issuer, "error", ferr)
	r.persist(ctx, c.idpID, func(s *storage.IdPKeyState) {
		s.LastAttempt = at
		s.LastError = ferr.Error()
	})
	r.onFetch(c.idpID, ferr)
}

func (r *Registry) recordSuccess(ctx context.Context, c *keyCache, uri string, ks keySet, at time.Time) {
	expires := at.Add(ks.ttl)
	c.mu.Lock()
	c.keys, c.jwks, c.jwksURI = ks.keys, ks.doc, uri
	c.fetchedAt, c.expiresAt = at, expires
	c.lastFailure, c.forceRefetch = time.Time{}, false
	c.mu.Unlock()
	if len(ks.skipped) > 0 {
		r.log.Warn("idp key set entries ignored", "idp_id", c.idpID, "jwks_uri", uri, "skipped", ks.skipped)
	}
	r.log.Info("idp key set fetched", "idp_id", c.idpID, "jwks_uri", uri, "kids", ks.kids(), "expires_at", expires)
	r.persist(ctx, c.idpID, func(s *storage.IdPKeyState) {
		s.JWKS, s.JWKSURI = ks.doc, uri
		s.FetchedAt, s.ExpiresAt = at, expires
		s.LastAttempt, s.LastError = at, ""
	})
	r.onFetch(c.idpID, nil)
}

func (r *Registry) onFetch(idpID string, err error) {
	if r.opts.OnFetch != nil {
		r.opts.OnFetch(idpID, err)
	}
}

// persist applies change to the stored state of idpID (read, modify, write,
// so that fields owned by other writers survive). Failures are logged: the
// in-memory cache stays authoritative for this instance.
func (r *Registry) persist(ctx context.Context, idpID string, change func(*storage.IdPKeyState)) {
	st, err := r.store.GetIdPKeyState(ctx, idpID)
	if errors.Is(err, storage.ErrNotFound) {
		st, err = storage.IdPKeyState{IdPID: idpID}, nil
	}
	if err != nil {
		r.log.Error("idp key state read failed", "idp_id", idpID, "error", err)
		return
	}
	change(&st)
	st.IdPID = idpID
	if err := r.store.PutIdPKeyState(ctx, st); err != nil {
		r.log.Error("idp key state write failed", "idp_id", idpID, "error", err)
	}
}
