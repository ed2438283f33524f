package idprole

import (
	"net/http"
	"strings"
)

// userinfo is the OIDC UserInfo response.
type userinfo struct {
	Subject string   `json:"sub"`
	Email   string   `json:"email,omitempty"`
	Groups  []string `json:"groups"`
}

// handleUserinfo answers OIDC UserInfo for an access token from the
// authorization code grant (typ at+jwt, aud = this endpoint). ID tokens and
// ID-JAGs are not access tokens and fail the typ check.
func (s *Server) handleUserinfo(w http.ResponseWriter, r *http.Request) {
	scheme, tok, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || tok == "" {
		s.bearerError(w, http.StatusUnauthorized, "")
		return
	}
	var c accessTokenClaims
	if err := s.verifyOwn(tok, typAccessToken, &c); err != nil {
		s.bearerError(w, http.StatusUnauthorized, "invalid_token")
		return
	}
	now := s.now().Unix()
	if c.Issuer != s.cfg.Issuer || c.Audience != s.ep.uinfo || now >= c.Expiry || c.Subject == "" {
		s.bearerError(w, http.StatusUnauthorized, "invalid_token")
		return
	}
	u, err := s.st.getUser(r.Context(), c.Subject)
	if err != nil {
		s.bearerError(w, http.StatusUnauthorized, "invalid_token")
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSONBody(w, http.StatusOK, userinfo{Subject: u.Username, Email: u.Email, Groups: nonNil(u.Groups)})
}

// bearerError answers an RFC 6750 §3 challenge.
func (s *Server) bearerError(w http.ResponseWriter, status int, code string) {
	ch := `Bearer realm="authplane-idp"`
	if code != "" {
		ch += `, error="` + code + `"`
	}
	w.Header().Set("WWW-Authenticate", ch)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
}
