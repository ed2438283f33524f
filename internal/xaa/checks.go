package xaa

import (
	"fmt"
	"strings"
	"time"
)

// Check is one local check of an ID-JAG against what the resource AS will
// require (SPEC B.2), run before sending it so the CLI can say what will
// fail and why.
type Check struct {
	Name string
	OK   bool
	Note string
}

// Expect is what the resource authorization server expects.
type Expect struct {
	// ASIssuer is the resource AS's issuer: the only acceptable aud.
	ASIssuer string
	// ClientID is the client's id at the resource AS.
	ClientID string
	// Resource is the MCP server the token is for ("" skips the check).
	Resource string
	Now      time.Time
}

// CheckIDJAG runs the checks of an ID-JAG that need no keys.
func CheckIDJAG(d Decoded, e Expect) []Check {
	typ, _ := d.Header["typ"].(string)
	alg, _ := d.Header["alg"].(string)
	iat, hasIat := d.Int("iat")
	exp, hasExp := d.Int("exp")
	now := e.Now.Unix()
	checks := []Check{
		{"typ is oauth-id-jag+jwt", strings.EqualFold(strings.TrimPrefix(strings.ToLower(typ), "application/"), "oauth-id-jag+jwt"), "typ=" + typ},
		{"alg is ES256 or RS256", alg == "ES256" || alg == "RS256", "alg=" + alg},
		{"kid present", d.Header["kid"] != nil, ""},
		{"aud is the AS issuer exactly", audIs(d.Claims["aud"], e.ASIssuer), fmt.Sprintf("aud=%v, AS issuer=%s", d.Claims["aud"], e.ASIssuer)},
		{"client_id is the client's id at the AS", d.Str("client_id") == e.ClientID, fmt.Sprintf("client_id=%q, expected %q (the IdP maps its app id per audience)", d.Str("client_id"), e.ClientID)},
		{"iss, sub, jti present", d.Str("iss") != "" && d.Str("sub") != "" && d.Str("jti") != "", ""},
		{"exp in the future", hasExp && exp > now, fmt.Sprintf("exp in %ds", exp-now)},
		{"lifetime ≤ 5 minutes", hasIat && hasExp && exp-iat <= 300, fmt.Sprintf("exp-iat=%ds", exp-iat)},
		{"resource claim present", d.Claims["resource"] != nil, fmt.Sprintf("resource=%v", d.Claims["resource"])},
	}
	if e.Resource != "" {
		checks = append(checks, Check{"resource claim names the MCP server", hasResource(d.Claims["resource"], e.Resource), "want " + e.Resource})
	}
	return checks
}

func audIs(aud any, want string) bool {
	switch v := aud.(type) {
	case string:
		return v == want
	case []any:
		return len(v) == 1 && v[0] == want
	}
	return false
}

func hasResource(claim any, want string) bool {
	switch v := claim.(type) {
	case string:
		return strings.EqualFold(v, want) || v == want
	case []any:
		for _, r := range v {
			if s, _ := r.(string); s == want {
				return true
			}
		}
	}
	return false
}

// Hint explains an OAuth error code returned by the resource AS for the
// jwt-bearer grant, naming what to check.
func Hint(code string) string {
	switch code {
	case "invalid_client":
		return "the AS did not authenticate the client: check client id/secret and its token_endpoint_auth_method"
	case "unauthorized_client":
		return "the client is not registered for the jwt-bearer grant (grant_types)"
	case "invalid_grant":
		return "the ID-JAG was refused: IdP registered and enabled at the AS, key known (kid), aud = AS issuer, lifetime, " +
			"client_id mapping, resource registered, subject mapping, policy — `authplane admin policy explain --assertion FILE` " +
			"and the AS audit trail (`authplane admin audit list --jti <jti>`) name the precise reason"
	case "invalid_scope":
		return "the requested scope exceeds what the ID-JAG grants"
	case "invalid_target":
		return "the resource parameter is not one of the ID-JAG's resources"
	case "temporarily_unavailable":
		return "the AS could not obtain the IdP's keys (IdP JWKS unreachable and none cached): check `authplane admin idps status`"
	}
	return ""
}
