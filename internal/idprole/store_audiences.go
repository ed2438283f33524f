package idprole

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/authplane/authplane/internal/storage"
)

const audienceCols = "id, issuer, aliases_json, resources_json, scopes_json, client_id_map_json, created_at"

// insertAudience stores a in one transaction that first checks that no
// registered audience already answers to a's issuer or one of its aliases,
// so every audience value resolves to exactly one resource AS.
func (s *store) insertAudience(ctx context.Context, a Audience) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		existing, err := listAudiencesIn(ctx, tx)
		if err != nil {
			return err
		}
		names := append([]string{a.Issuer}, a.Aliases...)
		for _, e := range existing {
			for _, n := range names {
				if e.answersTo(n) {
					return fmt.Errorf("%w: audience value %q is already registered by audience %s", errConflict, n, e.ID)
				}
			}
		}
		return execOne(ctx, tx, errConflict, "audience "+a.ID,
			"INSERT INTO audiences ("+audienceCols+") VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
			a.ID, a.Issuer, toJSON(nonNil(a.Aliases)), toJSON(nonNil(a.Resources)), toJSON(a.Scopes),
			toJSON(a.ClientIDMap), ms(a.CreatedAt))
	})
}

// answersTo reports whether v names a: its issuer or one of its aliases.
func (a Audience) answersTo(v string) bool {
	if v == a.Issuer {
		return true
	}
	for _, al := range a.Aliases {
		if v == al {
			return true
		}
	}
	return false
}

func (s *store) listAudiences(ctx context.Context) ([]Audience, error) {
	return listAudiencesIn(ctx, s.db)
}

func listAudiencesIn(ctx context.Context, q interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}) ([]Audience, error) {
	rows, err := q.QueryContext(ctx, "SELECT "+audienceCols+" FROM audiences ORDER BY id")
	if err != nil {
		return nil, fmt.Errorf("idprole: list audiences: %w", err)
	}
	defer rows.Close()
	var out []Audience
	for rows.Next() {
		var a Audience
		var aliases, resources, scopes, cmap string
		var created int64
		if err := rows.Scan(&a.ID, &a.Issuer, &aliases, &resources, &scopes, &cmap, &created); err != nil {
			return nil, fmt.Errorf("idprole: list audiences: %w", err)
		}
		a.CreatedAt = fromMS(created)
		for _, c := range []struct {
			name, val string
			dst       any
		}{{"aliases_json", aliases, &a.Aliases}, {"resources_json", resources, &a.Resources},
			{"scopes_json", scopes, &a.Scopes}, {"client_id_map_json", cmap, &a.ClientIDMap}} {
			if err := fromJSON(c.name, c.val, c.dst); err != nil {
				return nil, err
			}
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

func (s *store) deleteAudience(ctx context.Context, id string) error {
	return execOne(ctx, s.db, errNotFound, "audience "+id, "DELETE FROM audiences WHERE id = ?", id)
}

// insertPolicy appends p after every stored rule and bumps the policy
// generation in the same transaction.
func (s *store) insertPolicy(ctx context.Context, p storage.Policy) error {
	body, err := json.Marshal(p)
	if err != nil {
		return fmt.Errorf("idprole: encode policy: %w", err)
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if err := execOne(ctx, tx, errConflict, "policy "+p.ID,
			`INSERT INTO policies (id, position, body, created_at)
			 VALUES (?, (SELECT COALESCE(MAX(position), 0) + 1 FROM policies), ?, ?) ON CONFLICT DO NOTHING`,
			p.ID, string(body), ms(p.CreatedAt)); err != nil {
			return err
		}
		return bumpPolicyGeneration(ctx, tx)
	})
}

func (s *store) deletePolicy(ctx context.Context, id string) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if err := execOne(ctx, tx, errNotFound, "policy "+id, "DELETE FROM policies WHERE id = ?", id); err != nil {
			return err
		}
		return bumpPolicyGeneration(ctx, tx)
	})
}

func bumpPolicyGeneration(ctx context.Context, tx *sql.Tx) error {
	_, err := tx.ExecContext(ctx, "UPDATE meta SET value = value + 1 WHERE key = 'policy_generation'")
	if err != nil {
		return fmt.Errorf("idprole: bump policy generation: %w", err)
	}
	return nil
}

// listPolicies returns the rules in policy order and the generation they
// were read at, in one read transaction so the two agree.
func (s *store) listPolicies(ctx context.Context) ([]storage.Policy, int64, error) {
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, 0, fmt.Errorf("idprole: list policies: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // read-only
	var gen int64
	if err := tx.QueryRowContext(ctx, "SELECT value FROM meta WHERE key = 'policy_generation'").Scan(&gen); err != nil {
		return nil, 0, fmt.Errorf("idprole: policy generation: %w", err)
	}
	rows, err := tx.QueryContext(ctx, "SELECT body FROM policies ORDER BY position")
	if err != nil {
		return nil, 0, fmt.Errorf("idprole: list policies: %w", err)
	}
	defer rows.Close()
	var out []storage.Policy
	for rows.Next() {
		var body string
		var p storage.Policy
		if err := rows.Scan(&body); err != nil {
			return nil, 0, fmt.Errorf("idprole: list policies: %w", err)
		}
		if err := fromJSON("body", body, &p); err != nil {
			return nil, 0, err
		}
		out = append(out, p)
	}
	return out, gen, rows.Err()
}

func (s *store) policyGeneration(ctx context.Context) (int64, error) {
	var gen int64
	err := s.db.QueryRowContext(ctx, "SELECT value FROM meta WHERE key = 'policy_generation'").Scan(&gen)
	if err != nil {
		return 0, fmt.Errorf("idprole: policy generation: %w", err)
	}
	return gen, nil
}
