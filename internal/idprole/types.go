package idprole

import "time"

// User is a local user of the IdP role (development and all-in-one
// deployments). The username is the OIDC sub: it never changes.
type User struct {
	Username string
	// Password is input only (AddUser); it is stored as a PBKDF2 hash and
	// never returned.
	Password string
	// Email is optional; it goes into ID tokens and ID-JAGs.
	Email string
	// Groups go into ID tokens and ID-JAGs (claim "groups") and feed policy.
	Groups    []string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// App is a client application registered at the IdP (an MCP client / AI
// agent). Every app is confidential: token requests authenticate with its
// secret (client_secret_basic or client_secret_post).
type App struct {
	ID   string
	Name string
	// Secret is the client secret. On AddApp an empty Secret is generated and
	// returned in the result, the only time it exists in clear; it is stored
	// as a keyed hash and never listed.
	Secret string
	// RedirectURIs are the exact redirect URIs of the authorization code flow.
	RedirectURIs []string
	// GrantTypes the app may use: "authorization_code" and the
	// token-exchange URN. nil means both.
	GrantTypes []string
	CreatedAt  time.Time
}

// Audience is a resource authorization server (for example AuthPlane) that
// the IdP mints ID-JAGs for.
type Audience struct {
	// ID names the audience in policy rules (their "idps" matcher) and the CLI.
	ID string
	// Issuer is the resource AS issuer identifier: the ID-JAG aud (IDP-03).
	Issuer string
	// Aliases are other values a client may send as audience (for example a
	// URN); they resolve to Issuer, which is what aud carries.
	Aliases []string
	// Resources are the RFC 8707 resource identifiers this AS governs: the
	// (audience, resource) pairs of SPEC IDP-06.
	Resources []string
	// Scopes is the catalogue of scopes of this AS. When set, a requested
	// scope outside it is invalid_scope and a request without scope asks
	// for all of it (RFC 6749 §3.3 default); when nil, scope is required.
	Scopes []string
	// ClientIDMap maps an app id to that app's client_id at this AS: the
	// ID-JAG client_id claim (IDP-23). An app without an entry may not get
	// ID-JAGs for this audience (unauthorized_client).
	ClientIDMap map[string]string
	CreatedAt   time.Time
}

// Event is one record of the IdP role's own audit trail. It never holds a
// token, a password or a secret; tokens are named by their jti.
type Event struct {
	Seq  int64     `json:"seq"`
	ID   string    `json:"id"`
	Time time.Time `json:"time"`
	// Type is one of the Event* constants.
	Type string `json:"type"`
	// Outcome is "success" or "failure".
	Outcome string `json:"outcome"`
	// Reason is a stable snake_case code for a failure.
	Reason string `json:"reason,omitempty"`
	// Code is the OAuth error code answered on a failure.
	Code     string `json:"error,omitempty"`
	AppID    string `json:"app_id,omitempty"`
	Username string `json:"username,omitempty"`
	Audience string `json:"audience,omitempty"`
	Resource string `json:"resource,omitempty"`
	// ClientID is the app's client_id at the audience (the ID-JAG claim).
	ClientID        string    `json:"client_id,omitempty"`
	RequestedScopes []string  `json:"requested_scopes,omitempty"`
	GrantedScopes   []string  `json:"granted_scopes,omitempty"`
	PolicyRuleIDs   []string  `json:"policy_rule_ids,omitempty"`
	SubjectTokenJTI string    `json:"subject_token_jti,omitempty"`
	TokenJTI        string    `json:"token_jti,omitempty"`
	TokenExp        time.Time `json:"token_exp,omitzero"`
	DPoPJKT         string    `json:"dpop_jkt,omitempty"`
	RemoteIP        string    `json:"remote_ip,omitempty"`
	UserAgent       string    `json:"user_agent,omitempty"`
	// Detail names the administrative object an admin event changed.
	Detail string `json:"detail,omitempty"`
}

// Audit event types.
const (
	EventIDJAGIssued  = "idjag.issued"
	EventIDJAGDenied  = "idjag.denied"
	EventSignIn       = "signin"
	EventCodeRedeemed = "code.redeemed"
	EventCodeDenied   = "code.denied"
	EventAdmin        = "admin"
)

// Outcomes.
const (
	OutcomeSuccess = "success"
	OutcomeFailure = "failure"
)
