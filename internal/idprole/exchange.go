package idprole

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"

	"github.com/authplane/authplane/internal/oauth"
)

// exchangeRequest is a token exchange request whose parameters passed the
// SPEC A.1 syntax checks.
type exchangeRequest struct {
	subjectToken string
	audience     string
	resource     string
	// scopes is nil when no scope was requested.
	scopes []string
	// authzDetails is true when authorization_details was sent.
	authzDetails bool
}

// exchangeResponse is the RFC 8693 §2.2.1 answer (SPEC IDP-28): no
// refresh token, token_type N_A, access_token holding the ID-JAG.
type exchangeResponse struct {
	IssuedTokenType      string          `json:"issued_token_type"`
	AccessToken          string          `json:"access_token"`
	TokenType            string          `json:"token_type"`
	ExpiresIn            int64           `json:"expires_in"`
	Scope                string          `json:"scope,omitempty"`
	AuthorizationDetails json.RawMessage `json:"authorization_details,omitempty"`
}

// exchange handles the token exchange that mints an ID-JAG (SPEC part A).
// Every attempt, granted or denied, is audited; a token is only returned
// after its audit record is written.
func (s *Server) exchange(w http.ResponseWriter, r *http.Request, f form) {
	ev := Event{Type: EventIDJAGDenied, Outcome: OutcomeFailure}
	resp, err := s.exchangeIDJAG(r, f, &ev)
	if err != nil {
		ev.Reason, ev.Code = oauth.ReasonOf(err), codeOf(err)
		_ = s.record(r, ev)
		if ev.Code == oauth.CodeUseDPoPNonce {
			w.Header().Set("DPoP-Nonce", s.dpopNonce(s.now()))
		}
		oauth.WriteError(w, s.log, err)
		return
	}
	ev.Type, ev.Outcome = EventIDJAGIssued, OutcomeSuccess
	if err := s.record(r, ev); err != nil {
		oauth.WriteError(w, s.log, oauth.ServerError("audit_failed").WithCause(err))
		return
	}
	s.log.Info("id-jag issued", "client_id", ev.AppID, "audience", ev.Audience, "jti", ev.TokenJTI)
	oauth.WriteJSON(w, http.StatusOK, resp)
}

// parseExchange applies the SPEC A.1 parameter rules, cheapest first.
func parseExchange(f form) (exchangeRequest, error) {
	if k := f.repeated("audience", "resource"); k != "" {
		return exchangeRequest{}, oauth.InvalidRequest("repeated_parameter")
	}
	switch {
	case f.get("requested_token_type") == "":
		return exchangeRequest{}, oauth.InvalidRequest("missing_requested_token_type")
	case f.get("requested_token_type") != oauth.TokenTypeIDJAG:
		return exchangeRequest{}, oauth.InvalidRequest("unsupported_requested_token_type")
	case f.get("subject_token") == "":
		return exchangeRequest{}, oauth.InvalidRequest("missing_subject_token")
	case f.get("subject_token_type") == "":
		return exchangeRequest{}, oauth.InvalidRequest("missing_subject_token_type")
	case f.get("subject_token_type") != oauth.TokenTypeIDToken:
		return exchangeRequest{}, oauth.InvalidRequest("unsupported_subject_token_type")
	case f.has("actor_token") != f.has("actor_token_type"):
		return exchangeRequest{}, oauth.InvalidRequest("actor_token_type_rule")
	case len(f["audience"]) == 0:
		return exchangeRequest{}, oauth.InvalidRequest("missing_audience")
	case len(f["audience"]) > 1:
		return exchangeRequest{}, oauth.InvalidTarget("multiple_audiences")
	case len(f["resource"]) > 1:
		return exchangeRequest{}, oauth.InvalidTarget("multiple_resources")
	}
	req := exchangeRequest{subjectToken: f.get("subject_token"), audience: f.get("audience"), resource: f.get("resource")}
	if req.resource != "" && !validResourceURI(req.resource) {
		return exchangeRequest{}, oauth.InvalidTarget("malformed_resource")
	}
	if f.has("scope") {
		if !validScope(f.get("scope")) {
			return exchangeRequest{}, oauth.InvalidScope("malformed_scope")
		}
		req.scopes = dedupe(strings.Split(f.get("scope"), " "))
	}
	if f.has("authorization_details") {
		if !validAuthzDetails(f.get("authorization_details")) {
			return exchangeRequest{}, oauth.InvalidRequest("malformed_authorization_details")
		}
		req.authzDetails = true
	}
	return req, nil
}

// validResourceURI applies RFC 8707 §2: an absolute URI without fragment.
func validResourceURI(v string) bool {
	u, err := url.Parse(v)
	return err == nil && u.IsAbs() && u.Fragment == "" && !strings.Contains(v, "#")
}

// validAuthzDetails requires an RFC 9396 array of objects, each with a
// string type (SPEC IDP-08).
func validAuthzDetails(v string) bool {
	var arr []map[string]json.RawMessage
	if err := json.Unmarshal([]byte(v), &arr); err != nil || arr == nil {
		return false
	}
	for _, o := range arr {
		var typ string
		if o == nil || json.Unmarshal(o["type"], &typ) != nil || typ == "" {
			return false
		}
	}
	return true
}
