package idprole

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/authplane/authplane/internal/oauth"
	"github.com/authplane/authplane/internal/policy"
)

// decide evaluates enterprise policy for one exchange (SPEC IDP-17..19)
// with the shared policy engine, mapping the IdP's concepts onto its input:
//
//   - rules' "idps" matcher lists audience ids (the resource AS);
//   - "resources" lists resource URIs; "clients" app ids; "subjects"
//     usernames; "groups_any" the user's current groups;
//   - require.amr_any / max_auth_age apply to the ID token's amr and
//     auth_time (step-up, IDP-18).
//
// The scopes a request may name are the audience's catalogue (or, without
// one, the requested scopes themselves); policy narrows them. It returns
// the granted scopes, sorted.
func (s *Server) decide(ctx context.Context, appID string, aud Audience, req exchangeRequest,
	subj subjectInfo, ev *Event) ([]string, error) {
	offered := aud.Scopes
	if offered == nil {
		if req.scopes == nil {
			return nil, oauth.InvalidScope("scope_required") // no default scope (RFC 6749 §3.3)
		}
		offered = req.scopes
	}
	eng, err := s.policy(ctx)
	if err != nil {
		return nil, err
	}
	authTime := time.Unix(subj.claims.AuthTime, 0)
	d := eng.Decide(policy.Input{
		IdPID: aud.ID, ClientID: appID, ResourceID: req.resource, Subject: subj.user.Username,
		ExternalSubject: subj.user.Username, Groups: subj.user.Groups, AMR: subj.claims.AMR, AuthTime: &authTime,
		Requested: req.scopes, AssertionScopes: offered, Claims: claimsMap(subj.claims),
		Request: map[string]any{"audience": aud.Issuer, "resource": req.resource, "scope": strings.Join(req.scopes, " ")},
		Now:     s.now(),
	})
	ev.PolicyRuleIDs = append(append([]string(nil), d.MatchedAllow...), d.MatchedDeny...)
	if d.Allowed {
		return d.Granted, nil
	}
	switch d.Reason {
	case policy.ReasonStepUpRequired:
		return nil, oauth.InsufficientUserAuthentication(d.Reason)
	case policy.ReasonInvalidScope:
		return nil, oauth.InvalidScope("scope_not_offered")
	case policy.ReasonEmptyGrant:
		return nil, oauth.InvalidScope("no_requested_scope_allowed")
	default: // no_matching_rule, denied_by_rule: the user or app is not permitted
		return nil, oauth.InvalidGrant(d.Reason)
	}
}

// policy returns the compiled rules, recompiling when the stored policy
// generation changed (the CLI may edit policies while the server runs).
func (s *Server) policy(ctx context.Context) (*policy.Engine, error) {
	gen, err := s.st.policyGeneration(ctx)
	if err != nil {
		return nil, err
	}
	s.polMu.Lock()
	defer s.polMu.Unlock()
	if s.engine != nil && gen == s.polGen {
		return s.engine, nil
	}
	rules, gen, err := s.st.listPolicies(ctx)
	if err != nil {
		return nil, err
	}
	eng, err := policy.Compile(rules, policy.Options{})
	if err != nil {
		return nil, fmt.Errorf("idprole: compile policies: %w", err)
	}
	s.engine, s.polGen = eng, gen
	return eng, nil
}

// claimsMap exposes the ID token's claims to CEL conditions, numbers as
// json.Number like the resource AS does.
func claimsMap(c idTokenClaims) map[string]any {
	b, err := json.Marshal(c)
	if err != nil {
		return map[string]any{}
	}
	var m map[string]any
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		return map[string]any{}
	}
	return m
}
