package admin

import (
	"context"
	"time"

	"github.com/authplane/authplane/internal/storage"
)

// RevocationRequest asks to revoke every token of a client, a subject or an
// IdP issued at or before now.
type RevocationRequest struct {
	// Kind is storage.RevokeClient, RevokeSubject or RevokeIdP.
	Kind   string `json:"kind"`
	Value  string `json:"value"`
	Reason string `json:"reason,omitempty"`
}

// RevocationDTO is the JSON shape of a revocation. ExpiresAt is when the
// record may be purged: every token it covers has expired by then.
type RevocationDTO struct {
	Kind      string    `json:"kind"`
	Value     string    `json:"value"`
	At        time.Time `json:"at"`
	ExpiresAt time.Time `json:"expires_at"`
	Reason    string    `json:"reason,omitempty"`
}

// RevocationFromStorage converts a stored revocation.
func RevocationFromStorage(r storage.Revocation) RevocationDTO {
	return RevocationDTO{Kind: r.Kind, Value: r.Value, At: r.At, ExpiresAt: r.ExpiresAt, Reason: r.Reason}
}

// revocationTag correlates a revocation event with what it revokes.
func revocationTag(r storage.Revocation) func(*storage.AuditEvent) {
	return func(e *storage.AuditEvent) {
		switch r.Kind {
		case storage.RevokeClient:
			e.ClientID = r.Value
		case storage.RevokeIdP:
			e.IdPID = r.Value
		case storage.RevokeSubject:
			e.Subject = r.Value
		case storage.RevokeToken:
			e.TokenJTI = r.Value
		}
	}
}

// Revoke revokes every token of a client, subject or IdP issued at or
// before now. Revoking the same target again moves the cut-off to now.
func (s *Service) Revoke(ctx context.Context, c Caller, in RevocationRequest) (RevocationDTO, error) {
	var p problems
	if reason := oneOf(storage.RevokeClient, storage.RevokeSubject, storage.RevokeIdP)(in.Kind); reason != "" {
		p.add("kind", reason)
	}
	p.checkValue("value", in.Value)
	p.checkText("reason", in.Reason, maxTextLen)
	if err := p.err(); err != nil {
		return RevocationDTO{}, err
	}
	return s.revoke(ctx, c, in, "admin.revocation.create")
}

// RevokeToken revokes the access token with this jti.
func (s *Service) RevokeToken(ctx context.Context, c Caller, jti string) error {
	var p problems
	p.checkValue("jti", jti)
	if err := p.err(); err != nil {
		return err
	}
	_, err := s.revoke(ctx, c, RevocationRequest{Kind: storage.RevokeToken, Value: jti}, "admin.token.revoke")
	return err
}

// revoke records a validated revocation, kept as long as a token issued now
// may live, with its audit event.
func (s *Service) revoke(ctx context.Context, c Caller, in RevocationRequest, typ string) (RevocationDTO, error) {
	now := s.now()
	rec := storage.Revocation{Kind: in.Kind, Value: in.Value, At: now, ExpiresAt: now.Add(s.d.MaxTokenLifetime), Reason: in.Reason}
	out := RevocationFromStorage(rec)
	err := s.d.Store.WithTx(ctx, func(tx storage.Tx) error {
		if err := tx.AddRevocation(ctx, rec); err != nil {
			return err
		}
		return s.record(ctx, tx, c, typ, nil, out, revocationTag(rec))
	})
	if err != nil {
		return RevocationDTO{}, err
	}
	return out, nil
}

// ListRevocations lists every unexpired revocation.
func (s *Service) ListRevocations(ctx context.Context) (Items[RevocationDTO], error) {
	rs, err := s.d.Store.ListRevocations(ctx, s.now())
	if err != nil {
		return Items[RevocationDTO]{}, err
	}
	out := Items[RevocationDTO]{Items: make([]RevocationDTO, 0, len(rs))}
	for _, r := range rs {
		out.Items = append(out.Items, RevocationFromStorage(r))
	}
	return out, nil
}
