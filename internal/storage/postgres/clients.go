package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/authplane/authplane/internal/storage"
)

const clientCols = `id, name, grant_types, auth_method, secret_hash, jwks, jwks_uri, allowed_idps,
	enabled, created_at, updated_at`

// clientArgs returns c's column values in clientCols order.
func clientArgs(c storage.Client) ([]any, error) {
	l, err := encodeLists(c.GrantTypes, c.AllowedIdPs)
	if err != nil {
		return nil, err
	}
	return []any{c.ID, c.Name, l[0], c.AuthMethod, c.SecretHash, rawDoc(c.JWKS), c.JWKSURI, l[1],
		c.Enabled, ts(c.CreatedAt), ts(c.UpdatedAt)}, nil
}

func scanClient(row pgx.Row) (storage.Client, error) {
	var (
		c                     storage.Client
		grants, allowed, jwks []byte
		createdAt, updatedAt  pgtype.Timestamptz
	)
	err := row.Scan(&c.ID, &c.Name, &grants, &c.AuthMethod, &c.SecretHash, &jwks, &c.JWKSURI,
		&allowed, &c.Enabled, &createdAt, &updatedAt)
	if err != nil {
		return storage.Client{}, err
	}
	c.JWKS = fromRaw(jwks)
	c.CreatedAt, c.UpdatedAt = fromTS(createdAt), fromTS(updatedAt)
	err = decodeJSON(jsonField{grants, &c.GrantTypes}, jsonField{allowed, &c.AllowedIdPs})
	return c, err
}

// CreateClient inserts c; ErrConflict if its id exists.
func (q queries) CreateClient(ctx context.Context, c storage.Client) error {
	args, err := clientArgs(c)
	if err != nil {
		return wrapErr("create client", err)
	}
	_, err = q.db.Exec(ctx, `INSERT INTO clients (`+clientCols+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`, args...)
	return wrapErr("create client", err)
}

// GetClient returns the client id; ErrNotFound if absent.
func (q queries) GetClient(ctx context.Context, id string) (storage.Client, error) {
	c, err := scanClient(q.db.QueryRow(ctx, `SELECT `+clientCols+` FROM clients WHERE id = $1`, id))
	return c, wrapErr("get client", err)
}

// UpdateClient replaces the client c.ID;
// ErrNotFound if absent.
func (q queries) UpdateClient(ctx context.Context, c storage.Client) error {
	args, err := clientArgs(c)
	if err != nil {
		return wrapErr("update client", err)
	}
	return q.execOne(ctx, "update client", `UPDATE clients SET name = $2, grant_types = $3,
		auth_method = $4, secret_hash = $5, jwks = $6, jwks_uri = $7, allowed_idps = $8,
		enabled = $9, created_at = $10, updated_at = $11
		WHERE id = $1`, args...)
}

// DeleteClient removes the client id; ErrNotFound if absent.
func (q queries) DeleteClient(ctx context.Context, id string) error {
	return q.execOne(ctx, "delete client", `DELETE FROM clients WHERE id = $1`, id)
}

// ListClients returns clients in id order after p.After.
func (q queries) ListClients(ctx context.Context, p storage.Page) ([]storage.Client, error) {
	after, limit := page(p)
	return listRows(ctx, q, "list clients", scanClient,
		`SELECT `+clientCols+` FROM clients WHERE id > $1 ORDER BY id LIMIT $2`, after, limit)
}

// listRows runs a query and scans every row with scan.
func listRows[T any](ctx context.Context, q queries, op string, scan func(pgx.Row) (T, error),
	sql string, args ...any) ([]T, error) {
	rows, err := q.db.Query(ctx, sql, args...)
	if err != nil {
		return nil, wrapErr(op, err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (T, error) { return scan(r) })
	if err != nil {
		return nil, wrapErr(op, err)
	}
	return out, nil
}
