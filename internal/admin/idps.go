package admin

import (
	"context"
	"errors"
	"maps"
	"slices"
	"time"

	"github.com/authplane/authplane/internal/storage"
)

// Defaults and bounds of a trusted IdP's timing settings (DESIGN.md §5,
// SPEC RAS-25: an operator may only lower the assertion lifetime).
const (
	DefaultMaxAssertionLifetime = 5 * time.Minute
	DefaultClockSkew            = 60 * time.Second
	minAssertionLifetime        = time.Second
	maxClockSkew                = 2 * time.Minute
)

// IdPDTO is the JSON shape of a trusted IdP. AllowedAlgs nil means ES256
// and RS256; MaxAssertionLifetime zero means DefaultMaxAssertionLifetime;
// ClockSkew zero means DefaultClockSkew (the assertion validator treats a
// stored zero the same way); SubjectMode empty means prefixed; Enabled nil
// means true.
type IdPDTO struct {
	ID                   string            `json:"id"`
	Issuer               string            `json:"issuer"`
	JWKSURI              string            `json:"jwks_uri,omitempty"`
	AllowedAlgs          []string          `json:"allowed_algs"`
	MaxAssertionLifetime Duration          `json:"max_assertion_lifetime"`
	ClockSkew            Duration          `json:"clock_skew"`
	GroupsClaim          string            `json:"groups_claim"`
	SubjectMode          string            `json:"subject_mode"`
	EmailDomains         []string          `json:"email_domains"`
	ClientIDMap          map[string]string `json:"client_id_map"`
	AllowedHosts         []string          `json:"allowed_hosts"`
	Tenant               string            `json:"tenant"`
	Enabled              *bool             `json:"enabled"`
	CreatedAt            time.Time         `json:"created_at,omitzero"`
	UpdatedAt            time.Time         `json:"updated_at,omitzero"`
}

// Storage converts d to a storage record with defaults applied; timestamps
// are left to the service.
func (d IdPDTO) Storage() storage.IdP {
	i := storage.IdP{
		ID: d.ID, Issuer: d.Issuer, JWKSURI: d.JWKSURI, AllowedAlgs: cloneStrings(d.AllowedAlgs),
		MaxAssertionLifetime: time.Duration(d.MaxAssertionLifetime), ClockSkew: time.Duration(d.ClockSkew),
		GroupsClaim: d.GroupsClaim, SubjectMode: d.SubjectMode, EmailDomains: cloneStrings(d.EmailDomains),
		ClientIDMap: maps.Clone(d.ClientIDMap), AllowedHosts: cloneStrings(d.AllowedHosts), Tenant: d.Tenant,
		Enabled: enabled(d.Enabled),
	}
	if i.MaxAssertionLifetime == 0 {
		i.MaxAssertionLifetime = DefaultMaxAssertionLifetime
	}
	if i.ClockSkew == 0 {
		i.ClockSkew = DefaultClockSkew
	}
	if i.SubjectMode == "" {
		i.SubjectMode = storage.SubjectPrefixed
	}
	return i
}

// IdPFromStorage converts a stored IdP.
func IdPFromStorage(i storage.IdP) IdPDTO {
	return IdPDTO{
		ID: i.ID, Issuer: i.Issuer, JWKSURI: i.JWKSURI, AllowedAlgs: cloneStrings(i.AllowedAlgs),
		MaxAssertionLifetime: Duration(i.MaxAssertionLifetime), ClockSkew: Duration(i.ClockSkew),
		GroupsClaim: i.GroupsClaim, SubjectMode: i.SubjectMode, EmailDomains: cloneStrings(i.EmailDomains),
		ClientIDMap: maps.Clone(i.ClientIDMap), AllowedHosts: cloneStrings(i.AllowedHosts), Tenant: i.Tenant,
		Enabled: ptr(i.Enabled), CreatedAt: i.CreatedAt, UpdatedAt: i.UpdatedAt,
	}
}

// idpTag correlates an IdP event.
func idpTag(id, issuer string) func(*storage.AuditEvent) {
	return func(e *storage.AuditEvent) { e.IdPID, e.Issuer = id, issuer }
}

// checkIdP validates an IdP record, including that every client_id_map
// value is a registered client in tx.
func (s *Service) checkIdP(ctx context.Context, r *refs, i storage.IdP) error {
	var p problems
	p.checkID("id", i.ID)
	s.checkIdPURLs(&p, i)
	if i.AllowedAlgs != nil && len(i.AllowedAlgs) == 0 {
		p.add("allowed_algs", "must not be empty (null allows ES256 and RS256)")
	}
	p.checkList("allowed_algs", i.AllowedAlgs, oneOf("ES256", "RS256"))
	if l := i.MaxAssertionLifetime; l < minAssertionLifetime || l > DefaultMaxAssertionLifetime {
		p.addf("max_assertion_lifetime", "must be between %s and %s", Duration(minAssertionLifetime), Duration(DefaultMaxAssertionLifetime))
	}
	if i.ClockSkew < 0 || i.ClockSkew > maxClockSkew {
		p.addf("clock_skew", "must be between 0s and %s", Duration(maxClockSkew))
	}
	p.checkText("groups_claim", i.GroupsClaim, maxValueLen)
	if reason := oneOf(storage.SubjectPrefixed, storage.SubjectMapped, storage.SubjectEmail)(i.SubjectMode); reason != "" {
		p.add("subject_mode", reason)
	}
	p.checkList("email_domains", i.EmailDomains, domainReason)
	if i.SubjectMode == storage.SubjectEmail && len(i.EmailDomains) == 0 {
		p.add("email_domains", "must list the domains this IdP is authoritative for when subject_mode is email")
	}
	p.checkList("allowed_hosts", i.AllowedHosts, hostReason)
	p.checkText("tenant", i.Tenant, maxValueLen)
	for _, ext := range slices.Sorted(maps.Keys(i.ClientIDMap)) {
		f := "client_id_map." + ext
		p.checkValue(f, ext)
		ok, err := r.client(ctx, i.ClientIDMap[ext])
		if err != nil {
			return err
		}
		if !ok {
			p.addf(f, "no client with id %s", quote(i.ClientIDMap[ext]))
		}
	}
	return p.err()
}

// checkIdPURLs validates the issuer and the optional JWKS URL.
func (s *Service) checkIdPURLs(p *problems, i storage.IdP) {
	if i.Issuer == "" {
		p.add("issuer", "is required")
	} else if reason := urlReason(i.Issuer, s.d.InsecureAllowLoopback); reason != "" {
		p.add("issuer", reason)
	}
	if i.JWKSURI != "" {
		if reason := urlReason(i.JWKSURI, s.d.InsecureAllowLoopback); reason != "" {
			p.add("jwks_uri", reason)
		}
	}
}

// GetIdP returns the IdP with id.
func (s *Service) GetIdP(ctx context.Context, id string) (IdPDTO, error) {
	i, err := s.d.Store.GetIdP(ctx, id)
	if err != nil {
		return IdPDTO{}, err
	}
	return IdPFromStorage(i), nil
}

// ListIdPs returns one page of IdPs ordered by id.
func (s *Service) ListIdPs(ctx context.Context, q ListQuery) (ListResult[IdPDTO], error) {
	return listPage(ctx, q, s.d.Store.ListIdPs, idpIDKey, IdPFromStorage)
}

// CreateIdP registers a trusted IdP; its id and issuer must be unused.
func (s *Service) CreateIdP(ctx context.Context, c Caller, in IdPDTO) (IdPDTO, error) {
	rec := in.Storage()
	var out IdPDTO
	err := s.d.Store.WithTx(ctx, func(tx storage.Tx) error {
		if err := s.checkIdP(ctx, newRefs(tx), rec); err != nil {
			return err
		}
		var err error
		out, err = s.createIdP(ctx, tx, c, rec)
		return err
	})
	return out, err
}

// createIdP writes a validated new IdP and its audit event.
func (s *Service) createIdP(ctx context.Context, tx storage.Tx, c Caller, rec storage.IdP) (IdPDTO, error) {
	now := s.now()
	rec.CreatedAt, rec.UpdatedAt = now, now
	if err := tx.CreateIdP(ctx, rec); err != nil {
		return IdPDTO{}, conflict(err, "an IdP with id "+quote(rec.ID)+" or issuer "+quote(rec.Issuer)+" already exists")
	}
	stored, err := tx.GetIdP(ctx, rec.ID)
	if err != nil {
		return IdPDTO{}, err
	}
	out := IdPFromStorage(stored)
	return out, s.record(ctx, tx, c, "admin.idp.create", nil, out, idpTag(rec.ID, rec.Issuer))
}

// UpdateIdP replaces the IdP with id. Changing where its keys come from
// (issuer, jwks_uri, allowed_hosts) discards the cached key set, so keys of
// the old source are never trusted for the new one.
func (s *Service) UpdateIdP(ctx context.Context, c Caller, id string, in IdPDTO) (IdPDTO, error) {
	if in.ID != "" && in.ID != id {
		return IdPDTO{}, idMismatch("id")
	}
	in.ID = id
	rec := in.Storage()
	var out IdPDTO
	err := s.d.Store.WithTx(ctx, func(tx storage.Tx) error {
		before, err := tx.GetIdP(ctx, id)
		if err != nil {
			return err
		}
		if err := s.checkIdP(ctx, newRefs(tx), rec); err != nil {
			return err
		}
		out, err = s.updateIdP(ctx, tx, c, before, rec)
		return err
	})
	return out, err
}

// updateIdP writes a validated replacement of before and its audit event.
func (s *Service) updateIdP(ctx context.Context, tx storage.Tx, c Caller, before, rec storage.IdP) (IdPDTO, error) {
	rec.CreatedAt, rec.UpdatedAt = before.CreatedAt, s.now()
	if err := tx.UpdateIdP(ctx, rec); err != nil {
		return IdPDTO{}, conflict(err, "another IdP already uses issuer "+quote(rec.Issuer))
	}
	if rec.Issuer != before.Issuer || rec.JWKSURI != before.JWKSURI || !slices.Equal(rec.AllowedHosts, before.AllowedHosts) ||
		(rec.AllowedHosts == nil) != (before.AllowedHosts == nil) {
		if err := deleteKeyState(ctx, tx, rec.ID); err != nil {
			return IdPDTO{}, err
		}
	}
	stored, err := tx.GetIdP(ctx, rec.ID)
	if err != nil {
		return IdPDTO{}, err
	}
	out := IdPFromStorage(stored)
	return out, s.record(ctx, tx, c, "admin.idp.update", IdPFromStorage(before), out, idpTag(rec.ID, rec.Issuer))
}

// DeleteIdP removes the IdP with id and its cached key set, unless a client,
// a policy or a subject mapping references it.
func (s *Service) DeleteIdP(ctx context.Context, c Caller, id string) error {
	return s.d.Store.WithTx(ctx, func(tx storage.Tx) error {
		before, err := tx.GetIdP(ctx, id)
		if err != nil {
			return err
		}
		if err := idpReferrers(ctx, tx, id); err != nil {
			return err
		}
		if err := tx.DeleteIdP(ctx, id); err != nil {
			return err
		}
		if err := deleteKeyState(ctx, tx, id); err != nil {
			return err
		}
		return s.record(ctx, tx, c, "admin.idp.delete", IdPFromStorage(before), nil, idpTag(id, before.Issuer))
	})
}

// deleteKeyState removes an IdP's cached key set, if any.
func deleteKeyState(ctx context.Context, tx storage.Tx, id string) error {
	if err := tx.DeleteIdPKeyState(ctx, id); err != nil && !errors.Is(err, storage.ErrNotFound) {
		return err
	}
	return nil
}
