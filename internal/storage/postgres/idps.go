package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/authplane/authplane/internal/storage"
)

const idpCols = `id, issuer, jwks_uri, allowed_algs, max_assertion_lifetime, clock_skew, groups_claim,
	subject_mode, email_domains, client_id_map, allowed_hosts, tenant, enabled, created_at, updated_at`

// idpArgs returns i's column values in idpCols order.
func idpArgs(i storage.IdP) ([]any, error) {
	l, err := encodeLists(i.AllowedAlgs, i.EmailDomains, i.ClientIDMap, i.AllowedHosts)
	if err != nil {
		return nil, err
	}
	return []any{i.ID, i.Issuer, i.JWKSURI, l[0], int64(i.MaxAssertionLifetime), int64(i.ClockSkew),
		i.GroupsClaim, i.SubjectMode, l[1], l[2], l[3], i.Tenant, i.Enabled,
		ts(i.CreatedAt), ts(i.UpdatedAt)}, nil
}

func scanIdP(row pgx.Row) (storage.IdP, error) {
	var (
		i                           storage.IdP
		algs, domains, idMap, hosts []byte
		lifetime, skew              int64
		createdAt, updatedAt        pgtype.Timestamptz
	)
	err := row.Scan(&i.ID, &i.Issuer, &i.JWKSURI, &algs, &lifetime, &skew, &i.GroupsClaim,
		&i.SubjectMode, &domains, &idMap, &hosts, &i.Tenant, &i.Enabled, &createdAt, &updatedAt)
	if err != nil {
		return storage.IdP{}, err
	}
	i.MaxAssertionLifetime, i.ClockSkew = time.Duration(lifetime), time.Duration(skew)
	i.CreatedAt, i.UpdatedAt = fromTS(createdAt), fromTS(updatedAt)
	err = decodeJSON(jsonField{algs, &i.AllowedAlgs}, jsonField{domains, &i.EmailDomains},
		jsonField{idMap, &i.ClientIDMap}, jsonField{hosts, &i.AllowedHosts})
	return i, err
}

// CreateIdP inserts i; ErrConflict on a duplicate id or issuer.
func (q queries) CreateIdP(ctx context.Context, i storage.IdP) error {
	args, err := idpArgs(i)
	if err != nil {
		return wrapErr("create idp", err)
	}
	_, err = q.db.Exec(ctx, `INSERT INTO idps (`+idpCols+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`, args...)
	return wrapErr("create idp", err)
}

// GetIdP returns the IdP id; ErrNotFound if absent.
func (q queries) GetIdP(ctx context.Context, id string) (storage.IdP, error) {
	i, err := scanIdP(q.db.QueryRow(ctx, `SELECT `+idpCols+` FROM idps WHERE id = $1`, id))
	return i, wrapErr("get idp", err)
}

// UpdateIdP replaces the IdP i.ID; ErrNotFound if
// absent, ErrConflict if its new issuer is taken.
func (q queries) UpdateIdP(ctx context.Context, i storage.IdP) error {
	args, err := idpArgs(i)
	if err != nil {
		return wrapErr("update idp", err)
	}
	return q.execOne(ctx, "update idp", `UPDATE idps SET issuer = $2, jwks_uri = $3,
		allowed_algs = $4, max_assertion_lifetime = $5, clock_skew = $6, groups_claim = $7,
		subject_mode = $8, email_domains = $9, client_id_map = $10, allowed_hosts = $11,
		tenant = $12, enabled = $13, created_at = $14, updated_at = $15
		WHERE id = $1`, args...)
}

// DeleteIdP removes the IdP id; ErrNotFound if absent.
func (q queries) DeleteIdP(ctx context.Context, id string) error {
	return q.execOne(ctx, "delete idp", `DELETE FROM idps WHERE id = $1`, id)
}

// ListIdPs returns IdPs in id order after p.After.
func (q queries) ListIdPs(ctx context.Context, p storage.Page) ([]storage.IdP, error) {
	after, limit := page(p)
	return listRows(ctx, q, "list idps", scanIdP,
		`SELECT `+idpCols+` FROM idps WHERE id > $1 ORDER BY id LIMIT $2`, after, limit)
}
