package mcpauth

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/modelcontextprotocol/go-sdk/auth"

	"github.com/authplane/authplane/internal/token"
)

// Keys of auth.TokenInfo.Extra set by the kit.
const (
	// ExtraClientID holds the token's client_id: the MCP client (agent).
	ExtraClientID = "client_id"
	// ExtraJTI holds the token's jti, the identifier to log.
	ExtraJTI = "jti"
	// ExtraIdPIssuer holds idp_iss, the enterprise IdP whose ID-JAG the
	// token was exchanged for, when present.
	ExtraIdPIssuer = "idp_iss"
)

var (
	// errDPoPBound: the token carries a cnf claim (a sender-constrained
	// token); this kit accepts Bearer tokens only (MCP-37, RFC 9449 §7.2).
	errDPoPBound = errors.New("mcpauth: sender-constrained token presented as Bearer")
	// errInactive: introspection says the token is not active (revoked).
	errInactive = errors.New("mcpauth: token is not active")
)

// InvalidTokenError is a verification failure: the token must be refused
// with 401 invalid_token (AT-05, MCP-31). It unwraps to auth.ErrInvalidToken
// (so the SDK's RequireBearerToken answers 401) and to the cause, which is
// one of the sentinels of internal/token or the kit's own. Error returns
// only the client-safe description.
type InvalidTokenError struct {
	// Description is safe to show the client (error_description).
	Description string
	cause       error
}

// Error returns the client-safe description.
func (e *InvalidTokenError) Error() string { return "invalid token: " + e.Description }

// Unwrap returns auth.ErrInvalidToken and the cause.
func (e *InvalidTokenError) Unwrap() []error { return []error{auth.ErrInvalidToken, e.cause} }

// invalid classifies a verification failure for the client.
func invalid(cause error) error {
	desc := "the access token is invalid"
	switch {
	case errors.Is(cause, token.ErrType):
		desc = "not an access token"
	case errors.Is(cause, token.ErrExpired):
		desc = "the access token expired or is not yet valid"
	case errors.Is(cause, token.ErrAudience):
		desc = "the access token is not for this resource"
	case errors.Is(cause, token.ErrIssuer):
		desc = "the access token has the wrong issuer"
	case errors.Is(cause, token.ErrUnknownKey), errors.Is(cause, token.ErrSignature):
		desc = "the access token signature cannot be verified"
	case errors.Is(cause, errDPoPBound):
		desc = "sender-constrained tokens are not accepted with the Bearer scheme"
	case errors.Is(cause, errInactive):
		desc = "the access token is no longer active"
	}
	return &InvalidTokenError{Description: desc, cause: cause}
}

// Verifier returns the kit's verification as the SDK's auth.TokenVerifier,
// for use with auth.RequireBearerToken or any code that holds a raw token.
// Invalid tokens fail with an *InvalidTokenError (auth.ErrInvalidToken);
// an unreachable AuthPlane fails with ErrUnavailable. The TokenInfo carries
// the scopes, the expiry, UserID = sub and Extra ExtraClientID, ExtraJTI
// and, when present, ExtraIdPIssuer.
func (k *Kit) Verifier() auth.TokenVerifier {
	return func(ctx context.Context, raw string, _ *http.Request) (*auth.TokenInfo, error) {
		c, err := k.verify(ctx, raw)
		if err != nil {
			return nil, err
		}
		return tokenInfo(c), nil
	}
}

// verify checks raw as an access token for this resource: key set fresh
// (fetched if needed), token.Verifier's RFC 9068 §4 checks with aud =
// Resource, one refetch on an unknown kid (rate-limited), no cnf, and,
// when configured, introspection.
func (k *Kit) verify(ctx context.Context, raw string) (token.Claims, error) {
	fetched, err := k.keys.ensure(ctx)
	if err != nil {
		return token.Claims{}, err
	}
	c, err := k.verifier.Verify(raw, k.cfg.Resource)
	if errors.Is(err, token.ErrUnknownKey) && !fetched && k.keys.refetchUnknownKid(ctx) {
		c, err = k.verifier.Verify(raw, k.cfg.Resource)
	}
	if err != nil {
		k.log.Debug("mcpauth: token refused", "reason", err)
		return token.Claims{}, invalid(err)
	}
	if hasConfirmation(raw) {
		k.log.Debug("mcpauth: token refused", "reason", errDPoPBound, "jti", c.JTI)
		return token.Claims{}, invalid(errDPoPBound)
	}
	if k.introspect != nil {
		if err := k.introspect.check(ctx, raw, c); err != nil {
			k.log.Debug("mcpauth: token refused by introspection", "reason", err, "jti", c.JTI)
			return token.Claims{}, err
		}
	}
	return c, nil
}

// hasConfirmation reports whether the verified token's payload has a cnf
// member (RFC 7800), which token.Claims does not carry.
func hasConfirmation(raw string) bool {
	segs := strings.Split(raw, ".")
	if len(segs) != 3 {
		return false
	}
	payload, err := base64.RawURLEncoding.DecodeString(segs[1])
	if err != nil {
		return false
	}
	var p struct {
		Cnf json.RawMessage `json:"cnf"`
	}
	return json.Unmarshal(payload, &p) == nil && len(p.Cnf) > 0
}

// tokenInfo converts verified claims to the SDK's TokenInfo.
func tokenInfo(c token.Claims) *auth.TokenInfo {
	extra := map[string]any{ExtraClientID: c.ClientID, ExtraJTI: c.JTI}
	if c.IdPIssuer != "" {
		extra[ExtraIdPIssuer] = c.IdPIssuer
	}
	return &auth.TokenInfo{
		Scopes:     strings.Fields(c.Scope),
		Expiration: time.Unix(c.Expiry, 0),
		UserID:     c.Subject,
		Extra:      extra,
	}
}
