package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/authplane/authplane/internal/storage"
)

const resourceCols = `id, uri, name, scopes, access_token_ttl, enabled, created_at, updated_at`

// resourceArgs returns r's column values in resourceCols order.
func resourceArgs(r storage.Resource) ([]any, error) {
	scopes, err := jsonDoc(r.Scopes)
	if err != nil {
		return nil, err
	}
	return []any{r.ID, r.URI, r.Name, scopes, int64(r.AccessTokenTTL), r.Enabled,
		ts(r.CreatedAt), ts(r.UpdatedAt)}, nil
}

func scanResource(row pgx.Row) (storage.Resource, error) {
	var (
		r                    storage.Resource
		scopes               []byte
		ttl                  int64
		createdAt, updatedAt pgtype.Timestamptz
	)
	err := row.Scan(&r.ID, &r.URI, &r.Name, &scopes, &ttl, &r.Enabled, &createdAt, &updatedAt)
	if err != nil {
		return storage.Resource{}, err
	}
	r.AccessTokenTTL = time.Duration(ttl)
	r.CreatedAt, r.UpdatedAt = fromTS(createdAt), fromTS(updatedAt)
	err = decodeJSON(jsonField{scopes, &r.Scopes})
	return r, err
}

// CreateResource inserts r; ErrConflict on a duplicate id or URI.
func (q queries) CreateResource(ctx context.Context, r storage.Resource) error {
	args, err := resourceArgs(r)
	if err != nil {
		return wrapErr("create resource", err)
	}
	_, err = q.db.Exec(ctx, `INSERT INTO resources (`+resourceCols+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, args...)
	return wrapErr("create resource", err)
}

// GetResource returns the resource id; ErrNotFound if absent.
func (q queries) GetResource(ctx context.Context, id string) (storage.Resource, error) {
	r, err := scanResource(q.db.QueryRow(ctx, `SELECT `+resourceCols+` FROM resources WHERE id = $1`, id))
	return r, wrapErr("get resource", err)
}

// UpdateResource replaces the resource r.ID;
// ErrNotFound if absent, ErrConflict if its new URI is taken.
func (q queries) UpdateResource(ctx context.Context, r storage.Resource) error {
	args, err := resourceArgs(r)
	if err != nil {
		return wrapErr("update resource", err)
	}
	return q.execOne(ctx, "update resource", `UPDATE resources SET uri = $2, name = $3, scopes = $4,
		access_token_ttl = $5, enabled = $6, created_at = $7, updated_at = $8
		WHERE id = $1`, args...)
}

// DeleteResource removes the resource id; ErrNotFound if absent.
func (q queries) DeleteResource(ctx context.Context, id string) error {
	return q.execOne(ctx, "delete resource", `DELETE FROM resources WHERE id = $1`, id)
}

// ListResources returns resources in id order after p.After.
func (q queries) ListResources(ctx context.Context, p storage.Page) ([]storage.Resource, error) {
	after, limit := page(p)
	return listRows(ctx, q, "list resources", scanResource,
		`SELECT `+resourceCols+` FROM resources WHERE id > $1 ORDER BY id LIMIT $2`, after, limit)
}
