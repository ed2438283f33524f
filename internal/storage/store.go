package storage

import (
	"context"
	"time"
)

// Clients persists OAuth clients.
type Clients interface {
	CreateClient(ctx context.Context, c Client) error
	GetClient(ctx context.Context, id string) (Client, error)
	// UpdateClient replaces the client with c.ID; ErrNotFound if absent.
	UpdateClient(ctx context.Context, c Client) error
	DeleteClient(ctx context.Context, id string) error
	ListClients(ctx context.Context, p Page) ([]Client, error)
}

// Resources persists protected resources (MCP servers).
type Resources interface {
	// CreateResource fails with ErrConflict on a duplicate id or URI.
	CreateResource(ctx context.Context, r Resource) error
	GetResource(ctx context.Context, id string) (Resource, error)
	UpdateResource(ctx context.Context, r Resource) error
	DeleteResource(ctx context.Context, id string) error
	ListResources(ctx context.Context, p Page) ([]Resource, error)
}

// IdPs persists trusted identity providers.
type IdPs interface {
	// CreateIdP fails with ErrConflict on a duplicate id or issuer.
	CreateIdP(ctx context.Context, i IdP) error
	GetIdP(ctx context.Context, id string) (IdP, error)
	UpdateIdP(ctx context.Context, i IdP) error
	DeleteIdP(ctx context.Context, id string) error
	ListIdPs(ctx context.Context, p Page) ([]IdP, error)
}

// Policies persists policy rules.
type Policies interface {
	CreatePolicy(ctx context.Context, p Policy) error
	GetPolicy(ctx context.Context, id string) (Policy, error)
	UpdatePolicy(ctx context.Context, p Policy) error
	DeletePolicy(ctx context.Context, id string) error
	ListPolicies(ctx context.Context, p Page) ([]Policy, error)
}

// SubjectMappings persists (IdP, external subject) → local subject mappings.
// The page cursor is "<idp_id>\x00<external_subject>".
type SubjectMappings interface {
	CreateSubjectMapping(ctx context.Context, m SubjectMapping) error
	GetSubjectMapping(ctx context.Context, idpID, externalSubject string) (SubjectMapping, error)
	UpdateSubjectMapping(ctx context.Context, m SubjectMapping) error
	DeleteSubjectMapping(ctx context.Context, idpID, externalSubject string) error
	ListSubjectMappings(ctx context.Context, p Page) ([]SubjectMapping, error)
}

// SigningKeys persists AuthPlane's own signing keys.
type SigningKeys interface {
	CreateSigningKey(ctx context.Context, k SigningKey) error
	UpdateSigningKey(ctx context.Context, k SigningKey) error
	// ListSigningKeys returns every key, newest first.
	ListSigningKeys(ctx context.Context) ([]SigningKey, error)
	// DeleteSigningKeysBefore removes retired keys whose PublishUntil is
	// before t and returns how many it removed.
	DeleteSigningKeysBefore(ctx context.Context, t time.Time) (int64, error)
}

// JTIs is the replay gate (RAS-24, DESIGN.md §2 "Single use").
type JTIs interface {
	// ConsumeJTI atomically records (issuer, jti) in one statement. It
	// returns ErrReplay if the pair was already recorded and has not been
	// purged. Only a bounded hash of the pair is stored.
	ConsumeJTI(ctx context.Context, j ConsumedJTI) error
	// PurgeExpiredJTIs removes pairs whose ExpiresAt is before now.
	PurgeExpiredJTIs(ctx context.Context, now time.Time) (int64, error)
}

// Revocations persists token revocations.
type Revocations interface {
	// AddRevocation records r; a second revocation of the same (kind, value)
	// replaces the first.
	AddRevocation(ctx context.Context, r Revocation) error
	// ListRevocations returns every unexpired revocation at now.
	ListRevocations(ctx context.Context, now time.Time) ([]Revocation, error)
	PurgeExpiredRevocations(ctx context.Context, now time.Time) (int64, error)
}

// Audit persists audit events.
type Audit interface {
	// AppendAudit appends events in order and returns them with Seq set.
	AppendAudit(ctx context.Context, evs ...AuditEvent) ([]AuditEvent, error)
	// ListAudit returns events matching f in ascending Seq order after
	// the cursor p.After (a decimal Seq).
	ListAudit(ctx context.Context, f AuditFilter, p Page) ([]AuditEvent, error)
}

// AuditSeals persists the seals of the audit trail's tamper evidence
// (DESIGN.md §6) and the retention purge of sealed ranges.
type AuditSeals interface {
	// AppendAuditSeal stores s. It fails with ErrConflict if a seal with
	// s.FromSeq already exists: of several instances sealing the same range
	// at once exactly one wins.
	AppendAuditSeal(ctx context.Context, s AuditSeal) error
	// ListAuditSeals returns seals in ascending FromSeq order after the
	// cursor p.After (a decimal FromSeq).
	ListAuditSeals(ctx context.Context, p Page) ([]AuditSeal, error)
	// LastAuditSeal returns the seal with the highest FromSeq; ErrNotFound
	// if there is none.
	LastAuditSeal(ctx context.Context) (AuditSeal, error)
	// MarkAuditSealPurged records that the events of the seal starting at
	// fromSeq were purged at at, with the purge mark's MAC, and clears the
	// seal's Digests. ErrNotFound if no such seal exists or it is already
	// marked, so that of several instances purging at once one wins.
	MarkAuditSealPurged(ctx context.Context, fromSeq int64, at time.Time, mac []byte) error
	// DeleteAuditRange deletes the events with fromSeq <= seq <= toSeq and
	// returns how many it deleted.
	DeleteAuditRange(ctx context.Context, fromSeq, toSeq int64) (int64, error)
	// AuditWatermark returns a sequence number S such that every append
	// that received a seq <= S has committed or rolled back: events up to S
	// can be sealed without a late commit landing inside the sealed range.
	// On PostgreSQL, where identity values become visible out of commit
	// order with several writers, it waits for the appends in flight.
	AuditWatermark(ctx context.Context) (int64, error)
}

// AccessReview aggregates token issuance for access reviews.
type AccessReview interface {
	// AuditConnections aggregates the token.issued events matching f by
	// (subject, client, resource, IdP), ordered by that key. The page
	// cursor is the four key fields joined by "\x00".
	AuditConnections(ctx context.Context, f ConnectionFilter, p Page) ([]Connection, error)
}

// IdPKeys persists each trusted IdP's last-known-good JWKS and fetch status,
// so a restart during an IdP outage still verifies (DESIGN.md §3) and every
// instance reports the same status.
type IdPKeys interface {
	// PutIdPKeyState upserts the state of s.IdPID.
	PutIdPKeyState(ctx context.Context, s IdPKeyState) error
	GetIdPKeyState(ctx context.Context, idpID string) (IdPKeyState, error)
	DeleteIdPKeyState(ctx context.Context, idpID string) error
}

// Tx is everything a transaction can touch. A Tx is only valid inside the
// function passed to Store.WithTx.
type Tx interface {
	Clients
	Resources
	IdPs
	Policies
	SubjectMappings
	SigningKeys
	IdPKeys
	JTIs
	Revocations
	Audit
	AuditSeals
	AccessReview
}

// Store is a storage backend. Its own methods run each in their own
// transaction; WithTx groups several.
type Store interface {
	Tx
	// WithTx runs fn in one transaction: committed if fn returns nil,
	// rolled back otherwise (and on panic).
	WithTx(ctx context.Context, fn func(tx Tx) error) error
	// ConsumeJTIWithAudit is the grant hot path: in one transaction it
	// consumes j (ErrReplay if already consumed; then nothing is written)
	// and appends ev. A nil error means both are durable.
	ConsumeJTIWithAudit(ctx context.Context, j ConsumedJTI, ev AuditEvent) (AuditEvent, error)
	// Generation returns a counter that increases with every committed change
	// to clients, resources, IdPs, policies, subject mappings, signing keys or
	// revocations, on any instance sharing the store.
	Generation(ctx context.Context) (int64, error)
	// Changes returns a channel that receives a value soon after the
	// generation may have changed (on PostgreSQL through LISTEN/NOTIFY); it
	// is closed when ctx ends. Callers still poll Generation as a fallback.
	Changes(ctx context.Context) <-chan struct{}
	// Ping checks that the store is reachable.
	Ping(ctx context.Context) error
	// Close releases the backend's resources.
	Close() error
}
