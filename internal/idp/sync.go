package idp

import (
	"context"
	"errors"
	"time"

	"github.com/authplane/authplane/internal/storage"
)

// syncFromStore adopts the persisted key state when c is marked for it (at
// creation and after every Update): a cold start gets the last-known-good
// keys, and keys fetched or a refresh requested by another instance are
// taken over. It runs single-flight and at most once per mark; a store
// error leaves the mark for the next use.
func (r *Registry) syncFromStore(ctx context.Context, c *keyCache) {
	c.mu.RLock()
	need := c.needSync
	c.mu.RUnlock()
	if !need {
		return
	}
	_, _, _ = c.flight.Do("sync", func() (any, error) {
		st, err := r.store.GetIdPKeyState(ctx, c.idpID)
		switch {
		case errors.Is(err, storage.ErrNotFound):
			c.mu.Lock()
			c.needSync = false
			c.mu.Unlock()
		case err != nil:
			r.log.Error("idp key state read failed", "idp_id", c.idpID, "error", err)
		default:
			r.adopt(c, st)
		}
		return nil, nil
	})
}

// adopt installs st's key set if it is newer than the cached one and came
// from this IdP's key source, and schedules a refetch if an admin refresh
// was requested after the newest keys.
func (r *Registry) adopt(c *keyCache, st storage.IdPKeyState) {
	var ks keySet
	var perr error
	newer := len(st.JWKS) > 0 && r.sameSource(c, st.JWKSURI)
	if newer {
		ks, perr = parseKeySet(st.JWKS, c.algs)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.needSync = false
	if newer && perr == nil && st.FetchedAt.After(c.fetchedAt) {
		c.keys, c.jwks, c.jwksURI = ks.keys, ks.doc, st.JWKSURI
		c.fetchedAt, c.expiresAt = st.FetchedAt, st.ExpiresAt
		c.lastFailure = time.Time{}
	}
	if perr != nil {
		r.log.Warn("idp persisted key set ignored", "idp_id", c.idpID, "error", perr)
	}
	if st.RefreshRequested.After(c.refreshSeen) {
		c.refreshSeen = st.RefreshRequested
		if st.RefreshRequested.After(c.fetchedAt) {
			c.forceRefetch = true
		}
	}
}

// sameSource reports whether persisted keys from uri belong to c's current
// key source: the configured jwks_uri, or (discovery) an https URL on an
// allowed host. Keys persisted under an earlier configuration are ignored.
func (r *Registry) sameSource(c *keyCache, uri string) bool {
	if c.configuredURI != "" {
		return uri == c.configuredURI
	}
	return checkJWKSURI(uri, c.allowedHosts, r.opts.InsecureAllowLoopback) == nil
}
