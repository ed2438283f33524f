package storage

import (
	"encoding/json"
	"time"
)

// Client authentication methods a client may be registered with (SPEC D.3).
const (
	AuthClientSecretBasic = "client_secret_basic"
	AuthClientSecretPost  = "client_secret_post"
	AuthPrivateKeyJWT     = "private_key_jwt"
)

// Subject modes of a trusted IdP (DESIGN.md §5).
const (
	SubjectPrefixed = "prefixed"
	SubjectMapped   = "mapped"
	SubjectEmail    = "email"
)

// Client is an OAuth client registered with AuthPlane (an MCP client / AI
// agent, or a resource server that introspects).
type Client struct {
	ID         string
	Name       string
	GrantTypes []string
	// AuthMethod is one of the Auth* constants.
	AuthMethod string
	// SecretHash is the HMAC-SHA256 of the client secret under the server's
	// secret pepper; the secret itself is never stored. Empty for
	// private_key_jwt clients.
	SecretHash []byte
	// JWKS is an inline JWK Set for private_key_jwt (mutually exclusive with
	// JWKSURI).
	JWKS    json.RawMessage
	JWKSURI string
	// AllowedIdPs lists the IdP ids whose assertions this client may present:
	// nil = any registered IdP, empty = none.
	AllowedIdPs []string
	Enabled     bool
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// Resource is a protected MCP server (RFC 8707 resource / RFC 9728 resource
// identifier).
type Resource struct {
	ID     string
	URI    string
	Name   string
	Scopes []string
	// AccessTokenTTL overrides the server default lifetime of access tokens
	// for this resource; zero means the default.
	AccessTokenTTL time.Duration
	Enabled        bool
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// IdP is a trusted identity provider whose ID-JAGs AuthPlane accepts.
type IdP struct {
	ID     string
	Issuer string
	// JWKSURI is the IdP's key set; empty means discover it from the
	// issuer's RFC 8414 / OIDC metadata.
	JWKSURI string
	// AllowedAlgs ⊆ {ES256, RS256}; nil means both.
	AllowedAlgs []string
	// MaxAssertionLifetime caps exp−iat and now−iat (≤ 5 minutes).
	MaxAssertionLifetime time.Duration
	// ClockSkew is the tolerance applied to exp/iat/nbf.
	ClockSkew   time.Duration
	GroupsClaim string
	// SubjectMode is one of the Subject* constants.
	SubjectMode string
	// EmailDomains are the domains this IdP is authoritative for (email mode).
	EmailDomains []string
	// ClientIDMap translates the IdP's client ids to local client ids.
	ClientIDMap map[string]string
	// AllowedHosts restricts the hosts JWKS and discovery fetches may reach;
	// nil means the host of the issuer (and of JWKSURI) only.
	AllowedHosts []string
	Tenant       string
	Enabled      bool
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// Requirement is a step-up requirement of a policy rule.
type Requirement struct {
	AMRAny []string
	ACRAny []string
	// MaxAuthAge bounds now − auth_time; zero means unbounded.
	MaxAuthAge time.Duration
}

// Policy is one rule of the policy model (DESIGN.md §5). Matcher lists
// follow the package convention: nil matches anything, empty matches nothing.
type Policy struct {
	ID          string
	Description string
	Effect      string `json:"effect"` // "allow" | "deny"
	IdPs        []string
	Clients     []string
	Resources   []string
	GroupsAny   []string
	Subjects    []string
	Require     *Requirement
	// Scopes: for allow, what the rule grants (nil = every scope); for deny,
	// what it removes (nil = everything).
	Scopes    []string
	Condition string
	Enabled   bool
	CreatedAt time.Time
	UpdatedAt time.Time
}

// SubjectMapping maps an IdP subject to a local subject (subject mode
// "mapped").
type SubjectMapping struct {
	IdPID           string
	ExternalSubject string
	LocalSubject    string
	Enabled         bool
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

// Signing key states.
const (
	KeyActive  = "active"
	KeyRetired = "retired"
)

// SigningKey is one of AuthPlane's own token-signing keys. The private key
// is stored only encrypted (AES-GCM under the key-encryption key).
type SigningKey struct {
	ID  string
	Alg string
	// PublicJWK is the public key as a JWK JSON document.
	PublicJWK json.RawMessage
	// PrivateSealed is the encrypted private key; never leaves the keys
	// package in clear.
	PrivateSealed []byte
	State         string
	CreatedAt     time.Time
	// RetiredAt is set when the key stopped signing.
	RetiredAt time.Time
	// PublishUntil is when a retired key may leave the JWKS: the last token it
	// signed has expired by then.
	PublishUntil time.Time
}

// IdPKeyState is the cached key set of a trusted IdP and the outcome of the
// latest fetch.
type IdPKeyState struct {
	IdPID string
	// JWKS is the last key set fetched successfully (a JWK Set document);
	// nil if none ever was.
	JWKS []byte
	// JWKSURI is where JWKS came from (after discovery).
	JWKSURI string
	// FetchedAt is when JWKS was fetched; ExpiresAt when it should be
	// refreshed (from Cache-Control, clamped).
	FetchedAt time.Time
	ExpiresAt time.Time
	// LastAttempt and LastError describe the latest fetch, successful or not.
	LastAttempt time.Time
	LastError   string
	// RefreshRequested is set by an admin refresh so that every instance
	// refetches on its next use.
	RefreshRequested time.Time
}

// ConsumedJTI is one single-use assertion identifier (RAS-24).
type ConsumedJTI struct {
	Issuer    string
	JTI       string
	ExpiresAt time.Time
}

// Revocation kinds.
const (
	RevokeToken   = "token"   // Value: access token jti
	RevokeClient  = "client"  // Value: client id; every token issued before At
	RevokeSubject = "subject" // Value: local subject
	RevokeIdP     = "idp"     // Value: IdP id
)

// Revocation invalidates one token (by jti) or every token of a client,
// subject or IdP issued at or before At.
type Revocation struct {
	Kind      string
	Value     string
	At        time.Time
	ExpiresAt time.Time `json:"expires_at"` // when the record may be purged
	Reason    string
}

// AuditEvent is one typed audit record (DESIGN.md §6). Seq is assigned by
// the store on append and orders events.
type AuditEvent struct {
	Seq             int64
	ID              string
	Time            time.Time
	Type            string
	Outcome         string
	Reason          string
	IdPID           string
	Issuer          string
	AssertionJTI    string
	AssertionSub    string
	Subject         string
	ClientID        string
	Resource        string
	RequestedScopes []string
	GrantedScopes   []string
	PolicyRuleIDs   []string
	TokenJTI        string
	TokenExp        time.Time
	RemoteIP        string
	UserAgent       string
	RequestID       string
	Actor           string
	Before          json.RawMessage
	After           json.RawMessage
}

// AuditFilter selects audit events; zero fields do not filter.
type AuditFilter struct {
	Since, Until time.Time
	Type         string
	Outcome      string
	Reason       string
	IdPID        string
	ClientID     string
	Subject      string
	Resource     string
	// JTI matches either the assertion jti or the token jti.
	JTI string
}

// Page asks for at most Limit records after the cursor After (exclusive).
// The cursor is opaque to callers: for id-ordered aggregates it is the last
// id seen, for audit events the last Seq in decimal.
type Page struct {
	After string
	Limit int
}

// DefaultPageLimit and MaxPageLimit bound list calls.
const (
	DefaultPageLimit = 100
	MaxPageLimit     = 1000
)

// Normalize returns the page with Limit clamped to [1, MaxPageLimit].
func (p Page) Normalize() Page {
	if p.Limit <= 0 {
		p.Limit = DefaultPageLimit
	}
	if p.Limit > MaxPageLimit {
		p.Limit = MaxPageLimit
	}
	return p
}

// AuditSeal seals one contiguous range of audit sequence numbers
// [FromSeq, ToSeq] (DESIGN.md §6, tamper evidence). Seals form a chain:
// each range starts right after the previous one and Prev commits to it, so
// several instances sharing one store agree on one sequence of seals. The
// audit package defines the encodings; storage keeps the bytes as given.
type AuditSeal struct {
	// FromSeq and ToSeq bound the range, both inclusive. Sequence numbers
	// without an event (a rolled-back append) may lie inside it.
	FromSeq, ToSeq int64
	// Count is the number of events in the range when it was sealed.
	Count int64
	// Head is the hash chain over the events of the range, continuing from
	// the previous seal's Head.
	Head []byte
	// Prev is the hash of the previous seal (all zeros for the first).
	Prev []byte
	// Digests lists the sequence number and hash of each sealed event, so a
	// verifier can name the edited, deleted or inserted record; Head
	// commits to it. Cleared when the range is purged.
	Digests []byte
	// MAC authenticates the seal under the server's audit key.
	MAC      []byte
	SealedAt time.Time
	// PurgedAt is zero unless retention removed the range's events; the
	// seal itself stays so that the chain still verifies.
	PurgedAt time.Time
	// PurgeMAC authenticates the purge mark under the audit key, so that
	// marking a seal purged cannot hide deleted events.
	PurgeMAC []byte
}

// ConnectionFilter selects the token.issued events an access review
// aggregates; zero fields do not filter. Since is inclusive, Until
// exclusive, both at millisecond precision.
type ConnectionFilter struct {
	Since, Until time.Time
	Subject      string
	ClientID     string
}

// Connection is one (subject, client, resource, IdP) that obtained tokens,
// aggregated over its token.issued events (the access review).
type Connection struct {
	Subject  string
	ClientID string
	Resource string
	IdPID    string
	// Scopes is the sorted union of the granted scopes; nil if none.
	Scopes []string
	// First and Last are the times of the first and last issuance.
	First, Last time.Time
	Count       int64
}
