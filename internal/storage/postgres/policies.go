package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/authplane/authplane/internal/storage"
)

const policyCols = `id, description, effect, idps, clients, resources, groups_any, subjects, require,
	scopes, condition, enabled, created_at, updated_at`

// requirementDoc is the JSONB form of a storage.Requirement (DESIGN.md §5
// names); the lists keep the nil/empty distinction.
type requirementDoc struct {
	AMRAny     []string `json:"amr_any"`
	ACRAny     []string `json:"acr_any"`
	MaxAuthAge int64    `json:"max_auth_age_ns"`
}

func toRequirementDoc(r *storage.Requirement) *requirementDoc {
	if r == nil {
		return nil
	}
	return &requirementDoc{AMRAny: r.AMRAny, ACRAny: r.ACRAny, MaxAuthAge: int64(r.MaxAuthAge)}
}

func fromRequirementDoc(d *requirementDoc) *storage.Requirement {
	if d == nil {
		return nil
	}
	return &storage.Requirement{AMRAny: d.AMRAny, ACRAny: d.ACRAny, MaxAuthAge: time.Duration(d.MaxAuthAge)}
}

// policyArgs returns p's column values in policyCols order.
func policyArgs(p storage.Policy) ([]any, error) {
	l, err := encodeLists(p.IdPs, p.Clients, p.Resources, p.GroupsAny, p.Subjects,
		toRequirementDoc(p.Require), p.Scopes)
	if err != nil {
		return nil, err
	}
	return []any{p.ID, p.Description, p.Effect, l[0], l[1], l[2], l[3], l[4], l[5], l[6],
		p.Condition, p.Enabled, ts(p.CreatedAt), ts(p.UpdatedAt)}, nil
}

func scanPolicy(row pgx.Row) (storage.Policy, error) {
	var (
		p                                                   storage.Policy
		idps, clients, resources, groups, subjects, req, sc []byte
		createdAt, updatedAt                                pgtype.Timestamptz
		reqDoc                                              *requirementDoc
	)
	err := row.Scan(&p.ID, &p.Description, &p.Effect, &idps, &clients, &resources, &groups,
		&subjects, &req, &sc, &p.Condition, &p.Enabled, &createdAt, &updatedAt)
	if err != nil {
		return storage.Policy{}, err
	}
	p.CreatedAt, p.UpdatedAt = fromTS(createdAt), fromTS(updatedAt)
	err = decodeJSON(jsonField{idps, &p.IdPs}, jsonField{clients, &p.Clients},
		jsonField{resources, &p.Resources}, jsonField{groups, &p.GroupsAny},
		jsonField{subjects, &p.Subjects}, jsonField{req, &reqDoc}, jsonField{sc, &p.Scopes})
	p.Require = fromRequirementDoc(reqDoc)
	return p, err
}

// CreatePolicy inserts p; ErrConflict if its id exists.
func (q queries) CreatePolicy(ctx context.Context, p storage.Policy) error {
	args, err := policyArgs(p)
	if err != nil {
		return wrapErr("create policy", err)
	}
	_, err = q.db.Exec(ctx, `INSERT INTO policies (`+policyCols+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`, args...)
	return wrapErr("create policy", err)
}

// GetPolicy returns the policy id; ErrNotFound if absent.
func (q queries) GetPolicy(ctx context.Context, id string) (storage.Policy, error) {
	p, err := scanPolicy(q.db.QueryRow(ctx, `SELECT `+policyCols+` FROM policies WHERE id = $1`, id))
	return p, wrapErr("get policy", err)
}

// UpdatePolicy replaces the policy p.ID;
// ErrNotFound if absent.
func (q queries) UpdatePolicy(ctx context.Context, p storage.Policy) error {
	args, err := policyArgs(p)
	if err != nil {
		return wrapErr("update policy", err)
	}
	return q.execOne(ctx, "update policy", `UPDATE policies SET description = $2, effect = $3,
		idps = $4, clients = $5, resources = $6, groups_any = $7, subjects = $8, require = $9,
		scopes = $10, condition = $11, enabled = $12, created_at = $13,
		updated_at = $14 WHERE id = $1`, args...)
}

// DeletePolicy removes the policy id; ErrNotFound if absent.
func (q queries) DeletePolicy(ctx context.Context, id string) error {
	return q.execOne(ctx, "delete policy", `DELETE FROM policies WHERE id = $1`, id)
}

// ListPolicies returns policies in id order after p.After.
func (q queries) ListPolicies(ctx context.Context, p storage.Page) ([]storage.Policy, error) {
	after, limit := page(p)
	return listRows(ctx, q, "list policies", scanPolicy,
		`SELECT `+policyCols+` FROM policies WHERE id > $1 ORDER BY id LIMIT $2`, after, limit)
}
