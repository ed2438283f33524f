package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/authplane/authplane/internal/storage"
)

func mappingsTable() table[storage.SubjectMapping] {
	return table[storage.SubjectMapping]{
		name: "subject_mappings",
		cols: []string{"idp_id", "external_subject", "local_subject", "enabled", "created_at", "updated_at"},
		keys: 2,
		args: func(m storage.SubjectMapping) ([]any, error) {
			if err := requireID(m.IdPID, m.ExternalSubject); err != nil {
				return nil, err
			}
			return []any{m.IdPID, m.ExternalSubject, m.LocalSubject, m.Enabled, millis(m.CreatedAt), millis(m.UpdatedAt)}, nil
		},
		scan: func(sc scanner) (storage.SubjectMapping, error) {
			var (
				m                storage.SubjectMapping
				created, updated sql.NullInt64
			)
			err := sc.Scan(&m.IdPID, &m.ExternalSubject, &m.LocalSubject, &m.Enabled, &created, &updated)
			m.CreatedAt, m.UpdatedAt = fromMillis(created), fromMillis(updated)
			return m, err
		},
	}
}

// CreateSubjectMapping implements storage.SubjectMappings.
func (o *ops) CreateSubjectMapping(ctx context.Context, m storage.SubjectMapping) error {
	return wrap("create subject mapping", mappingsTable().create(ctx, o, m))
}

// GetSubjectMapping implements storage.SubjectMappings.
func (o *ops) GetSubjectMapping(ctx context.Context, idpID, externalSubject string) (storage.SubjectMapping, error) {
	return wrapV[storage.SubjectMapping]("get subject mapping")(mappingsTable().get(ctx, o, idpID, externalSubject))
}

// UpdateSubjectMapping implements storage.SubjectMappings.
func (o *ops) UpdateSubjectMapping(ctx context.Context, m storage.SubjectMapping) error {
	return wrap("update subject mapping", mappingsTable().update(ctx, o, m))
}

// DeleteSubjectMapping implements storage.SubjectMappings.
func (o *ops) DeleteSubjectMapping(ctx context.Context, idpID, externalSubject string) error {
	return wrap("delete subject mapping", mappingsTable().delete(ctx, o, idpID, externalSubject))
}

// ListSubjectMappings implements storage.SubjectMappings; the cursor is
// "<idp_id>\x00<external_subject>" of the last mapping seen.
func (o *ops) ListSubjectMappings(ctx context.Context, p storage.Page) ([]storage.SubjectMapping, error) {
	p = p.Normalize()
	idpID, sub, ok := strings.Cut(p.After, "\x00")
	if p.After != "" && !ok {
		return nil, wrap("list subject mappings", fmt.Errorf("%w: malformed cursor", storage.ErrInvalid))
	}
	return wrapV[[]storage.SubjectMapping]("list subject mappings")(mappingsTable().list(ctx, o, p.Limit, idpID, sub))
}
