package grant

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/authplane/authplane/internal/catalog"
	"github.com/authplane/authplane/internal/oauth"
	"github.com/authplane/authplane/internal/storage"
	"github.com/authplane/authplane/internal/token"
)

// TokenVerifier verifies our own access tokens (token.Verifier).
type TokenVerifier interface {
	Verify(raw, audience string) (token.Claims, error)
}

// Revoker persists a revocation with its audit event in one transaction
// (storage.Store).
type Revoker interface {
	WithTx(ctx context.Context, fn func(tx storage.Tx) error) error
}

// Introspection is POST /oauth/introspect (RFC 7662, SPEC D.7).
type Introspection struct {
	Auth     *ClientAuth
	Catalog  Snapshots
	Verifier TokenVerifier
	Audit    DenialSink
	Log      *slog.Logger
	Now      func() time.Time
}

// IntrospectionResponse is the RFC 7662 §2.2 body; inactive tokens carry
// only active=false (INT-04).
type IntrospectionResponse struct {
	Active    bool   `json:"active"`
	Scope     string `json:"scope,omitempty"`
	ClientID  string `json:"client_id,omitempty"`
	TokenType string `json:"token_type,omitempty"`
	Exp       int64  `json:"exp,omitempty"`
	Iat       int64  `json:"iat,omitempty"`
	Nbf       int64  `json:"nbf,omitempty"`
	Sub       string `json:"sub,omitempty"`
	Aud       string `json:"aud,omitempty"`
	Iss       string `json:"iss,omitempty"`
	JTI       string `json:"jti,omitempty"`
}

func (h *Introspection) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	form, caller, err := authenticated(w, r, h.Auth)
	if err != nil {
		oauth.WriteError(w, h.Log, err)
		return
	}
	raw := form.Get("token")
	if raw == "" {
		oauth.WriteError(w, h.Log, oauth.InvalidRequest("missing_token"))
		return
	}
	resp := IntrospectionResponse{}
	c, err := h.Verifier.Verify(raw, "")
	snap, now := h.Catalog.Current(), h.Now()
	// The verifier's leeway is for resource servers' clocks; here our own
	// clock decides, so a token past exp is inactive at once (INT-04).
	if err == nil && now.Unix() < c.Expiry && activeFor(snap, c, caller.Client.ID) {
		resp = IntrospectionResponse{Active: true, Scope: c.Scope, ClientID: c.ClientID, TokenType: "Bearer",
			Exp: c.Expiry, Iat: c.IssuedAt, Nbf: c.NotBefore, Sub: c.Subject, Aud: c.Audience, Iss: c.Issuer, JTI: c.JTI}
	}
	ev := newEvent(r, now)
	ev.Type, ev.Outcome, ev.ClientID, ev.TokenJTI = EventIntrospected, OutcomeSuccess, caller.Client.ID, resp.JTI
	if !resp.Active {
		ev.Reason = "inactive"
	}
	h.Audit.Record(ev)
	oauth.WriteJSON(w, http.StatusOK, resp)
}

// activeFor: not revoked (by jti, client, subject or IdP), client and IdP
// still enabled, and visible to the caller — the token's own client, or the
// resource server whose client id equals the id of the resource the token
// is for (INT-04 (P)).
func activeFor(snap *catalog.Snapshot, c token.Claims, callerID string) bool {
	client, ok := snap.Clients[c.ClientID]
	if !ok || !client.Enabled {
		return false
	}
	if c.IdPID != "" {
		if idp, ok := snap.IdP(c.IdPID); !ok || !idp.Enabled {
			return false
		}
	}
	if snap.Revocations.Revoked(c.JTI, c.ClientID, c.Subject, c.IdPID, time.Unix(c.IssuedAt, 0)) {
		return false
	}
	if callerID == c.ClientID {
		return true
	}
	res, ok := snap.ResourceByURI(c.Audience)
	return ok && res.ID == callerID
}

// authenticated reads the form and authenticates the caller (INT-02,
// REV-02).
func authenticated(w http.ResponseWriter, r *http.Request, auth *ClientAuth) (Form, Authenticated, error) {
	form, err := readForm(w, r)
	if err != nil {
		return nil, Authenticated{}, err
	}
	caller, _, err := auth.Authenticate(r.Context(), r, form)
	if err != nil {
		return nil, Authenticated{}, err
	}
	if hint := form.Get("token_type_hint"); hint != "" && hint != "access_token" && hint != "refresh_token" {
		return nil, Authenticated{}, oauth.UnsupportedTokenType("unsupported_token_type_hint")
	}
	return form, caller, nil
}

// Revocation is POST /oauth/revoke (RFC 7009, SPEC D.8).
type Revocation struct {
	Auth     *ClientAuth
	Verifier TokenVerifier
	Store    Revoker
	// Refresh makes the revocation visible to this instance at once.
	Refresh func(ctx context.Context) error
	Log     *slog.Logger
	Now     func() time.Time
}

func (h *Revocation) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	form, caller, err := authenticated(w, r, h.Auth)
	if err != nil {
		oauth.WriteError(w, h.Log, err)
		return
	}
	raw := form.Get("token")
	if raw == "" {
		oauth.WriteError(w, h.Log, oauth.InvalidRequest("missing_token"))
		return
	}
	c, err := h.Verifier.Verify(raw, "")
	if err != nil {
		// Invalid, unknown or expired tokens are answered 200 (REV-03).
		oauth.WriteJSON(w, http.StatusOK, struct{}{})
		return
	}
	if c.ClientID != caller.Client.ID {
		// Only the client a token was issued to may revoke it (REV-02 (P)).
		oauth.WriteError(w, h.Log, oauth.InvalidRequest("token_of_other_client"))
		return
	}
	if err := h.revoke(r.Context(), r, c); err != nil {
		oauth.WriteError(w, h.Log, oauth.ServerError("revocation_write_failed").WithCause(err))
		return
	}
	oauth.WriteJSON(w, http.StatusOK, struct{}{})
}

func (h *Revocation) revoke(ctx context.Context, r *http.Request, c token.Claims) error {
	now := h.Now()
	rev := storage.Revocation{Kind: storage.RevokeToken, Value: c.JTI, At: now.UTC(), ExpiresAt: time.Unix(c.Expiry, 0).UTC().Add(time.Minute), Reason: "client_request"}
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	ev := newEvent(r, now)
	ev.Type, ev.Outcome, ev.ClientID, ev.Subject, ev.Resource, ev.TokenJTI = EventRevoked, OutcomeSuccess, c.ClientID, c.Subject, c.Audience, c.JTI
	ev.IdPID = c.IdPID
	err := h.Store.WithTx(wctx, func(tx storage.Tx) error {
		if err := tx.AddRevocation(wctx, rev); err != nil {
			return err
		}
		_, err := tx.AppendAudit(wctx, ev)
		return err
	})
	if err != nil {
		return err
	}
	if h.Refresh != nil {
		if err := h.Refresh(wctx); err != nil && !errors.Is(err, context.Canceled) {
			h.Log.Warn("catalog refresh after revocation failed", "err", err, "jti", c.JTI)
		}
	}
	return nil
}
