package admin

import (
	"bytes"
	"context"
	"encoding/json"
	"time"

	"github.com/authplane/authplane/internal/secret"
	"github.com/authplane/authplane/internal/storage"
)

// GrantJWTBearer is the RFC 7523 grant type, the only one a client may be
// registered for so far.
const GrantJWTBearer = "urn:ietf:params:oauth:grant-type:jwt-bearer"

// ClientDTO is the JSON shape of a client. GrantTypes nil means
// [GrantJWTBearer]; AllowedIdPs nil means any IdP and [] none; Enabled nil
// means true.
type ClientDTO struct {
	ID                      string          `json:"id"`
	Name                    string          `json:"name"`
	GrantTypes              []string        `json:"grant_types"`
	TokenEndpointAuthMethod string          `json:"token_endpoint_auth_method"`
	JWKS                    json.RawMessage `json:"jwks,omitempty"`
	JWKSURI                 string          `json:"jwks_uri,omitempty"`
	AllowedIdPs             []string        `json:"allowed_idps"`
	Enabled                 *bool           `json:"enabled"`
	CreatedAt               time.Time       `json:"created_at,omitzero"`
	UpdatedAt               time.Time       `json:"updated_at,omitzero"`
}

// ClientCreated is a client with the secret generated for it, which is
// shown only in this response.
type ClientCreated struct {
	ClientDTO
	ClientSecret string `json:"client_secret,omitempty"`
}

// ClientSecret is the answer to a secret rotation.
type ClientSecret struct {
	ClientID     string `json:"client_id"`
	ClientSecret string `json:"client_secret"`
}

// Storage converts d to a storage record with defaults applied; timestamps
// and the secret hash are left to the service.
func (d ClientDTO) Storage() storage.Client {
	c := storage.Client{
		ID: d.ID, Name: d.Name, GrantTypes: cloneStrings(d.GrantTypes), AuthMethod: d.TokenEndpointAuthMethod,
		JWKS: compactJSON(d.JWKS), JWKSURI: d.JWKSURI, AllowedIdPs: cloneStrings(d.AllowedIdPs), Enabled: enabled(d.Enabled),
	}
	if c.GrantTypes == nil {
		c.GrantTypes = []string{GrantJWTBearer}
	}
	if c.AuthMethod == "" {
		c.AuthMethod = storage.AuthClientSecretBasic
	}
	return c
}

// ClientFromStorage converts a stored client; the secret hash is dropped.
func ClientFromStorage(c storage.Client) ClientDTO {
	return ClientDTO{
		ID: c.ID, Name: c.Name, GrantTypes: cloneStrings(c.GrantTypes), TokenEndpointAuthMethod: c.AuthMethod,
		JWKS: compactJSON(c.JWKS), JWKSURI: c.JWKSURI, AllowedIdPs: cloneStrings(c.AllowedIdPs),
		Enabled: ptr(c.Enabled), CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt,
	}
}

// compactJSON returns raw without insignificant whitespace; empty and JSON
// null become nil. Invalid JSON is returned unchanged for validation to
// report.
func compactJSON(raw json.RawMessage) json.RawMessage {
	if len(bytes.TrimSpace(raw)) == 0 || string(bytes.TrimSpace(raw)) == "null" {
		return nil
	}
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		return append(json.RawMessage(nil), raw...)
	}
	return b.Bytes()
}

// usesSecret reports whether clients with this method authenticate with a
// shared secret.
func usesSecret(method string) bool {
	return method == storage.AuthClientSecretBasic || method == storage.AuthClientSecretPost
}

// clientTag correlates a client event.
func clientTag(id string) func(*storage.AuditEvent) {
	return func(e *storage.AuditEvent) { e.ClientID = id }
}

// GetClient returns the client with id.
func (s *Service) GetClient(ctx context.Context, id string) (ClientDTO, error) {
	c, err := s.d.Store.GetClient(ctx, id)
	if err != nil {
		return ClientDTO{}, err
	}
	return ClientFromStorage(c), nil
}

// ListClients returns one page of clients ordered by id.
func (s *Service) ListClients(ctx context.Context, q ListQuery) (ListResult[ClientDTO], error) {
	return listPage(ctx, q, s.d.Store.ListClients, func(c storage.Client) string { return c.ID }, ClientFromStorage)
}

// CreateClient registers a client. For the secret methods it generates the
// client secret, stores only its hash and returns it this once.
func (s *Service) CreateClient(ctx context.Context, c Caller, in ClientDTO) (ClientCreated, error) {
	rec := in.Storage()
	var sec string
	if usesSecret(rec.AuthMethod) {
		sec = secret.Generate()
		rec.SecretHash = s.d.Secrets.Hash(sec)
	}
	var out ClientDTO
	err := s.d.Store.WithTx(ctx, func(tx storage.Tx) error {
		if err := s.checkClient(ctx, newRefs(tx), rec); err != nil {
			return err
		}
		var err error
		out, err = s.createClient(ctx, tx, c, rec)
		return err
	})
	if err != nil {
		return ClientCreated{}, err
	}
	return ClientCreated{ClientDTO: out, ClientSecret: sec}, nil
}

// createClient writes a validated new client and its audit event.
func (s *Service) createClient(ctx context.Context, tx storage.Tx, c Caller, rec storage.Client) (ClientDTO, error) {
	now := s.now()
	rec.CreatedAt, rec.UpdatedAt = now, now
	if err := tx.CreateClient(ctx, rec); err != nil {
		return ClientDTO{}, conflict(err, "a client with id "+quote(rec.ID)+" already exists")
	}
	stored, err := tx.GetClient(ctx, rec.ID)
	if err != nil {
		return ClientDTO{}, err
	}
	out := ClientFromStorage(stored)
	return out, s.record(ctx, tx, c, "admin.client.create", nil, out, clientTag(rec.ID))
}

// UpdateClient replaces the client with id. A client switched to a secret
// method without a secret gets one, returned this once; a client switched
// to private_key_jwt loses its secret.
func (s *Service) UpdateClient(ctx context.Context, c Caller, id string, in ClientDTO) (ClientCreated, error) {
	if in.ID != "" && in.ID != id {
		return ClientCreated{}, idMismatch("id")
	}
	in.ID = id
	rec := in.Storage()
	var out ClientCreated
	err := s.d.Store.WithTx(ctx, func(tx storage.Tx) error {
		before, err := tx.GetClient(ctx, id)
		if err != nil {
			return err
		}
		rec.SecretHash = before.SecretHash
		if !usesSecret(rec.AuthMethod) {
			rec.SecretHash = nil
		} else if len(rec.SecretHash) == 0 {
			out.ClientSecret = secret.Generate()
			rec.SecretHash = s.d.Secrets.Hash(out.ClientSecret)
		}
		if err := s.checkClient(ctx, newRefs(tx), rec); err != nil {
			return err
		}
		out.ClientDTO, err = s.updateClient(ctx, tx, c, "admin.client.update", before, rec)
		return err
	})
	if err != nil {
		return ClientCreated{}, err
	}
	return out, nil
}

// updateClient writes a validated replacement of before and its audit event.
func (s *Service) updateClient(ctx context.Context, tx storage.Tx, c Caller, typ string, before, rec storage.Client) (ClientDTO, error) {
	rec.CreatedAt, rec.UpdatedAt = before.CreatedAt, s.now()
	if err := tx.UpdateClient(ctx, rec); err != nil {
		return ClientDTO{}, err
	}
	stored, err := tx.GetClient(ctx, rec.ID)
	if err != nil {
		return ClientDTO{}, err
	}
	out := ClientFromStorage(stored)
	return out, s.record(ctx, tx, c, typ, ClientFromStorage(before), out, clientTag(rec.ID))
}

// DeleteClient removes the client with id unless a policy or an IdP's
// client_id_map still references it.
func (s *Service) DeleteClient(ctx context.Context, c Caller, id string) error {
	return s.d.Store.WithTx(ctx, func(tx storage.Tx) error {
		before, err := tx.GetClient(ctx, id)
		if err != nil {
			return err
		}
		if err := clientReferrers(ctx, tx, id); err != nil {
			return err
		}
		if err := tx.DeleteClient(ctx, id); err != nil {
			return err
		}
		return s.record(ctx, tx, c, "admin.client.delete", ClientFromStorage(before), nil, clientTag(id))
	})
}

// RotateClientSecret replaces the secret of a secret-method client and
// returns the new one, shown only this once. The old secret stops working
// when the transaction commits.
func (s *Service) RotateClientSecret(ctx context.Context, c Caller, id string) (ClientSecret, error) {
	sec := secret.Generate()
	err := s.d.Store.WithTx(ctx, func(tx storage.Tx) error {
		before, err := tx.GetClient(ctx, id)
		if err != nil {
			return err
		}
		if !usesSecret(before.AuthMethod) {
			return &ValidationError{Errors: []FieldError{{"token_endpoint_auth_method", "private_key_jwt clients have no secret to rotate"}}}
		}
		rec := before
		rec.SecretHash = s.d.Secrets.Hash(sec)
		_, err = s.updateClient(ctx, tx, c, "admin.client.rotate_secret", before, rec)
		return err
	})
	if err != nil {
		return ClientSecret{}, err
	}
	return ClientSecret{ClientID: id, ClientSecret: sec}, nil
}

// idMismatch is the problem of a body id that differs from the path.
func idMismatch(field string) error {
	return &ValidationError{Errors: []FieldError{{field, pathMismatch}}}
}

// pathMismatch is the reason given for a body field contradicting the path.
const pathMismatch = "must be absent or equal to the value in the path"

// checkPathValue requires a body field to be absent or equal to the value
// the path names.
func (p *problems) checkPathValue(field, body, path string) {
	if body != "" && body != path {
		p.add(field, pathMismatch)
	}
}
