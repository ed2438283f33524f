package sqlite

import (
	"context"
	"database/sql"
	"time"

	"github.com/authplane/authplane/internal/storage"
)

func idpsTable() table[storage.IdP] {
	return table[storage.IdP]{
		name: "idps",
		cols: []string{"id", "issuer", "jwks_uri", "allowed_algs", "max_assertion_lifetime", "clock_skew",
			"groups_claim", "subject_mode", "email_domains", "client_id_map", "allowed_hosts", "tenant",
			"enabled", "created_at", "updated_at"},
		keys: 1,
		args: idpArgs,
		scan: scanIdP,
	}
}

func idpArgs(p storage.IdP) ([]any, error) {
	if err := requireID(p.ID); err != nil {
		return nil, err
	}
	var lists [4]string
	for i, v := range []any{p.AllowedAlgs, p.EmailDomains, p.ClientIDMap, p.AllowedHosts} {
		s, err := jsonText(v)
		if err != nil {
			return nil, err
		}
		lists[i] = s
	}
	return []any{p.ID, p.Issuer, p.JWKSURI, lists[0], int64(p.MaxAssertionLifetime), int64(p.ClockSkew),
		p.GroupsClaim, p.SubjectMode, lists[1], lists[2], lists[3], p.Tenant,
		p.Enabled, millis(p.CreatedAt), millis(p.UpdatedAt)}, nil
}

func scanIdP(sc scanner) (storage.IdP, error) {
	var (
		p                           storage.IdP
		algs, domains, idMap, hosts string
		maxLifetime, skew           int64
		created, updated            sql.NullInt64
	)
	if err := sc.Scan(&p.ID, &p.Issuer, &p.JWKSURI, &algs, &maxLifetime, &skew,
		&p.GroupsClaim, &p.SubjectMode, &domains, &idMap, &hosts, &p.Tenant,
		&p.Enabled, &created, &updated); err != nil {
		return p, err
	}
	p.MaxAssertionLifetime, p.ClockSkew = time.Duration(maxLifetime), time.Duration(skew)
	p.CreatedAt, p.UpdatedAt = fromMillis(created), fromMillis(updated)
	for _, f := range []struct {
		col string
		dst any
	}{{algs, &p.AllowedAlgs}, {domains, &p.EmailDomains}, {idMap, &p.ClientIDMap}, {hosts, &p.AllowedHosts}} {
		if err := fromJSON(f.col, f.dst); err != nil {
			return p, err
		}
	}
	return p, nil
}

// CreateIdP implements storage.IdPs.
func (o *ops) CreateIdP(ctx context.Context, p storage.IdP) error {
	return wrap("create idp", idpsTable().create(ctx, o, p))
}

// GetIdP implements storage.IdPs.
func (o *ops) GetIdP(ctx context.Context, id string) (storage.IdP, error) {
	return wrapV[storage.IdP]("get idp")(idpsTable().get(ctx, o, id))
}

// UpdateIdP implements storage.IdPs.
func (o *ops) UpdateIdP(ctx context.Context, p storage.IdP) error {
	return wrap("update idp", idpsTable().update(ctx, o, p))
}

// DeleteIdP implements storage.IdPs.
func (o *ops) DeleteIdP(ctx context.Context, id string) error {
	return wrap("delete idp", idpsTable().delete(ctx, o, id))
}

// ListIdPs implements storage.IdPs.
func (o *ops) ListIdPs(ctx context.Context, p storage.Page) ([]storage.IdP, error) {
	p = p.Normalize()
	return wrapV[[]storage.IdP]("list idps")(idpsTable().list(ctx, o, p.Limit, p.After))
}
