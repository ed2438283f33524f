package idprole

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/authplane/authplane/internal/oauth"
)

// authRequest is an OIDC authorization request (authorization code flow
// with PKCE S256).
type authRequest struct {
	ClientID, RedirectURI, ResponseType, Scope       string
	State, Nonce, CodeChallenge, CodeChallengeMethod string
	LoginHint                                        string
}

func authRequestFrom(f form) authRequest {
	return authRequest{
		ClientID: f.get("client_id"), RedirectURI: f.get("redirect_uri"), ResponseType: f.get("response_type"),
		Scope: f.get("scope"), State: f.get("state"), Nonce: f.get("nonce"), CodeChallenge: f.get("code_challenge"),
		CodeChallengeMethod: f.get("code_challenge_method"), LoginHint: f.get("login_hint"),
	}
}

// values returns the request's non-empty parameters (carried through the
// sign-in form; Encode sorts them, which makes a canonical form).
func (a authRequest) values() url.Values {
	v := url.Values{}
	for _, p := range []struct{ name, val string }{
		{"client_id", a.ClientID}, {"redirect_uri", a.RedirectURI}, {"response_type", a.ResponseType},
		{"scope", a.Scope}, {"state", a.State}, {"nonce", a.Nonce}, {"code_challenge", a.CodeChallenge},
		{"code_challenge_method", a.CodeChallengeMethod}, {"login_hint", a.LoginHint},
	} {
		if p.val != "" {
			v.Set(p.name, p.val)
		}
	}
	return v
}

// pageError is an authorization error shown on a page, never redirected:
// the client or redirect URI could not be trusted (SPEC MCP-19, RFC 6749
// §4.1.2.1).
type pageError struct {
	status int
	msg    string
	reason string
}

func (e *pageError) Error() string { return e.reason }

// redirectError is an authorization error sent back to the client's
// validated redirect URI.
type redirectError struct {
	code, reason string
}

func (e *redirectError) Error() string { return e.code + " (" + e.reason + ")" }

// checkClient validates client_id and redirect_uri: until both are known
// good nothing is redirected.
func (s *Server) checkClient(ctx context.Context, f form) (appRow, error) {
	if len(f["client_id"]) > 1 || len(f["redirect_uri"]) > 1 {
		return appRow{}, &pageError{http.StatusBadRequest, "The request names its client or redirect URI more than once.", "repeated_client_parameter"}
	}
	id, ru := f.get("client_id"), f.get("redirect_uri")
	if id == "" || ru == "" {
		return appRow{}, &pageError{http.StatusBadRequest, "The request lacks client_id or redirect_uri.", "missing_client_parameter"}
	}
	app, err := s.st.getApp(ctx, id)
	if errors.Is(err, errNotFound) {
		return appRow{}, &pageError{http.StatusBadRequest, "The application is not registered with this identity provider.", "unknown_client"}
	}
	if err != nil {
		return appRow{}, err
	}
	if !slices.Contains(app.RedirectURIs, ru) {
		return appRow{}, &pageError{http.StatusBadRequest, "The redirect URI is not registered for this application.", "redirect_uri_mismatch"}
	}
	return app, nil
}

// checkRequest validates the rest of the request once the redirect URI is
// trusted; failures are redirected.
func checkRequest(app appRow, f form) *redirectError {
	if k := f.repeated(); k != "" {
		return &redirectError{oauth.CodeInvalidRequest, "repeated_parameter"}
	}
	a := authRequestFrom(f)
	switch {
	case f.has("request"):
		return &redirectError{"request_not_supported", "request_object"}
	case f.has("request_uri"):
		return &redirectError{"request_uri_not_supported", "request_uri"}
	case !app.allows(grantAuthorizationCode):
		return &redirectError{oauth.CodeUnauthorizedClient, "grant_not_allowed"}
	case a.ResponseType == "":
		return &redirectError{oauth.CodeInvalidRequest, "missing_response_type"}
	case a.ResponseType != "code":
		return &redirectError{"unsupported_response_type", "response_type"}
	case a.CodeChallengeMethod != "S256":
		return &redirectError{oauth.CodeInvalidRequest, "pkce_s256_required"}
	case !isPKCEValue(a.CodeChallenge, 43, 43):
		return &redirectError{oauth.CodeInvalidRequest, "bad_code_challenge"}
	case !validScope(a.Scope) || !slices.Contains(strings.Fields(a.Scope), "openid"):
		return &redirectError{oauth.CodeInvalidScope, "openid_scope_required"}
	case len(a.State) > 1024 || len(a.Nonce) > 512 || len(a.LoginHint) > 256:
		return &redirectError{oauth.CodeInvalidRequest, "parameter_too_long"}
	case f.get("prompt") == "none":
		return &redirectError{"login_required", "prompt_none"}
	}
	return nil
}

// isPKCEValue reports whether v is min..max characters of the RFC 7636
// unreserved set (a code verifier; a S256 challenge is 43 of base64url).
func isPKCEValue(v string, min, max int) bool {
	if len(v) < min || len(v) > max {
		return false
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~') {
			return false
		}
	}
	return true
}

// redirectTo sends the browser to the validated redirect URI with params
// and the RFC 9207 iss, keeping the URI's own query.
func (s *Server) redirectTo(w http.ResponseWriter, r *http.Request, redirectURI string, params url.Values) {
	u, err := url.Parse(redirectURI)
	if err != nil { // registered URIs are validated on registration
		s.renderError(w, &pageError{http.StatusInternalServerError, "The redirect URI is invalid.", "bad_redirect_uri"})
		return
	}
	q := u.Query()
	for k, v := range params {
		q[k] = v
	}
	q.Set("iss", s.cfg.Issuer)
	u.RawQuery = q.Encode()
	setPageHeaders(w)
	http.Redirect(w, r, u.String(), http.StatusSeeOther)
}

// redirectError sends e to the client, with the request's state.
func (s *Server) sendRedirectError(w http.ResponseWriter, r *http.Request, f form, e *redirectError) {
	p := url.Values{"error": {e.code}}
	if st := f.get("state"); st != "" && len(f["state"]) == 1 {
		p.Set("state", st)
	}
	s.log.Info("authorization request rejected", "client_id", f.get("client_id"), "error", e.code, "reason", e.reason)
	s.redirectTo(w, r, f.get("redirect_uri"), p)
}
