package idprole

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"net/http"
	"time"

	"github.com/authplane/authplane/internal/oauth"
	"github.com/authplane/authplane/internal/secret"
)

// handleToken is the token endpoint: the authorization code grant (ID
// tokens) and the RFC 8693 token exchange (ID-JAGs).
func (s *Server) handleToken(w http.ResponseWriter, r *http.Request) {
	f, err := readForm(w, r)
	if err != nil {
		oauth.WriteError(w, s.log, err)
		return
	}
	switch gts := f["grant_type"]; {
	case len(gts) == 0:
		oauth.WriteError(w, s.log, oauth.InvalidRequest("missing_grant_type"))
	case len(gts) > 1:
		oauth.WriteError(w, s.log, oauth.InvalidRequest("repeated_parameter"))
	case gts[0] == grantAuthorizationCode:
		s.codeGrant(w, r, f)
	case gts[0] == oauth.GrantTokenExchange:
		s.exchange(w, r, f)
	default:
		oauth.WriteError(w, s.log, oauth.UnsupportedGrantType("unsupported_grant_type"))
	}
}

// tokenResponse is the authorization code grant's answer (OIDC Core
// §3.1.3.3).
type tokenResponse struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	ExpiresIn   int64  `json:"expires_in"`
	IDToken     string `json:"id_token"`
	Scope       string `json:"scope"`
}

// codeGrant redeems an authorization code for an ID token and an access
// token for userinfo.
func (s *Server) codeGrant(w http.ResponseWriter, r *http.Request, f form) {
	ev := Event{Type: EventCodeDenied, Outcome: OutcomeFailure}
	resp, err := s.redeem(r, f, &ev)
	if err != nil {
		ev.Reason, ev.Code = oauth.ReasonOf(err), codeOf(err)
		_ = s.record(r, ev)
		oauth.WriteError(w, s.log, err)
		return
	}
	ev.Type, ev.Outcome = EventCodeRedeemed, OutcomeSuccess
	if err := s.record(r, ev); err != nil {
		oauth.WriteError(w, s.log, oauth.ServerError("audit_failed").WithCause(err))
		return
	}
	oauth.WriteJSON(w, http.StatusOK, resp)
}

func (s *Server) redeem(r *http.Request, f form, ev *Event) (tokenResponse, error) {
	app, claimed, err := s.authenticateApp(r.Context(), r, f)
	ev.AppID = claimed
	if err != nil {
		return tokenResponse{}, err
	}
	if !app.allows(grantAuthorizationCode) {
		return tokenResponse{}, oauth.UnauthorizedClient("grant_not_allowed")
	}
	if f.repeated() != "" {
		return tokenResponse{}, oauth.InvalidRequest("repeated_parameter")
	}
	code, ru, verifier := f.get("code"), f.get("redirect_uri"), f.get("code_verifier")
	if code == "" || ru == "" || verifier == "" {
		return tokenResponse{}, oauth.InvalidRequest("missing_parameter")
	}
	now := s.now()
	c, err := s.st.redeemCode(r.Context(), code, now)
	switch {
	case errors.Is(err, errCodeUsed):
		return tokenResponse{}, oauth.InvalidGrant("code_replayed")
	case errors.Is(err, errNotFound):
		return tokenResponse{}, oauth.InvalidGrant("unknown_code")
	case err != nil:
		return tokenResponse{}, err
	}
	ev.Username = c.Username
	if rerr := checkCode(c, app.ID, ru, verifier, now); rerr != nil {
		return tokenResponse{}, rerr
	}
	return s.mintLogin(r, app.ID, c, ev)
}

// checkCode applies RFC 6749 §4.1.3 and RFC 7636 §4.6 to a redeemed code:
// unexpired, issued to this app for this redirect URI, and the verifier's
// S256 hash equals the challenge.
func checkCode(c authCode, appID, redirectURI, verifier string, now time.Time) error {
	switch {
	case !now.Before(c.ExpiresAt):
		return oauth.InvalidGrant("code_expired")
	case c.AppID != appID:
		return oauth.InvalidGrant("code_client_mismatch")
	case c.RedirectURI != redirectURI:
		return oauth.InvalidGrant("redirect_uri_mismatch")
	case !isPKCEValue(verifier, 43, 128):
		return oauth.InvalidGrant("bad_code_verifier")
	}
	sum := sha256.Sum256([]byte(verifier))
	got := base64.RawURLEncoding.EncodeToString(sum[:])
	if subtle.ConstantTimeCompare([]byte(got), []byte(c.CodeChallenge)) != 1 {
		return oauth.InvalidGrant("pkce_mismatch")
	}
	return nil
}

// mintLogin issues the ID token and the userinfo access token of a
// redeemed code, from the user's current record.
func (s *Server) mintLogin(r *http.Request, appID string, c authCode, ev *Event) (tokenResponse, error) {
	u, err := s.st.getUser(r.Context(), c.Username)
	if errors.Is(err, errNotFound) {
		return tokenResponse{}, oauth.InvalidGrant("unknown_user")
	}
	if err != nil {
		return tokenResponse{}, err
	}
	now := s.now()
	exp := now.Add(s.cfg.IDTokenTTL)
	idc := idTokenClaims{
		Issuer: s.cfg.Issuer, Subject: u.Username, Audience: audience{appID}, Expiry: exp.Unix(),
		IssuedAt: now.Unix(), AuthTime: c.AuthTime.Unix(), AMR: []string{"pwd"}, Nonce: c.Nonce,
		Email: u.Email, Groups: nonNil(u.Groups), JTI: secret.ID(),
	}
	idt, err := s.sign(typIDToken, idc)
	if err != nil {
		return tokenResponse{}, err
	}
	atc := accessTokenClaims{
		Issuer: s.cfg.Issuer, Subject: u.Username, Audience: s.ep.uinfo, ClientID: appID, Scope: "openid",
		Expiry: exp.Unix(), IssuedAt: now.Unix(), JTI: secret.ID(),
	}
	at, err := s.sign(typAccessToken, atc)
	if err != nil {
		return tokenResponse{}, err
	}
	ev.TokenJTI, ev.TokenExp = idc.JTI, exp
	return tokenResponse{AccessToken: at, TokenType: "Bearer", ExpiresIn: int64(s.cfg.IDTokenTTL.Seconds()),
		IDToken: idt, Scope: "openid"}, nil
}

// codeOf returns the OAuth error code err carries, "server_error" if none.
func codeOf(err error) string {
	var oe *oauth.Error
	if errors.As(err, &oe) {
		return oe.Code
	}
	return oauth.CodeServerError
}
