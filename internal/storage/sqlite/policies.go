package sqlite

import (
	"context"
	"database/sql"
	"time"

	"github.com/authplane/authplane/internal/storage"
)

// requirementJSON is the stored form of storage.Requirement; explicit tags
// keep the column format independent of Go field names.
type requirementJSON struct {
	AMRAny     []string `json:"amr_any"`
	ACRAny     []string `json:"acr_any"`
	MaxAuthAge int64    `json:"max_auth_age_ns"`
}

func policiesTable() table[storage.Policy] {
	return table[storage.Policy]{
		name: "policies",
		cols: []string{"id", "description", "effect", "idps", "clients", "resources", "groups_any",
			"subjects", "require", "scopes", "condition", "enabled", "created_at", "updated_at"},
		keys: 1,
		args: policyArgs,
		scan: scanPolicy,
	}
}

func policyArgs(p storage.Policy) ([]any, error) {
	if err := requireID(p.ID); err != nil {
		return nil, err
	}
	var req *requirementJSON
	if p.Require != nil {
		req = &requirementJSON{AMRAny: p.Require.AMRAny, ACRAny: p.Require.ACRAny, MaxAuthAge: int64(p.Require.MaxAuthAge)}
	}
	var cols [7]string
	for i, v := range []any{p.IdPs, p.Clients, p.Resources, p.GroupsAny, p.Subjects, req, p.Scopes} {
		s, err := jsonText(v)
		if err != nil {
			return nil, err
		}
		cols[i] = s
	}
	return []any{p.ID, p.Description, p.Effect, cols[0], cols[1], cols[2], cols[3], cols[4], cols[5], cols[6],
		p.Condition, p.Enabled, millis(p.CreatedAt), millis(p.UpdatedAt)}, nil
}

func scanPolicy(sc scanner) (storage.Policy, error) {
	var (
		p                storage.Policy
		cols             [7]string
		created, updated sql.NullInt64
	)
	if err := sc.Scan(&p.ID, &p.Description, &p.Effect, &cols[0], &cols[1], &cols[2], &cols[3], &cols[4],
		&cols[5], &cols[6], &p.Condition, &p.Enabled, &created, &updated); err != nil {
		return p, err
	}
	p.CreatedAt, p.UpdatedAt = fromMillis(created), fromMillis(updated)
	var req *requirementJSON
	for i, dst := range []any{&p.IdPs, &p.Clients, &p.Resources, &p.GroupsAny, &p.Subjects, &req, &p.Scopes} {
		if err := fromJSON(cols[i], dst); err != nil {
			return p, err
		}
	}
	if req != nil {
		p.Require = &storage.Requirement{AMRAny: req.AMRAny, ACRAny: req.ACRAny, MaxAuthAge: time.Duration(req.MaxAuthAge)}
	}
	return p, nil
}

// CreatePolicy implements storage.Policies.
func (o *ops) CreatePolicy(ctx context.Context, p storage.Policy) error {
	return wrap("create policy", policiesTable().create(ctx, o, p))
}

// GetPolicy implements storage.Policies.
func (o *ops) GetPolicy(ctx context.Context, id string) (storage.Policy, error) {
	return wrapV[storage.Policy]("get policy")(policiesTable().get(ctx, o, id))
}

// UpdatePolicy implements storage.Policies.
func (o *ops) UpdatePolicy(ctx context.Context, p storage.Policy) error {
	return wrap("update policy", policiesTable().update(ctx, o, p))
}

// DeletePolicy implements storage.Policies.
func (o *ops) DeletePolicy(ctx context.Context, id string) error {
	return wrap("delete policy", policiesTable().delete(ctx, o, id))
}

// ListPolicies implements storage.Policies.
func (o *ops) ListPolicies(ctx context.Context, p storage.Page) ([]storage.Policy, error) {
	p = p.Normalize()
	return wrapV[[]storage.Policy]("list policies")(policiesTable().list(ctx, o, p.Limit, p.After))
}
