package admin

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/authplane/authplane/internal/storage"
)

// IdPStatus reports the key-set state of a trusted IdP: where its keys come
// from, when they were fetched, the latest fetch outcome and the key ids.
type IdPStatus struct {
	IdPID       string    `json:"idp_id"`
	JWKSURI     string    `json:"jwks_uri"`
	FetchedAt   time.Time `json:"fetched_at,omitzero"`
	ExpiresAt   time.Time `json:"expires_at,omitzero"`
	LastAttempt time.Time `json:"last_attempt,omitzero"`
	LastError   string    `json:"last_error"`
	// RefreshRequested is when an administrator last asked every instance
	// to refetch the keys.
	RefreshRequested time.Time `json:"refresh_requested,omitzero"`
	Kids             []string  `json:"kids"`
}

// StatusFromKeyState summarises a stored key state. Kids lists the kid of
// every key in the cached JWK Set (empty, never nil, when there is none).
func StatusFromKeyState(st storage.IdPKeyState) IdPStatus {
	out := IdPStatus{
		IdPID: st.IdPID, JWKSURI: st.JWKSURI, FetchedAt: st.FetchedAt, ExpiresAt: st.ExpiresAt,
		LastAttempt: st.LastAttempt, LastError: st.LastError, RefreshRequested: st.RefreshRequested, Kids: []string{},
	}
	var set struct {
		Keys []struct {
			KID string `json:"kid"`
		} `json:"keys"`
	}
	if len(st.JWKS) > 0 && json.Unmarshal(st.JWKS, &set) == nil {
		for _, k := range set.Keys {
			out.Kids = append(out.Kids, k.KID)
		}
	}
	return out
}

// keyState returns the stored key state of id, or an empty one.
func keyState(ctx context.Context, tx storage.Tx, id string) (storage.IdPKeyState, error) {
	st, err := tx.GetIdPKeyState(ctx, id)
	if errors.Is(err, storage.ErrNotFound) {
		return storage.IdPKeyState{IdPID: id}, nil
	}
	return st, err
}

// GetIdPStatus reports the key-set status of the IdP with id.
func (s *Service) GetIdPStatus(ctx context.Context, id string) (IdPStatus, error) {
	if _, err := s.d.Store.GetIdP(ctx, id); err != nil {
		return IdPStatus{}, err
	}
	var out IdPStatus
	if s.d.IdPs != nil {
		var err error
		if out, err = s.d.IdPs.Status(ctx, id); err != nil {
			return IdPStatus{}, err
		}
	} else {
		st, err := keyState(ctx, s.d.Store, id)
		if err != nil {
			return IdPStatus{}, err
		}
		out = StatusFromKeyState(st)
	}
	if out.Kids == nil {
		out.Kids = []string{}
	}
	return out, nil
}

// RefreshIdP refetches the key set of the IdP with id through the IdP
// operator and records the outcome: a failed fetch still answers the
// status (with last_error) and is audited with outcome "failure". Without
// an operator, or when the operator has no state for the IdP (a disabled
// one, say), it records a refresh request instead, which makes every
// instance refetch on next use.
func (s *Service) RefreshIdP(ctx context.Context, c Caller, id string) (IdPStatus, error) {
	idp, err := s.d.Store.GetIdP(ctx, id)
	if err != nil {
		return IdPStatus{}, err
	}
	before, err := keyState(ctx, s.d.Store, id)
	if err != nil {
		return IdPStatus{}, err
	}
	if s.d.IdPs == nil {
		return s.requestRefresh(ctx, c, idp)
	}
	st, ferr := s.d.IdPs.Refresh(ctx, id)
	if st.IdPID == "" {
		s.d.Logger.Warn("admin: IdP refresh failed; recording a refresh request instead", "idp_id", id, "err", ferr)
		return s.requestRefresh(ctx, c, idp)
	}
	out := StatusFromKeyState(st)
	if ferr != nil && out.LastError == "" {
		out.LastError = ferr.Error()
	}
	tag := idpTag(id, idp.Issuer)
	err = s.d.Store.WithTx(ctx, func(tx storage.Tx) error {
		if err := s.announceKeyChange(ctx, tx, idp); err != nil {
			return err
		}
		return s.record(ctx, tx, c, "admin.idp.refresh", StatusFromKeyState(before), out, func(e *storage.AuditEvent) {
			tag(e)
			if ferr != nil {
				e.Outcome, e.Reason = "failure", "idp_keys_fetch_failed"
			}
		})
	})
	return out, err
}

// requestRefresh marks the IdP's key state as to be refetched, in one
// transaction with its audit event.
func (s *Service) requestRefresh(ctx context.Context, c Caller, idp storage.IdP) (IdPStatus, error) {
	var out IdPStatus
	err := s.d.Store.WithTx(ctx, func(tx storage.Tx) error {
		if _, err := tx.GetIdP(ctx, idp.ID); err != nil {
			return err
		}
		st, err := keyState(ctx, tx, idp.ID)
		if err != nil {
			return err
		}
		before := StatusFromKeyState(st)
		st.RefreshRequested = s.now()
		if err := tx.PutIdPKeyState(ctx, st); err != nil {
			return err
		}
		if err := s.announceKeyChange(ctx, tx, idp); err != nil {
			return err
		}
		out = StatusFromKeyState(st)
		return s.record(ctx, tx, c, "admin.idp.refresh", before, out, idpTag(idp.ID, idp.Issuer))
	})
	return out, err
}

// announceKeyChange touches the IdP record so the store generation moves:
// every instance reloads its catalog and re-reads the IdP's persisted key
// state, so a refresh made through one instance reaches all of them at once
// (instead of at each one's own cache expiry or next unknown kid).
func (s *Service) announceKeyChange(ctx context.Context, tx storage.Tx, idp storage.IdP) error {
	cur, err := tx.GetIdP(ctx, idp.ID)
	if err != nil {
		return err
	}
	cur.UpdatedAt = s.now()
	return tx.UpdateIdP(ctx, cur)
}
