package admin

import (
	"context"
	"time"

	"github.com/authplane/authplane/internal/storage"
)

// Bounds of a resource's access-token lifetime override.
const (
	minAccessTokenTTL = time.Minute
	maxAccessTokenTTL = time.Hour
)

// ResourceDTO is the JSON shape of a protected resource (an MCP server).
// AccessTokenTTL zero means the server default; Enabled nil means true.
type ResourceDTO struct {
	ID             string    `json:"id"`
	URI            string    `json:"uri"`
	Name           string    `json:"name"`
	Scopes         []string  `json:"scopes"`
	AccessTokenTTL Duration  `json:"access_token_ttl,omitzero"`
	Enabled        *bool     `json:"enabled"`
	CreatedAt      time.Time `json:"created_at,omitzero"`
	UpdatedAt      time.Time `json:"updated_at,omitzero"`
}

// Storage converts d to a storage record; timestamps are left to the service.
func (d ResourceDTO) Storage() storage.Resource {
	return storage.Resource{
		ID: d.ID, URI: d.URI, Name: d.Name, Scopes: cloneStrings(d.Scopes),
		AccessTokenTTL: time.Duration(d.AccessTokenTTL), Enabled: enabled(d.Enabled),
	}
}

// ResourceFromStorage converts a stored resource.
func ResourceFromStorage(r storage.Resource) ResourceDTO {
	return ResourceDTO{
		ID: r.ID, URI: r.URI, Name: r.Name, Scopes: cloneStrings(r.Scopes), AccessTokenTTL: Duration(r.AccessTokenTTL),
		Enabled: ptr(r.Enabled), CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt,
	}
}

// resourceTag correlates a resource event.
func resourceTag(r storage.Resource) func(*storage.AuditEvent) {
	return func(e *storage.AuditEvent) { e.Resource = r.URI }
}

// checkResource validates a resource record.
func (s *Service) checkResource(r storage.Resource) error {
	var p problems
	p.checkID("id", r.ID)
	if r.URI == "" {
		p.add("uri", "is required")
	} else if reason := urlReason(r.URI, true); reason != "" {
		p.add("uri", reason)
	}
	p.checkText("name", r.Name, maxNameLen)
	p.checkList("scopes", r.Scopes, scopeReason)
	hi := min(maxAccessTokenTTL, s.d.MaxTokenLifetime)
	if ttl := r.AccessTokenTTL; ttl != 0 && (ttl < minAccessTokenTTL || ttl > hi) {
		p.addf("access_token_ttl", "must be 0 (server default) or between %s and %s", Duration(minAccessTokenTTL), Duration(hi))
	}
	return p.err()
}

// GetResource returns the resource with id.
func (s *Service) GetResource(ctx context.Context, id string) (ResourceDTO, error) {
	r, err := s.d.Store.GetResource(ctx, id)
	if err != nil {
		return ResourceDTO{}, err
	}
	return ResourceFromStorage(r), nil
}

// ListResources returns one page of resources ordered by id.
func (s *Service) ListResources(ctx context.Context, q ListQuery) (ListResult[ResourceDTO], error) {
	return listPage(ctx, q, s.d.Store.ListResources, resourceIDKey, ResourceFromStorage)
}

// CreateResource registers a resource; its id and uri must be unused.
func (s *Service) CreateResource(ctx context.Context, c Caller, in ResourceDTO) (ResourceDTO, error) {
	rec := in.Storage()
	if err := s.checkResource(rec); err != nil {
		return ResourceDTO{}, err
	}
	var out ResourceDTO
	err := s.d.Store.WithTx(ctx, func(tx storage.Tx) error {
		var err error
		out, err = s.createResource(ctx, tx, c, rec)
		return err
	})
	return out, err
}

// createResource writes a validated new resource and its audit event.
func (s *Service) createResource(ctx context.Context, tx storage.Tx, c Caller, rec storage.Resource) (ResourceDTO, error) {
	now := s.now()
	rec.CreatedAt, rec.UpdatedAt = now, now
	if err := tx.CreateResource(ctx, rec); err != nil {
		return ResourceDTO{}, conflict(err, "a resource with id "+quote(rec.ID)+" or uri "+quote(rec.URI)+" already exists")
	}
	stored, err := tx.GetResource(ctx, rec.ID)
	if err != nil {
		return ResourceDTO{}, err
	}
	out := ResourceFromStorage(stored)
	return out, s.record(ctx, tx, c, "admin.resource.create", nil, out, resourceTag(stored))
}

// UpdateResource replaces the resource with id. It fails with a conflict if
// a policy would be left granting a scope no resource it applies to has.
func (s *Service) UpdateResource(ctx context.Context, c Caller, id string, in ResourceDTO) (ResourceDTO, error) {
	if in.ID != "" && in.ID != id {
		return ResourceDTO{}, idMismatch("id")
	}
	in.ID = id
	rec := in.Storage()
	var out ResourceDTO
	err := s.d.Store.WithTx(ctx, func(tx storage.Tx) error {
		before, err := tx.GetResource(ctx, id)
		if err != nil {
			return err
		}
		if err := s.checkResource(rec); err != nil {
			return err
		}
		if out, err = s.updateResource(ctx, tx, c, before, rec); err != nil {
			return err
		}
		return resourceReferrers(ctx, tx, id, false)
	})
	return out, err
}

// updateResource writes a validated replacement of before and its audit
// event; the caller checks that every policy's scopes still exist.
func (s *Service) updateResource(ctx context.Context, tx storage.Tx, c Caller, before, rec storage.Resource) (ResourceDTO, error) {
	rec.CreatedAt, rec.UpdatedAt = before.CreatedAt, s.now()
	if err := tx.UpdateResource(ctx, rec); err != nil {
		return ResourceDTO{}, conflict(err, "another resource already uses uri "+quote(rec.URI))
	}
	stored, err := tx.GetResource(ctx, rec.ID)
	if err != nil {
		return ResourceDTO{}, err
	}
	out := ResourceFromStorage(stored)
	return out, s.record(ctx, tx, c, "admin.resource.update", ResourceFromStorage(before), out, resourceTag(stored))
}

// DeleteResource removes the resource with id unless a policy references it
// or depends on one of its scopes.
func (s *Service) DeleteResource(ctx context.Context, c Caller, id string) error {
	return s.d.Store.WithTx(ctx, func(tx storage.Tx) error {
		before, err := tx.GetResource(ctx, id)
		if err != nil {
			return err
		}
		if err := tx.DeleteResource(ctx, id); err != nil {
			return err
		}
		if err := resourceReferrers(ctx, tx, id, true); err != nil {
			return err
		}
		return s.record(ctx, tx, c, "admin.resource.delete", ResourceFromStorage(before), nil, resourceTag(before))
	})
}
