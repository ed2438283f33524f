package idprole

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/authplane/authplane/internal/oauth"
	"github.com/authplane/authplane/internal/secret"
)

// exchangeIDJAG runs the token exchange checks in order (cheap and local
// first, the subject token's signature next, policy last, the single-use
// DPoP jti just before minting) and fills ev as it learns.
func (s *Server) exchangeIDJAG(r *http.Request, f form, ev *Event) (exchangeResponse, error) {
	ctx := r.Context()
	app, claimed, err := s.authenticateApp(ctx, r, f)
	ev.AppID = claimed
	if err != nil {
		return exchangeResponse{}, err
	}
	if !app.allows(oauth.GrantTokenExchange) {
		return exchangeResponse{}, oauth.UnauthorizedClient("grant_not_allowed")
	}
	req, err := parseExchange(f)
	ev.Audience, ev.Resource, ev.RequestedScopes = f.get("audience"), f.get("resource"), req.scopes
	if err != nil {
		return exchangeResponse{}, err
	}
	proof, err := s.checkDPoP(r)
	if err != nil {
		return exchangeResponse{}, err
	}
	aud, clientID, err := s.target(ctx, app.ID, req)
	if err != nil {
		return exchangeResponse{}, err
	}
	ev.Audience, ev.ClientID = aud.Issuer, clientID
	subj, err := s.subject(ctx, req.subjectToken, app.ID)
	ev.Username, ev.SubjectTokenJTI = subj.claims.Subject, subj.claims.JTI // zero unless the signature verified
	if err != nil {
		return exchangeResponse{}, err
	}
	granted, err := s.decide(ctx, app.ID, aud, req, subj, ev)
	if err != nil {
		return exchangeResponse{}, err
	}
	if err := s.consumeProof(ctx, proof); err != nil {
		return exchangeResponse{}, err
	}
	return s.mintIDJAG(aud, clientID, req, subj, granted, proof, ev)
}

// target resolves the audience to a registered resource AS (SPEC IDP-03,
// IDP-04, IDP-20), checks that the resource is one it governs (IDP-05,
// IDP-06) and finds the app's client_id there (IDP-23).
func (s *Server) target(ctx context.Context, appID string, req exchangeRequest) (Audience, string, error) {
	if req.audience == s.cfg.Issuer {
		return Audience{}, "", oauth.InvalidTarget("audience_is_self")
	}
	auds, err := s.st.listAudiences(ctx)
	if err != nil {
		return Audience{}, "", err
	}
	i := slices.IndexFunc(auds, func(a Audience) bool { return a.answersTo(req.audience) })
	if i < 0 {
		return Audience{}, "", oauth.InvalidTarget("unknown_audience")
	}
	aud := auds[i]
	if aud.Issuer == s.cfg.Issuer {
		return Audience{}, "", oauth.InvalidTarget("audience_is_self")
	}
	if req.resource != "" && !slices.Contains(aud.Resources, req.resource) {
		if slices.ContainsFunc(auds, func(a Audience) bool { return slices.Contains(a.Resources, req.resource) }) {
			return Audience{}, "", oauth.InvalidTarget("resource_not_paired_with_audience")
		}
		return Audience{}, "", oauth.InvalidTarget("unknown_resource")
	}
	clientID, ok := aud.ClientIDMap[appID]
	if !ok || clientID == "" {
		return Audience{}, "", oauth.UnauthorizedClient("no_client_id_at_audience")
	}
	return aud, clientID, nil
}

// subjectInfo is a validated subject token and the user's current record.
type subjectInfo struct {
	claims idTokenClaims
	user   User
}

// subject validates the ID token subject token (SPEC IDP-13): signed by
// this IdP as an ID token (typ JWT), iss this IdP, unexpired, issued to the
// authenticated app (with several audiences, azp must be that app), for a
// user who still exists. Every failure is invalid_grant (A.5 DECISION).
func (s *Server) subject(ctx context.Context, raw, appID string) (subjectInfo, error) {
	var c idTokenClaims
	if err := s.verifyOwn(raw, typIDToken, &c); err != nil {
		return subjectInfo{}, oauth.InvalidGrant(subjectReason(err)).WithCause(err)
	}
	now := s.now().Unix()
	switch {
	case c.Issuer != s.cfg.Issuer:
		return subjectInfo{}, oauth.InvalidGrant("subject_token_wrong_issuer")
	case c.Expiry == 0 || now >= c.Expiry:
		return subjectInfo{}, oauth.InvalidGrant("subject_token_expired")
	case c.IssuedAt > now+60:
		return subjectInfo{}, oauth.InvalidGrant("subject_token_issued_in_future")
	case !slices.Contains(c.Audience, appID):
		return subjectInfo{claims: c}, oauth.InvalidGrant("subject_token_other_client")
	case len(c.Audience) > 1 && c.AZP != appID:
		return subjectInfo{claims: c}, oauth.InvalidGrant("subject_token_azp_mismatch")
	case c.Subject == "":
		return subjectInfo{claims: c}, oauth.InvalidGrant("subject_token_no_sub")
	}
	row, err := s.st.getUser(ctx, c.Subject)
	if errors.Is(err, errNotFound) {
		return subjectInfo{claims: c}, oauth.InvalidGrant("unknown_user")
	}
	if err != nil {
		return subjectInfo{claims: c}, err
	}
	return subjectInfo{claims: c, user: row.User}, nil
}

func subjectReason(err error) string {
	switch {
	case errors.Is(err, errTokenType):
		return "subject_token_wrong_type"
	case errors.Is(err, errTokenKey):
		return "subject_token_unknown_key"
	case errors.Is(err, errTokenSignature):
		return "subject_token_bad_signature"
	default:
		return "subject_token_malformed"
	}
}

// mintIDJAG signs the ID-JAG (SPEC A.3) and builds the response (A.4).
func (s *Server) mintIDJAG(aud Audience, clientID string, req exchangeRequest, subj subjectInfo,
	granted []string, proof *dpopProof, ev *Event) (exchangeResponse, error) {
	now := s.now()
	exp := now.Add(s.cfg.IDJAGTTL)
	c := idJAGClaims{
		Issuer: s.cfg.Issuer, Subject: subj.user.Username, Audience: aud.Issuer, ClientID: clientID,
		JTI: secret.ID(), Expiry: exp.Unix(), IssuedAt: now.Unix(), Resource: req.resource,
		Scope: strings.Join(granted, " "), AuthTime: subj.claims.AuthTime, AMR: subj.claims.AMR,
		Email: subj.user.Email, Groups: subj.user.Groups,
	}
	if proof != nil {
		c.Cnf = &cnf{JKT: proof.jkt}
		ev.DPoPJKT = proof.jkt
	}
	tok, err := s.sign(typIDJAG, c)
	if err != nil {
		return exchangeResponse{}, err
	}
	ev.TokenJTI, ev.TokenExp, ev.GrantedScopes = c.JTI, exp.UTC(), granted
	resp := exchangeResponse{
		IssuedTokenType: oauth.TokenTypeIDJAG, AccessToken: tok, TokenType: "N_A",
		ExpiresIn: int64(s.cfg.IDJAGTTL / time.Second), Scope: c.Scope,
	}
	if req.authzDetails {
		resp.AuthorizationDetails = []byte("[]") // no type is configured: none granted (IDP-08, IDP-28)
	}
	return resp, nil
}
