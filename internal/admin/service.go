package admin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"time"

	"github.com/authplane/authplane/internal/secret"
	"github.com/authplane/authplane/internal/storage"
)

// DefaultMaxTokenLifetime bounds access-token lifetimes when
// Deps.MaxTokenLifetime is zero (config.MaxAccessTokenTTL).
const DefaultMaxTokenLifetime = time.Hour

// Actors recorded in audit events.
const (
	// ActorAdmin is the actor of changes made through the admin API.
	ActorAdmin = "admin"
	// ActorConfig is the actor of changes made by seeding from configuration.
	ActorConfig = "config"
)

// KeyRotator is the part of the signing-key manager the admin API drives.
type KeyRotator interface {
	// RotateIn creates a new active key and retires the previous ones inside
	// tx; it returns the new key and the keys it retired.
	RotateIn(ctx context.Context, tx storage.Tx) (storage.SigningKey, []storage.SigningKey, error)
	// Reload makes the manager pick up the committed key set.
	Reload(ctx context.Context) error
	// List returns the key metadata currently known, newest first.
	List() []storage.SigningKey
}

// IdPOperator is the part of the trusted-IdP registry the admin API drives.
type IdPOperator interface {
	// Refresh refetches the IdP's key set now and returns the resulting
	// state. A failed fetch returns the state (LastError set) together with
	// the fetch error; a zero state with an error means nothing was done.
	Refresh(ctx context.Context, idpID string) (storage.IdPKeyState, error)
	// Status reports the IdP's key-set status.
	Status(ctx context.Context, idpID string) (IdPStatus, error)
}

// PolicyValidator checks what only the policy engine can check (the CEL
// condition: it compiles, its cost is bounded).
type PolicyValidator interface {
	// ValidatePolicy returns every problem of p, with JSON field names.
	ValidatePolicy(p storage.Policy) []FieldError
}

// Deps are the collaborators of a Service. Store and Secrets are required.
type Deps struct {
	Store   storage.Store
	Secrets *secret.Hasher
	// Now is the clock; nil means time.Now.
	Now    func() time.Time
	Logger *slog.Logger
	// InsecureAllowLoopback allows http:// loopback issuers and JWKS URLs
	// (tests and the demo only).
	InsecureAllowLoopback bool
	// MaxTokenLifetime bounds resource access-token lifetimes and how long a
	// revocation must be kept; zero means DefaultMaxTokenLifetime.
	MaxTokenLifetime time.Duration
	// Keys rotates signing keys; nil makes rotation unavailable.
	Keys KeyRotator
	// IdPs refreshes IdP key sets; nil makes a refresh only request one
	// (every instance refetches on next use).
	IdPs IdPOperator
	// Policies validates policy conditions; nil rejects any condition.
	Policies PolicyValidator
	// Explainer answers policies/explain; nil makes it unavailable.
	Explainer PolicyExplainer
}

// Service is the admin API's business logic, independent of HTTP.
type Service struct {
	d Deps
}

// New returns a Service using d.
func New(d Deps) (*Service, error) {
	if d.Store == nil {
		return nil, errors.New("admin: Deps.Store is required")
	}
	if d.Secrets == nil {
		return nil, errors.New("admin: Deps.Secrets is required")
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Logger == nil {
		d.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if d.MaxTokenLifetime <= 0 {
		d.MaxTokenLifetime = DefaultMaxTokenLifetime
	}
	return &Service{d: d}, nil
}

// Caller says who asked for a change; it fills the audit event.
type Caller struct {
	// Actor is ActorAdmin or ActorConfig; empty means ActorAdmin.
	Actor     string
	RemoteIP  string
	UserAgent string
	RequestID string
}

// FieldError is one validation problem, named by its JSON field path
// (for example "scopes[1]" or "clients[2].jwks_uri").
type FieldError struct {
	Field  string `json:"field"`
	Reason string `json:"reason"`
}

// ValidationError carries every validation problem of a request at once.
type ValidationError struct {
	Errors []FieldError
}

// Error summarises the problems.
func (e *ValidationError) Error() string {
	if len(e.Errors) == 1 {
		return fmt.Sprintf("admin: invalid request: %s: %s", e.Errors[0].Field, e.Errors[0].Reason)
	}
	return fmt.Sprintf("admin: invalid request: %d problems", len(e.Errors))
}

// ConflictError reports a duplicate identity or a change that would break
// references; it matches storage.ErrConflict with errors.Is.
type ConflictError struct {
	Detail string
	Errors []FieldError
}

// Error returns the detail.
func (e *ConflictError) Error() string { return "admin: conflict: " + e.Detail }

// Unwrap makes errors.Is(err, storage.ErrConflict) hold.
func (e *ConflictError) Unwrap() error { return storage.ErrConflict }

// ErrUnavailable means the operation needs a collaborator the server was
// started without.
var ErrUnavailable = errors.New("admin: operation unavailable")

// now returns the injected time in UTC.
func (s *Service) now() time.Time { return s.d.Now().UTC() }

// conflict turns a storage conflict into a ConflictError with detail and
// passes every other error through.
func conflict(err error, detail string) error {
	if errors.Is(err, storage.ErrConflict) {
		return &ConflictError{Detail: detail}
	}
	return err
}

// record appends the audit event of one change inside tx. before and after
// are the DTOs of the object (nil for a create's before or a delete's after);
// tag sets the event's correlation fields.
func (s *Service) record(ctx context.Context, tx storage.Tx, c Caller, typ string, before, after any, tag func(*storage.AuditEvent)) error {
	b, err := image(before)
	if err != nil {
		return err
	}
	a, err := image(after)
	if err != nil {
		return err
	}
	actor := c.Actor
	if actor == "" {
		actor = ActorAdmin
	}
	ev := storage.AuditEvent{
		ID: secret.ID(), Time: s.now(), Type: typ, Outcome: "success", Actor: actor,
		RemoteIP: c.RemoteIP, UserAgent: c.UserAgent, RequestID: c.RequestID,
		Before: b, After: a,
	}
	if tag != nil {
		tag(&ev)
	}
	if _, err := tx.AppendAudit(ctx, ev); err != nil {
		return fmt.Errorf("admin: append audit event: %w", err)
	}
	return nil
}

// image marshals an audit before/after image; nil stays nil.
func image(v any) (json.RawMessage, error) {
	if v == nil {
		return nil, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("admin: marshal audit image: %w", err)
	}
	if string(b) == "null" {
		return nil, nil
	}
	return b, nil
}

// quote formats s as a Go string literal for problem details.
func quote(s string) string { return strconv.Quote(s) }
