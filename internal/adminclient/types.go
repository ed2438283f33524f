package adminclient

import (
	"encoding/json"
	"time"
)

// OAuthClient is a registered OAuth client as the admin API shows it.
// Optional lists are nil for "no restriction" (JSON null) and empty for
// "none".
type OAuthClient struct {
	ID         string   `json:"id"`
	Name       string   `json:"name"`
	GrantTypes []string `json:"grant_types"`
	// AuthMethod is client_secret_basic, client_secret_post or
	// private_key_jwt.
	AuthMethod  string          `json:"token_endpoint_auth_method"`
	JWKS        json.RawMessage `json:"jwks,omitempty"`
	JWKSURI     string          `json:"jwks_uri,omitempty"`
	AllowedIdPs []string        `json:"allowed_idps"`
	Enabled     bool            `json:"enabled"`
	CreatedAt   time.Time       `json:"created_at"`
	UpdatedAt   time.Time       `json:"updated_at"`
}

// CreatedClient is the answer to a client creation: the client plus, for the
// secret authentication methods, its secret, which is shown only this once.
type CreatedClient struct {
	OAuthClient
	ClientSecret string `json:"client_secret,omitempty"`
}

// ClientSecret is the answer to a secret rotation; the secret is shown only
// this once.
type ClientSecret struct {
	ClientID     string `json:"client_id"`
	ClientSecret string `json:"client_secret"`
}

// Resource is a protected MCP server.
type Resource struct {
	ID     string   `json:"id"`
	URI    string   `json:"uri"`
	Name   string   `json:"name"`
	Scopes []string `json:"scopes"`
	// AccessTokenTTL is a Go duration string; empty or "0s" means the
	// server default.
	AccessTokenTTL string    `json:"access_token_ttl,omitempty"`
	Enabled        bool      `json:"enabled"`
	CreatedAt      time.Time `json:"created_at"`
	UpdatedAt      time.Time `json:"updated_at"`
}

// IdP is a trusted identity provider. Durations are Go duration strings.
type IdP struct {
	ID                   string            `json:"id"`
	Issuer               string            `json:"issuer"`
	JWKSURI              string            `json:"jwks_uri,omitempty"`
	AllowedAlgs          []string          `json:"allowed_algs"`
	MaxAssertionLifetime string            `json:"max_assertion_lifetime,omitempty"`
	ClockSkew            string            `json:"clock_skew,omitempty"`
	GroupsClaim          string            `json:"groups_claim,omitempty"`
	SubjectMode          string            `json:"subject_mode,omitempty"`
	EmailDomains         []string          `json:"email_domains"`
	ClientIDMap          map[string]string `json:"client_id_map"`
	AllowedHosts         []string          `json:"allowed_hosts"`
	Tenant               string            `json:"tenant"`
	Enabled              bool              `json:"enabled"`
	CreatedAt            time.Time         `json:"created_at"`
	UpdatedAt            time.Time         `json:"updated_at"`
}

// IdPStatus is the state of a trusted IdP's key cache and its latest fetch.
// Times the server has not reached yet are nil.
type IdPStatus struct {
	IdPID       string     `json:"idp_id"`
	JWKSURI     string     `json:"jwks_uri"`
	FetchedAt   *time.Time `json:"fetched_at,omitempty"`
	ExpiresAt   *time.Time `json:"expires_at,omitempty"`
	LastAttempt *time.Time `json:"last_attempt,omitempty"`
	LastError   string     `json:"last_error"`
	// RefreshRequested is when an admin last asked for a refetch.
	RefreshRequested *time.Time `json:"refresh_requested,omitempty"`
	Kids             []string   `json:"kids"`
}

// Requirement is the step-up requirement of a policy rule.
type Requirement struct {
	AMRAny     []string `json:"amr_any"`
	ACRAny     []string `json:"acr_any"`
	MaxAuthAge string   `json:"max_auth_age,omitempty"`
}

// Policy is one policy rule. Matcher lists are nil to match anything and
// empty to match nothing.
type Policy struct {
	ID          string       `json:"id"`
	Description string       `json:"description,omitempty"`
	Effect      string       `json:"effect"`
	IdPs        []string     `json:"idps"`
	Clients     []string     `json:"clients"`
	Resources   []string     `json:"resources"`
	GroupsAny   []string     `json:"groups_any"`
	Subjects    []string     `json:"subjects"`
	Require     *Requirement `json:"require,omitempty"`
	Scopes      []string     `json:"scopes"`
	Condition   string       `json:"condition,omitempty"`
	Enabled     bool         `json:"enabled"`
	CreatedAt   time.Time    `json:"created_at"`
	UpdatedAt   time.Time    `json:"updated_at"`
}

// SubjectMapping maps an IdP subject to a local subject.
type SubjectMapping struct {
	IdPID           string    `json:"idp_id"`
	ExternalSubject string    `json:"external_subject"`
	LocalSubject    string    `json:"local_subject"`
	Enabled         bool      `json:"enabled"`
	CreatedAt       time.Time `json:"created_at"`
	UpdatedAt       time.Time `json:"updated_at"`
}

// SigningKey is one of the server's token-signing keys (public data only).
type SigningKey struct {
	KID          string     `json:"kid"`
	Alg          string     `json:"alg"`
	State        string     `json:"state"`
	CreatedAt    time.Time  `json:"created_at"`
	RetiredAt    *time.Time `json:"retired_at,omitempty"`
	PublishUntil *time.Time `json:"publish_until,omitempty"`
}

// KeyRotation is the answer to a key rotation: the new signing key's kid and
// the kids it retired.
type KeyRotation struct {
	KID     string   `json:"kid"`
	Retired []string `json:"retired"`
}

// Revocation kinds accepted by POST /revocations.
const (
	RevokeClient  = "client"
	RevokeSubject = "subject"
	RevokeIdP     = "idp"
)

// RevocationRequest revokes every token of one client, subject or IdP issued
// at or before now.
type RevocationRequest struct {
	Kind  string `json:"kind"`
	Value string `json:"value"`
	// Reason is an optional note recorded with the revocation.
	Reason string `json:"reason,omitempty"`
}

// Revocation is a recorded bulk revocation.
type Revocation struct {
	Kind      string    `json:"kind"`
	Value     string    `json:"value"`
	At        time.Time `json:"at"`
	ExpiresAt time.Time `json:"expires_at"`
	Reason    string    `json:"reason,omitempty"`
}

// AuditEvent is one audit record (DESIGN.md §6).
type AuditEvent struct {
	Seq             int64           `json:"seq"`
	ID              string          `json:"id"`
	Time            time.Time       `json:"time"`
	Type            string          `json:"type"`
	Outcome         string          `json:"outcome"`
	Reason          string          `json:"reason,omitempty"`
	IdPID           string          `json:"idp_id,omitempty"`
	Issuer          string          `json:"issuer,omitempty"`
	AssertionJTI    string          `json:"assertion_jti,omitempty"`
	AssertionSub    string          `json:"assertion_sub,omitempty"`
	Subject         string          `json:"subject,omitempty"`
	ClientID        string          `json:"client_id,omitempty"`
	Resource        string          `json:"resource,omitempty"`
	RequestedScopes []string        `json:"requested_scopes,omitempty"`
	GrantedScopes   []string        `json:"granted_scopes,omitempty"`
	PolicyRuleIDs   []string        `json:"policy_rule_ids,omitempty"`
	TokenJTI        string          `json:"token_jti,omitempty"`
	TokenExp        *time.Time      `json:"token_exp,omitempty"`
	RemoteIP        string          `json:"remote_ip,omitempty"`
	UserAgent       string          `json:"user_agent,omitempty"`
	RequestID       string          `json:"request_id,omitempty"`
	Actor           string          `json:"actor,omitempty"`
	Before          json.RawMessage `json:"before,omitempty"`
	After           json.RawMessage `json:"after,omitempty"`
}
