package idp

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/authplane/authplane/internal/storage"
)

// Status is the key state of one IdP as persisted in the store, so every
// instance reports the same (admin API).
type Status struct {
	IdPID string
	// JWKSURI is where the current keys came from.
	JWKSURI string
	// KeyIDs are the kids of the last-known-good key set.
	KeyIDs []string
	// FetchedAt is the last successful fetch; ExpiresAt when it goes stale.
	FetchedAt time.Time
	ExpiresAt time.Time
	// LastAttempt and LastError describe the latest fetch attempt.
	LastAttempt time.Time
	LastError   string
	// RefreshRequested is the latest admin refresh request.
	RefreshRequested time.Time
}

// Status returns the persisted key state of idpID; an IdP never fetched
// has a zero Status.
func (r *Registry) Status(ctx context.Context, idpID string) (Status, error) {
	st, err := r.store.GetIdPKeyState(ctx, idpID)
	if errors.Is(err, storage.ErrNotFound) {
		return Status{IdPID: idpID}, nil
	}
	if err != nil {
		return Status{}, fmt.Errorf("idp: status of %q: %w", idpID, err)
	}
	return Status{
		IdPID:            idpID,
		JWKSURI:          st.JWKSURI,
		KeyIDs:           kidsOf(st.JWKS),
		FetchedAt:        st.FetchedAt,
		ExpiresAt:        st.ExpiresAt,
		LastAttempt:      st.LastAttempt,
		LastError:        st.LastError,
		RefreshRequested: st.RefreshRequested,
	}, nil
}

// Refresh fetches the key set of the enabled IdP idpID now, bypassing TTL
// and the unknown-kid budget and rediscovering the jwks_uri (admin
// POST /admin/v1/idps/{id}/refresh). It records the request in the store
// (RefreshRequested), so other instances refetch on their next use unless
// this fetch succeeded, and returns the persisted state with the fetch
// error. A failed fetch keeps the last-known-good keys.
func (r *Registry) Refresh(ctx context.Context, idpID string) (storage.IdPKeyState, error) {
	e := r.lookupID(idpID)
	if e == nil {
		return storage.IdPKeyState{}, fmt.Errorf("%w: %q", ErrUnknownIdP, idpID)
	}
	c := e.cache
	r.syncFromStore(ctx, c)
	now := r.opts.Now()
	r.persist(ctx, idpID, func(s *storage.IdPKeyState) { s.RefreshRequested = now })
	c.mu.Lock()
	c.refreshSeen = now
	c.discoveredURI = ""
	c.mu.Unlock()
	ferr := r.fetch(ctx, c, fetchForced)
	st, err := r.store.GetIdPKeyState(ctx, idpID)
	if err != nil {
		return storage.IdPKeyState{}, errors.Join(ferr, fmt.Errorf("idp: reading state of %q: %w", idpID, err))
	}
	return st, ferr
}
