package admin

import (
	"net/http"
	"strings"

	"github.com/authplane/authplane/internal/secret"
)

// Authenticator checks the admin bearer token. The token itself is never
// held: only its keyed hash, compared in constant time (secret.Hasher).
type Authenticator struct {
	Hasher *secret.Hasher
	// TokenHash is Hasher.Hash(admin token); empty rejects every request.
	TokenHash []byte
}

// Wrap lets through only requests that carry the admin token as an
// RFC 6750 bearer token; the others get a 401 problem.
func (a Authenticator) Wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok, present := bearer(r.Header.Get("Authorization"))
		if a.Hasher != nil && tok != "" && a.Hasher.Verify(tok, a.TokenHash) {
			next.ServeHTTP(w, r)
			return
		}
		challenge := `Bearer realm="authplane-admin"`
		if present {
			challenge += `, error="invalid_token"`
		}
		w.Header().Set("WWW-Authenticate", challenge)
		writeProblem(w, http.StatusUnauthorized, "unauthorized", "Unauthorized",
			"a valid admin bearer token is required", nil)
	})
}

// bearer extracts the token of an "Authorization: Bearer <token>" header;
// present reports whether any credentials were sent.
func bearer(h string) (tok string, present bool) {
	if h == "" {
		return "", false
	}
	scheme, tok, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", true
	}
	return strings.TrimSpace(tok), true
}
