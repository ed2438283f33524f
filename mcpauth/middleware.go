package mcpauth

import (
	"context"
	"errors"
	"math"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/modelcontextprotocol/go-sdk/auth"
)

// RFC 6750 §3.1 error codes used in challenges.
const (
	codeInvalidRequest    = "invalid_request"
	codeInvalidToken      = "invalid_token"
	codeInsufficientScope = "insufficient_scope"
)

// failure is a refusal: status, RFC 6750 error code ("" when the request
// carried no bearer credentials, §3.1), description and the scope to ask
// for.
type failure struct {
	status int
	code   string
	desc   string
	scope  []string
}

// Middleware returns middleware that admits a request only with a valid
// AuthPlane access token for this resource in the Authorization header
// carrying every one of requiredScopes, and passes the SDK's TokenInfo on
// in the request context (auth.TokenInfoFromContext; the SDK's streamable
// handler reads it from there). Refusals (SPEC MCP-28, MCP-30..MCP-34,
// RFC 6750 §3):
//
//   - no Authorization header, or a scheme other than Bearer (DPoP
//     included): 401, challenge without error code;
//   - invalid, expired, foreign-audience or revoked token: 401
//     error="invalid_token";
//   - token lacks a required scope: 403 error="insufficient_scope";
//   - two Authorization headers, a malformed one, or a token in both the
//     header and the query: 400 error="invalid_request";
//   - AuthPlane unreachable (no keys, introspection down): 503.
//
// Every 400, 401 and 403 carries WWW-Authenticate: Bearer with
// resource_metadata (the metadata URL) and, for 401 and 403, scope. A token
// in the query string alone is ignored (MCP-32): the request has no
// credentials.
func (k *Kit) Middleware(requiredScopes ...string) func(http.Handler) http.Handler {
	required := slices.Clone(requiredScopes)
	return func(next http.Handler) http.Handler {
		install := auth.RequireBearerToken(verifiedInfo, &auth.RequireBearerTokenOptions{
			// Expiry was checked against the kit's clock and leeway; the
			// SDK's wall-clock re-check is disabled.
			ClockSkew: time.Duration(math.MaxInt64),
		})(next)
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			info, f := k.authenticate(r, required)
			if f != nil {
				k.refuse(w, f)
				return
			}
			ctx := context.WithValue(r.Context(), verifiedKey{}, info)
			install.ServeHTTP(w, r.WithContext(ctx))
		})
	}
}

// verifiedKey carries the TokenInfo Middleware verified to verifiedInfo.
type verifiedKey struct{}

// verifiedInfo is the TokenVerifier of the SDK middleware Middleware wraps:
// it hands over the already verified TokenInfo, so the SDK stores it under
// its own context key.
func verifiedInfo(ctx context.Context, _ string, _ *http.Request) (*auth.TokenInfo, error) {
	if ti, ok := ctx.Value(verifiedKey{}).(*auth.TokenInfo); ok {
		return ti, nil
	}
	return nil, auth.ErrInvalidToken
}

// authenticate extracts, verifies and scope-checks the request's token.
func (k *Kit) authenticate(r *http.Request, required []string) (*auth.TokenInfo, *failure) {
	raw, f := bearerToken(r)
	if f != nil {
		f.scope = k.initialScope(required)
		return nil, f
	}
	c, err := k.verify(r.Context(), raw)
	if err != nil {
		return nil, k.verifyFailure(err, required)
	}
	info := tokenInfo(c)
	if missing := missingScopes(info.Scopes, required); len(missing) > 0 {
		return nil, &failure{status: http.StatusForbidden, code: codeInsufficientScope,
			desc:  "the access token lacks scope " + strings.Join(missing, " "),
			scope: k.challengeScope(info.Scopes, required)}
	}
	return info, nil
}

func (k *Kit) verifyFailure(err error, required []string) *failure {
	var ite *InvalidTokenError
	switch {
	case errors.As(err, &ite):
		return &failure{status: http.StatusUnauthorized, code: codeInvalidToken, desc: ite.Description,
			scope: k.initialScope(required)}
	case errors.Is(err, ErrUnavailable):
		k.log.Warn("mcpauth: cannot verify tokens", "error", err)
		return &failure{status: http.StatusServiceUnavailable}
	default:
		k.log.Error("mcpauth: token verification failed", "error", err)
		return &failure{status: http.StatusInternalServerError}
	}
}

// bearerToken returns the token of the request's one Authorization header
// with the Bearer scheme (RFC 6750 §2.1; the only method, MCP-32).
func bearerToken(r *http.Request) (string, *failure) {
	vals := r.Header.Values("Authorization")
	inQuery := r.URL.Query().Has("access_token")
	switch {
	case len(vals) > 1:
		return "", badRequest("more than one Authorization header")
	case len(vals) == 0:
		return "", &failure{status: http.StatusUnauthorized}
	case inQuery:
		return "", badRequest("the access token must be sent only in the Authorization header")
	}
	scheme, rest, _ := strings.Cut(vals[0], " ")
	if !strings.EqualFold(scheme, "Bearer") {
		return "", &failure{status: http.StatusUnauthorized}
	}
	raw := strings.TrimLeft(rest, " ")
	if !isB64Token(raw) {
		return "", badRequest("malformed Authorization header")
	}
	return raw, nil
}

func badRequest(desc string) *failure {
	return &failure{status: http.StatusBadRequest, code: codeInvalidRequest, desc: desc}
}

// isB64Token reports whether s matches RFC 6750 §2.1 b64token:
// 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=".
func isB64Token(s string) bool {
	body := strings.TrimRight(s, "=")
	if body == "" {
		return false
	}
	for i := 0; i < len(body); i++ {
		c := body[i]
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			strings.IndexByte("-._~+/", c) >= 0
		if !ok {
			return false
		}
	}
	return true
}

// initialScope is the scope of a 401 challenge: the scopes this endpoint
// requires, else the baseline ScopesSupported (MCP-30).
func (k *Kit) initialScope(required []string) []string {
	if len(required) > 0 {
		return required
	}
	return k.cfg.ScopesSupported
}

// challengeScope is the scope of a 403 challenge (MCP-33): the granted
// scopes this server knows, so a client re-authorizing does not lose them,
// followed by the needed scopes not yet among them.
func (k *Kit) challengeScope(granted, needed []string) []string {
	var out []string
	for _, s := range granted {
		known := len(k.cfg.ScopesSupported) == 0 || slices.Contains(k.cfg.ScopesSupported, s)
		if known && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	for _, s := range needed {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// missingScopes returns the needed scopes not in granted.
func missingScopes(granted, needed []string) []string {
	var out []string
	for _, s := range needed {
		if !slices.Contains(granted, s) && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// refuse writes f: WWW-Authenticate for 400, 401 and 403, no-store, and a short
// text body naming the error code.
func (k *Kit) refuse(w http.ResponseWriter, f *failure) {
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	switch f.status {
	case http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden:
		h.Set("WWW-Authenticate", k.challenge(f))
	}
	if f.status == http.StatusServiceUnavailable {
		h.Set("Retry-After", "5")
	}
	text := f.code
	if text == "" {
		text = strings.ToLower(http.StatusText(f.status))
	}
	if f.desc != "" {
		text += ": " + f.desc
	}
	http.Error(w, text, f.status)
}

// challenge builds the Bearer challenge (RFC 6750 §3, RFC 9728 §5.1).
func (k *Kit) challenge(f *failure) string {
	var params []string
	if f.code != "" {
		params = append(params, "error="+quote(f.code))
		if f.desc != "" {
			params = append(params, "error_description="+quote(f.desc))
		}
	}
	params = append(params, "resource_metadata="+quote(k.metadataURL))
	if len(f.scope) > 0 && f.status != http.StatusBadRequest {
		params = append(params, "scope="+quote(strings.Join(f.scope, " ")))
	}
	return "Bearer " + strings.Join(params, ", ")
}

// quote returns s as an RFC 9110 quoted-string.
func quote(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`)
	return `"` + r.Replace(s) + `"`
}
