package idprole

import (
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/authplane/authplane/internal/oauth"
)

// authenticateApp authenticates the app of a token request with
// client_secret_basic or client_secret_post (SPEC IDP-11). It returns the
// app and the client id the request claimed (for audit, also on failure).
// Exactly one mechanism must be used; no mechanism or a wrong secret is
// 401 invalid_client, with a Basic challenge when the Authorization header
// was used (TEP-03).
func (s *Server) authenticateApp(ctx context.Context, r *http.Request, f form) (appRow, string, error) {
	authz := r.Header.Get("Authorization")
	switch {
	case authz != "" && f.has("client_secret"):
		return appRow{}, f.get("client_id"), oauth.InvalidRequest("multiple_client_auth")
	case f.has("client_assertion") || f.has("client_assertion_type"):
		return appRow{}, f.get("client_id"), oauth.InvalidClient("unsupported_client_auth_method", false)
	case authz != "":
		id, sec, err := parseBasic(authz)
		if err != nil {
			return appRow{}, "", err
		}
		if cid := f.get("client_id"); cid != "" && cid != id {
			return appRow{}, id, oauth.InvalidRequest("client_id_mismatch")
		}
		app, err := s.verifyApp(ctx, id, sec, true)
		return app, id, err
	case f.has("client_secret"):
		id := f.get("client_id")
		app, err := s.verifyApp(ctx, id, f.get("client_secret"), false)
		return app, id, err
	default:
		return appRow{}, f.get("client_id"), oauth.InvalidClient("no_client_auth", false)
	}
}

// parseBasic decodes an RFC 6749 §2.3.1 Basic header: both halves are
// form-urlencoded before base64.
func parseBasic(h string) (id, sec string, err error) {
	scheme, cred, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Basic") {
		return "", "", oauth.InvalidClient("unsupported_authorization_scheme", true)
	}
	raw, derr := base64.StdEncoding.DecodeString(strings.TrimSpace(cred))
	if derr != nil {
		return "", "", oauth.InvalidClient("malformed_basic", true)
	}
	rawID, rawSec, ok := strings.Cut(string(raw), ":")
	if !ok {
		return "", "", oauth.InvalidClient("malformed_basic", true)
	}
	if id, err = url.QueryUnescape(rawID); err != nil {
		return "", "", oauth.InvalidClient("malformed_basic", true)
	}
	if sec, err = url.QueryUnescape(rawSec); err != nil {
		return "", id, oauth.InvalidClient("malformed_basic", true)
	}
	return id, sec, nil
}

// verifyApp checks sec against the stored keyed hash in constant time. An
// unknown app costs the same hash computation as a known one.
func (s *Server) verifyApp(ctx context.Context, id, sec string, basic bool) (appRow, error) {
	if id == "" || sec == "" {
		return appRow{}, oauth.InvalidClient("missing_client_credentials", basic)
	}
	app, err := s.st.getApp(ctx, id)
	if errors.Is(err, errNotFound) {
		_ = s.secrets.Verify(sec, s.secrets.Hash("")) // equal work for unknown ids
		return appRow{}, oauth.InvalidClient("unknown_client", basic)
	}
	if err != nil {
		return appRow{}, err
	}
	if !s.secrets.Verify(sec, app.secretHash) {
		return appRow{}, oauth.InvalidClient("bad_client_secret", basic)
	}
	return app, nil
}

// allows reports whether the app may use grant type gt.
func (a appRow) allows(gt string) bool {
	for _, g := range a.GrantTypes {
		if g == gt {
			return true
		}
	}
	return false
}
