package admin

import (
	"context"
	"time"

	"github.com/authplane/authplane/internal/storage"
)

// SubjectMappingDTO is the JSON shape of a subject mapping: the IdP's
// subject ExternalSubject becomes LocalSubject (subject mode "mapped").
// Enabled nil means true.
type SubjectMappingDTO struct {
	IdPID           string    `json:"idp_id"`
	ExternalSubject string    `json:"external_subject"`
	LocalSubject    string    `json:"local_subject"`
	Enabled         *bool     `json:"enabled"`
	CreatedAt       time.Time `json:"created_at,omitzero"`
	UpdatedAt       time.Time `json:"updated_at,omitzero"`
}

// Storage converts d to a storage record; timestamps are left to the service.
func (d SubjectMappingDTO) Storage() storage.SubjectMapping {
	return storage.SubjectMapping{
		IdPID: d.IdPID, ExternalSubject: d.ExternalSubject, LocalSubject: d.LocalSubject, Enabled: enabled(d.Enabled),
	}
}

// SubjectMappingFromStorage converts a stored subject mapping.
func SubjectMappingFromStorage(m storage.SubjectMapping) SubjectMappingDTO {
	return SubjectMappingDTO{
		IdPID: m.IdPID, ExternalSubject: m.ExternalSubject, LocalSubject: m.LocalSubject,
		Enabled: ptr(m.Enabled), CreatedAt: m.CreatedAt, UpdatedAt: m.UpdatedAt,
	}
}

// mappingTag correlates a subject-mapping event.
func mappingTag(m storage.SubjectMapping) func(*storage.AuditEvent) {
	return func(e *storage.AuditEvent) {
		e.IdPID, e.AssertionSub, e.Subject = m.IdPID, m.ExternalSubject, m.LocalSubject
	}
}

// checkMapping validates a subject mapping, including that its IdP exists.
func checkMapping(ctx context.Context, r *refs, m storage.SubjectMapping) error {
	var p problems
	p.checkID("idp_id", m.IdPID)
	if len(p) == 0 {
		ok, err := r.idp(ctx, m.IdPID)
		if err != nil {
			return err
		}
		if !ok {
			p.addf("idp_id", "no IdP with id %s", quote(m.IdPID))
		}
	}
	p.checkValue("external_subject", m.ExternalSubject)
	p.checkValue("local_subject", m.LocalSubject)
	return p.err()
}

// GetSubjectMapping returns the mapping of externalSubject at idpID.
func (s *Service) GetSubjectMapping(ctx context.Context, idpID, externalSubject string) (SubjectMappingDTO, error) {
	m, err := s.d.Store.GetSubjectMapping(ctx, idpID, externalSubject)
	if err != nil {
		return SubjectMappingDTO{}, err
	}
	return SubjectMappingFromStorage(m), nil
}

// ListSubjectMappings returns one page of mappings ordered by IdP and
// external subject.
func (s *Service) ListSubjectMappings(ctx context.Context, q ListQuery) (ListResult[SubjectMappingDTO], error) {
	return listPage(ctx, q, s.d.Store.ListSubjectMappings, mappingKey, SubjectMappingFromStorage)
}

// CreateSubjectMapping adds a mapping; (idp_id, external_subject) must be
// unused.
func (s *Service) CreateSubjectMapping(ctx context.Context, c Caller, in SubjectMappingDTO) (SubjectMappingDTO, error) {
	rec := in.Storage()
	var out SubjectMappingDTO
	err := s.d.Store.WithTx(ctx, func(tx storage.Tx) error {
		if err := checkMapping(ctx, newRefs(tx), rec); err != nil {
			return err
		}
		var err error
		out, err = s.createMapping(ctx, tx, c, rec)
		return err
	})
	return out, err
}

// createMapping writes a validated new mapping and its audit event.
func (s *Service) createMapping(ctx context.Context, tx storage.Tx, c Caller, rec storage.SubjectMapping) (SubjectMappingDTO, error) {
	now := s.now()
	rec.CreatedAt, rec.UpdatedAt = now, now
	if err := tx.CreateSubjectMapping(ctx, rec); err != nil {
		return SubjectMappingDTO{}, conflict(err, "subject "+quote(rec.ExternalSubject)+" of IdP "+quote(rec.IdPID)+" is already mapped")
	}
	stored, err := tx.GetSubjectMapping(ctx, rec.IdPID, rec.ExternalSubject)
	if err != nil {
		return SubjectMappingDTO{}, err
	}
	out := SubjectMappingFromStorage(stored)
	return out, s.record(ctx, tx, c, "admin.subject_mapping.create", nil, out, mappingTag(stored))
}

// UpdateSubjectMapping replaces the mapping of externalSubject at idpID.
func (s *Service) UpdateSubjectMapping(ctx context.Context, c Caller, idpID, externalSubject string, in SubjectMappingDTO) (SubjectMappingDTO, error) {
	var p problems
	p.checkPathValue("idp_id", in.IdPID, idpID)
	p.checkPathValue("external_subject", in.ExternalSubject, externalSubject)
	if err := p.err(); err != nil {
		return SubjectMappingDTO{}, err
	}
	in.IdPID, in.ExternalSubject = idpID, externalSubject
	rec := in.Storage()
	var out SubjectMappingDTO
	err := s.d.Store.WithTx(ctx, func(tx storage.Tx) error {
		before, err := tx.GetSubjectMapping(ctx, idpID, externalSubject)
		if err != nil {
			return err
		}
		if err := checkMapping(ctx, newRefs(tx), rec); err != nil {
			return err
		}
		out, err = s.updateMapping(ctx, tx, c, before, rec)
		return err
	})
	return out, err
}

// updateMapping writes a validated replacement of before and its audit event.
func (s *Service) updateMapping(ctx context.Context, tx storage.Tx, c Caller, before, rec storage.SubjectMapping) (SubjectMappingDTO, error) {
	rec.CreatedAt, rec.UpdatedAt = before.CreatedAt, s.now()
	if err := tx.UpdateSubjectMapping(ctx, rec); err != nil {
		return SubjectMappingDTO{}, err
	}
	stored, err := tx.GetSubjectMapping(ctx, rec.IdPID, rec.ExternalSubject)
	if err != nil {
		return SubjectMappingDTO{}, err
	}
	out := SubjectMappingFromStorage(stored)
	return out, s.record(ctx, tx, c, "admin.subject_mapping.update", SubjectMappingFromStorage(before), out, mappingTag(stored))
}

// DeleteSubjectMapping removes the mapping of externalSubject at idpID.
func (s *Service) DeleteSubjectMapping(ctx context.Context, c Caller, idpID, externalSubject string) error {
	return s.d.Store.WithTx(ctx, func(tx storage.Tx) error {
		before, err := tx.GetSubjectMapping(ctx, idpID, externalSubject)
		if err != nil {
			return err
		}
		if err := tx.DeleteSubjectMapping(ctx, idpID, externalSubject); err != nil {
			return err
		}
		return s.record(ctx, tx, c, "admin.subject_mapping.delete", SubjectMappingFromStorage(before), nil, mappingTag(before))
	})
}
