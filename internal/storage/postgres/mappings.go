package postgres

import (
	"context"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/authplane/authplane/internal/storage"
)

const mappingCols = `idp_id, external_subject, local_subject, enabled, created_at, updated_at`

func scanMapping(row pgx.Row) (storage.SubjectMapping, error) {
	var (
		m                    storage.SubjectMapping
		createdAt, updatedAt pgtype.Timestamptz
	)
	err := row.Scan(&m.IdPID, &m.ExternalSubject, &m.LocalSubject, &m.Enabled, &createdAt, &updatedAt)
	m.CreatedAt, m.UpdatedAt = fromTS(createdAt), fromTS(updatedAt)
	return m, err
}

// CreateSubjectMapping inserts m; ErrConflict if (IdPID, ExternalSubject)
// exists.
func (q queries) CreateSubjectMapping(ctx context.Context, m storage.SubjectMapping) error {
	_, err := q.db.Exec(ctx, `INSERT INTO subject_mappings (`+mappingCols+`)
		VALUES ($1, $2, $3, $4, $5, $6)`,
		m.IdPID, m.ExternalSubject, m.LocalSubject, m.Enabled, ts(m.CreatedAt), ts(m.UpdatedAt))
	return wrapErr("create subject mapping", err)
}

// GetSubjectMapping returns the mapping of (idpID, externalSubject);
// ErrNotFound if absent.
func (q queries) GetSubjectMapping(ctx context.Context, idpID, externalSubject string) (storage.SubjectMapping, error) {
	m, err := scanMapping(q.db.QueryRow(ctx, `SELECT `+mappingCols+` FROM subject_mappings
		WHERE idp_id = $1 AND external_subject = $2`, idpID, externalSubject))
	return m, wrapErr("get subject mapping", err)
}

// UpdateSubjectMapping replaces the mapping of (m.IdPID, m.ExternalSubject),
// ErrNotFound if absent.
func (q queries) UpdateSubjectMapping(ctx context.Context, m storage.SubjectMapping) error {
	return q.execOne(ctx, "update subject mapping", `UPDATE subject_mappings SET local_subject = $3,
		enabled = $4, created_at = $5, updated_at = $6
		WHERE idp_id = $1 AND external_subject = $2`,
		m.IdPID, m.ExternalSubject, m.LocalSubject, m.Enabled, ts(m.CreatedAt), ts(m.UpdatedAt))
}

// DeleteSubjectMapping removes the mapping of (idpID, externalSubject);
// ErrNotFound if absent.
func (q queries) DeleteSubjectMapping(ctx context.Context, idpID, externalSubject string) error {
	return q.execOne(ctx, "delete subject mapping", `DELETE FROM subject_mappings
		WHERE idp_id = $1 AND external_subject = $2`, idpID, externalSubject)
}

// ListSubjectMappings returns mappings in (IdPID, ExternalSubject) order
// after the cursor "<idp_id>\x00<external_subject>".
func (q queries) ListSubjectMappings(ctx context.Context, p storage.Page) ([]storage.SubjectMapping, error) {
	after, limit := page(p)
	idpID, subject, _ := strings.Cut(after, "\x00")
	return listRows(ctx, q, "list subject mappings", scanMapping, `SELECT `+mappingCols+`
		FROM subject_mappings WHERE (idp_id, external_subject) > ($1, $2)
		ORDER BY idp_id, external_subject LIMIT $3`, idpID, subject, limit)
}
