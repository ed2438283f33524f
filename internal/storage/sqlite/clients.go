package sqlite

import (
	"context"
	"database/sql"
	"time"

	"github.com/authplane/authplane/internal/storage"
)

func clientsTable() table[storage.Client] {
	return table[storage.Client]{
		name: "clients",
		cols: []string{"id", "name", "grant_types", "auth_method", "secret_hash", "jwks", "jwks_uri",
			"allowed_idps", "enabled", "created_at", "updated_at"},
		keys: 1,
		args: func(c storage.Client) ([]any, error) {
			if err := requireID(c.ID); err != nil {
				return nil, err
			}
			grants, err := jsonText(c.GrantTypes)
			if err != nil {
				return nil, err
			}
			idps, err := jsonText(c.AllowedIdPs)
			if err != nil {
				return nil, err
			}
			return []any{c.ID, c.Name, grants, c.AuthMethod, blob(c.SecretHash), rawText(c.JWKS), c.JWKSURI,
				idps, c.Enabled, millis(c.CreatedAt), millis(c.UpdatedAt)}, nil
		},
		scan: scanClient,
	}
}

func scanClient(sc scanner) (storage.Client, error) {
	var (
		c                storage.Client
		grants, idps     string
		jwks             sql.NullString
		created, updated sql.NullInt64
	)
	if err := sc.Scan(&c.ID, &c.Name, &grants, &c.AuthMethod, &c.SecretHash, &jwks, &c.JWKSURI,
		&idps, &c.Enabled, &created, &updated); err != nil {
		return c, err
	}
	c.SecretHash, c.JWKS = fromBlob(c.SecretHash), fromRawText(jwks)
	c.CreatedAt, c.UpdatedAt = fromMillis(created), fromMillis(updated)
	if err := fromJSON(grants, &c.GrantTypes); err != nil {
		return c, err
	}
	return c, fromJSON(idps, &c.AllowedIdPs)
}

// CreateClient implements storage.Clients.
func (o *ops) CreateClient(ctx context.Context, c storage.Client) error {
	return wrap("create client", clientsTable().create(ctx, o, c))
}

// GetClient implements storage.Clients.
func (o *ops) GetClient(ctx context.Context, id string) (storage.Client, error) {
	return wrapV[storage.Client]("get client")(clientsTable().get(ctx, o, id))
}

// UpdateClient implements storage.Clients.
func (o *ops) UpdateClient(ctx context.Context, c storage.Client) error {
	return wrap("update client", clientsTable().update(ctx, o, c))
}

// DeleteClient implements storage.Clients.
func (o *ops) DeleteClient(ctx context.Context, id string) error {
	return wrap("delete client", clientsTable().delete(ctx, o, id))
}

// ListClients implements storage.Clients.
func (o *ops) ListClients(ctx context.Context, p storage.Page) ([]storage.Client, error) {
	p = p.Normalize()
	return wrapV[[]storage.Client]("list clients")(clientsTable().list(ctx, o, p.Limit, p.After))
}

func resourcesTable() table[storage.Resource] {
	return table[storage.Resource]{
		name: "resources",
		cols: []string{"id", "uri", "name", "scopes", "access_token_ttl", "enabled", "created_at", "updated_at"},
		keys: 1,
		args: func(r storage.Resource) ([]any, error) {
			if err := requireID(r.ID); err != nil {
				return nil, err
			}
			scopes, err := jsonText(r.Scopes)
			if err != nil {
				return nil, err
			}
			return []any{r.ID, r.URI, r.Name, scopes, int64(r.AccessTokenTTL), r.Enabled,
				millis(r.CreatedAt), millis(r.UpdatedAt)}, nil
		},
		scan: func(sc scanner) (storage.Resource, error) {
			var (
				r                storage.Resource
				scopes           string
				ttl              int64
				created, updated sql.NullInt64
			)
			if err := sc.Scan(&r.ID, &r.URI, &r.Name, &scopes, &ttl, &r.Enabled, &created, &updated); err != nil {
				return r, err
			}
			r.AccessTokenTTL = time.Duration(ttl)
			r.CreatedAt, r.UpdatedAt = fromMillis(created), fromMillis(updated)
			return r, fromJSON(scopes, &r.Scopes)
		},
	}
}

// CreateResource implements storage.Resources.
func (o *ops) CreateResource(ctx context.Context, r storage.Resource) error {
	return wrap("create resource", resourcesTable().create(ctx, o, r))
}

// GetResource implements storage.Resources.
func (o *ops) GetResource(ctx context.Context, id string) (storage.Resource, error) {
	return wrapV[storage.Resource]("get resource")(resourcesTable().get(ctx, o, id))
}

// UpdateResource implements storage.Resources.
func (o *ops) UpdateResource(ctx context.Context, r storage.Resource) error {
	return wrap("update resource", resourcesTable().update(ctx, o, r))
}

// DeleteResource implements storage.Resources.
func (o *ops) DeleteResource(ctx context.Context, id string) error {
	return wrap("delete resource", resourcesTable().delete(ctx, o, id))
}

// ListResources implements storage.Resources.
func (o *ops) ListResources(ctx context.Context, p storage.Page) ([]storage.Resource, error) {
	p = p.Normalize()
	return wrapV[[]storage.Resource]("list resources")(resourcesTable().list(ctx, o, p.Limit, p.After))
}
