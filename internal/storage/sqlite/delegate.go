package sqlite

// The Store's storage.Tx methods: reads go to the read-only pool, each
// write runs in its own transaction on the single writer connection.

import (
	"context"
	"time"

	"github.com/authplane/authplane/internal/storage"
)

// GetClient reads from the read-only pool; see storage.Store.
func (s *Store) GetClient(ctx context.Context, id string) (storage.Client, error) {
	return s.read().GetClient(ctx, id)
}

// ListClients reads from the read-only pool; see storage.Store.
func (s *Store) ListClients(ctx context.Context, p storage.Page) ([]storage.Client, error) {
	return s.read().ListClients(ctx, p)
}

// GetResource reads from the read-only pool; see storage.Store.
func (s *Store) GetResource(ctx context.Context, id string) (storage.Resource, error) {
	return s.read().GetResource(ctx, id)
}

// ListResources reads from the read-only pool; see storage.Store.
func (s *Store) ListResources(ctx context.Context, p storage.Page) ([]storage.Resource, error) {
	return s.read().ListResources(ctx, p)
}

// GetIdP reads from the read-only pool; see storage.Store.
func (s *Store) GetIdP(ctx context.Context, id string) (storage.IdP, error) {
	return s.read().GetIdP(ctx, id)
}

// ListIdPs reads from the read-only pool; see storage.Store.
func (s *Store) ListIdPs(ctx context.Context, p storage.Page) ([]storage.IdP, error) {
	return s.read().ListIdPs(ctx, p)
}

// GetPolicy reads from the read-only pool; see storage.Store.
func (s *Store) GetPolicy(ctx context.Context, id string) (storage.Policy, error) {
	return s.read().GetPolicy(ctx, id)
}

// ListPolicies reads from the read-only pool; see storage.Store.
func (s *Store) ListPolicies(ctx context.Context, p storage.Page) ([]storage.Policy, error) {
	return s.read().ListPolicies(ctx, p)
}

// GetSubjectMapping reads from the read-only pool; see storage.Store.
func (s *Store) GetSubjectMapping(ctx context.Context, idpID, externalSubject string) (storage.SubjectMapping, error) {
	return s.read().GetSubjectMapping(ctx, idpID, externalSubject)
}

// ListSubjectMappings reads from the read-only pool; see storage.Store.
func (s *Store) ListSubjectMappings(ctx context.Context, p storage.Page) ([]storage.SubjectMapping, error) {
	return s.read().ListSubjectMappings(ctx, p)
}

// ListSigningKeys reads from the read-only pool; see storage.Store.
func (s *Store) ListSigningKeys(ctx context.Context) ([]storage.SigningKey, error) {
	return s.read().ListSigningKeys(ctx)
}

// GetIdPKeyState reads from the read-only pool; see storage.Store.
func (s *Store) GetIdPKeyState(ctx context.Context, idpID string) (storage.IdPKeyState, error) {
	return s.read().GetIdPKeyState(ctx, idpID)
}

// ListRevocations reads from the read-only pool; see storage.Store.
func (s *Store) ListRevocations(ctx context.Context, now time.Time) ([]storage.Revocation, error) {
	return s.read().ListRevocations(ctx, now)
}

// ListAudit reads from the read-only pool; see storage.Store.
func (s *Store) ListAudit(ctx context.Context, f storage.AuditFilter, p storage.Page) ([]storage.AuditEvent, error) {
	return s.read().ListAudit(ctx, f, p)
}

// CreateClient runs in its own write transaction; see storage.Store.
func (s *Store) CreateClient(ctx context.Context, c storage.Client) error {
	return s.inTx(ctx, func(o *ops) error { return o.CreateClient(ctx, c) })
}

// UpdateClient runs in its own write transaction; see storage.Store.
func (s *Store) UpdateClient(ctx context.Context, c storage.Client) error {
	return s.inTx(ctx, func(o *ops) error { return o.UpdateClient(ctx, c) })
}

// DeleteClient runs in its own write transaction; see storage.Store.
func (s *Store) DeleteClient(ctx context.Context, id string) error {
	return s.inTx(ctx, func(o *ops) error { return o.DeleteClient(ctx, id) })
}

// CreateResource runs in its own write transaction; see storage.Store.
func (s *Store) CreateResource(ctx context.Context, r storage.Resource) error {
	return s.inTx(ctx, func(o *ops) error { return o.CreateResource(ctx, r) })
}

// UpdateResource runs in its own write transaction; see storage.Store.
func (s *Store) UpdateResource(ctx context.Context, r storage.Resource) error {
	return s.inTx(ctx, func(o *ops) error { return o.UpdateResource(ctx, r) })
}

// DeleteResource runs in its own write transaction; see storage.Store.
func (s *Store) DeleteResource(ctx context.Context, id string) error {
	return s.inTx(ctx, func(o *ops) error { return o.DeleteResource(ctx, id) })
}

// CreateIdP runs in its own write transaction; see storage.Store.
func (s *Store) CreateIdP(ctx context.Context, i storage.IdP) error {
	return s.inTx(ctx, func(o *ops) error { return o.CreateIdP(ctx, i) })
}

// UpdateIdP runs in its own write transaction; see storage.Store.
func (s *Store) UpdateIdP(ctx context.Context, i storage.IdP) error {
	return s.inTx(ctx, func(o *ops) error { return o.UpdateIdP(ctx, i) })
}

// DeleteIdP runs in its own write transaction; see storage.Store.
func (s *Store) DeleteIdP(ctx context.Context, id string) error {
	return s.inTx(ctx, func(o *ops) error { return o.DeleteIdP(ctx, id) })
}

// CreatePolicy runs in its own write transaction; see storage.Store.
func (s *Store) CreatePolicy(ctx context.Context, p storage.Policy) error {
	return s.inTx(ctx, func(o *ops) error { return o.CreatePolicy(ctx, p) })
}

// UpdatePolicy runs in its own write transaction; see storage.Store.
func (s *Store) UpdatePolicy(ctx context.Context, p storage.Policy) error {
	return s.inTx(ctx, func(o *ops) error { return o.UpdatePolicy(ctx, p) })
}

// DeletePolicy runs in its own write transaction; see storage.Store.
func (s *Store) DeletePolicy(ctx context.Context, id string) error {
	return s.inTx(ctx, func(o *ops) error { return o.DeletePolicy(ctx, id) })
}

// CreateSubjectMapping runs in its own write transaction; see storage.Store.
func (s *Store) CreateSubjectMapping(ctx context.Context, m storage.SubjectMapping) error {
	return s.inTx(ctx, func(o *ops) error { return o.CreateSubjectMapping(ctx, m) })
}

// UpdateSubjectMapping runs in its own write transaction; see storage.Store.
func (s *Store) UpdateSubjectMapping(ctx context.Context, m storage.SubjectMapping) error {
	return s.inTx(ctx, func(o *ops) error { return o.UpdateSubjectMapping(ctx, m) })
}

// DeleteSubjectMapping runs in its own write transaction; see storage.Store.
func (s *Store) DeleteSubjectMapping(ctx context.Context, idpID, externalSubject string) error {
	return s.inTx(ctx, func(o *ops) error { return o.DeleteSubjectMapping(ctx, idpID, externalSubject) })
}

// CreateSigningKey runs in its own write transaction; see storage.Store.
func (s *Store) CreateSigningKey(ctx context.Context, k storage.SigningKey) error {
	return s.inTx(ctx, func(o *ops) error { return o.CreateSigningKey(ctx, k) })
}

// UpdateSigningKey runs in its own write transaction; see storage.Store.
func (s *Store) UpdateSigningKey(ctx context.Context, k storage.SigningKey) error {
	return s.inTx(ctx, func(o *ops) error { return o.UpdateSigningKey(ctx, k) })
}

// PutIdPKeyState runs in its own write transaction; see storage.Store.
func (s *Store) PutIdPKeyState(ctx context.Context, st storage.IdPKeyState) error {
	return s.inTx(ctx, func(o *ops) error { return o.PutIdPKeyState(ctx, st) })
}

// DeleteIdPKeyState runs in its own write transaction; see storage.Store.
func (s *Store) DeleteIdPKeyState(ctx context.Context, idpID string) error {
	return s.inTx(ctx, func(o *ops) error { return o.DeleteIdPKeyState(ctx, idpID) })
}

// ConsumeJTI is group-committed like ConsumeJTIWithAudit (groupcommit.go);
// see storage.Store.
func (s *Store) ConsumeJTI(ctx context.Context, j storage.ConsumedJTI) error {
	w, err := newWrite(j, nil)
	if err != nil {
		return err
	}
	return s.grants.submit(ctx, w)
}

// AddRevocation runs in its own write transaction; see storage.Store.
func (s *Store) AddRevocation(ctx context.Context, r storage.Revocation) error {
	return s.inTx(ctx, func(o *ops) error { return o.AddRevocation(ctx, r) })
}

// DeleteSigningKeysBefore runs in its own write transaction; see storage.Store.
func (s *Store) DeleteSigningKeysBefore(ctx context.Context, t time.Time) (int64, error) {
	var out int64
	err := s.inTx(ctx, func(o *ops) error {
		var err error
		out, err = o.DeleteSigningKeysBefore(ctx, t)
		return err
	})
	if err != nil {
		return 0, err
	}
	return out, nil
}

// PurgeExpiredJTIs runs in its own write transaction; see storage.Store.
func (s *Store) PurgeExpiredJTIs(ctx context.Context, now time.Time) (int64, error) {
	var out int64
	err := s.inTx(ctx, func(o *ops) error {
		var err error
		out, err = o.PurgeExpiredJTIs(ctx, now)
		return err
	})
	if err != nil {
		return 0, err
	}
	return out, nil
}

// PurgeExpiredRevocations runs in its own write transaction; see storage.Store.
func (s *Store) PurgeExpiredRevocations(ctx context.Context, now time.Time) (int64, error) {
	var out int64
	err := s.inTx(ctx, func(o *ops) error {
		var err error
		out, err = o.PurgeExpiredRevocations(ctx, now)
		return err
	})
	if err != nil {
		return 0, err
	}
	return out, nil
}

// AppendAudit runs in its own write transaction; see storage.Store.
func (s *Store) AppendAudit(ctx context.Context, evs ...storage.AuditEvent) ([]storage.AuditEvent, error) {
	var out []storage.AuditEvent
	err := s.inTx(ctx, func(o *ops) error {
		var err error
		out, err = o.AppendAudit(ctx, evs...)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
