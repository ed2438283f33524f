package grant

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/authplane/authplane/internal/assertion"
	"github.com/authplane/authplane/internal/catalog"
	"github.com/authplane/authplane/internal/oauth"
	"github.com/authplane/authplane/internal/policy"
	"github.com/authplane/authplane/internal/storage"
)

// ExplainRequest asks what the jwt-bearer grant would decide, without
// consuming or issuing anything. Either Assertion (a raw ID-JAG: its
// signature and every claim rule are checked) or Claims (a claims set, as if
// already verified) is given, with the client and optionally the resource
// and scope the request would carry.
type ExplainRequest struct {
	Assertion string         `json:"assertion,omitempty"`
	Claims    map[string]any `json:"claims,omitempty"`
	ClientID  string         `json:"client_id"`
	Resource  string         `json:"resource,omitempty"`
	Scope     string         `json:"scope,omitempty"`
}

// ExplainResult is the dry run's answer.
type ExplainResult struct {
	// Decision is "allow" or "deny".
	Decision string `json:"decision"`
	// Stage names where a denial happened: "assertion", "client",
	// "resource", "scope", "subject" or "policy".
	Stage string `json:"stage,omitempty"`
	// Error and Reason are the OAuth error the token endpoint would answer
	// and its precise reason.
	Error    string             `json:"error,omitempty"`
	Reason   string             `json:"reason,omitempty"`
	IdPID    string             `json:"idp_id,omitempty"`
	Subject  string             `json:"subject,omitempty"`
	Resource string             `json:"resource,omitempty"`
	Granted  []string           `json:"granted_scopes"`
	StepUp   *policy.StepUp     `json:"step_up,omitempty"`
	Rules    []policy.RuleTrace `json:"rules"`
}

// Explainer runs the jwt-bearer pipeline as a dry run (DESIGN.md §4
// "policies/explain").
type Explainer struct {
	Catalog    Snapshots
	Assertions AssertionValidator
	Policy     PolicySource
	Now        func() time.Time
}

// ErrExplainInput is returned for a request that names neither or both of
// assertion and claims, or no client.
var ErrExplainInput = errors.New("explain: give exactly one of assertion or claims, and client_id")

// Explain evaluates req. Only a malformed request is an error; every denial
// is a result.
func (x *Explainer) Explain(ctx context.Context, req ExplainRequest) (ExplainResult, error) {
	if (req.Assertion == "") == (req.Claims == nil) || req.ClientID == "" {
		return ExplainResult{}, ErrExplainInput
	}
	snap := x.Catalog.Current()
	client, ok := snap.Clients[req.ClientID]
	if !ok {
		return deny("client", oauth.InvalidClient("unknown_client", false)), nil
	}
	a, err := x.assertion(ctx, snap, req)
	if err != nil {
		return deny("assertion", err), nil
	}
	res := ExplainResult{IdPID: a.IdP.ID}
	idp, ok := snap.IdP(a.IdP.ID)
	if !ok || !idp.Enabled {
		return deny("assertion", oauth.InvalidGrant("unknown_issuer")), nil
	}
	if client.AllowedIdPs != nil && !slices.Contains(client.AllowedIdPs, idp.ID) {
		return deny("client", oauth.InvalidGrant("idp_not_allowed_for_client")), nil
	}
	r, err := targetResource(snap, a.Resources, req.Resource)
	if err != nil {
		return deny("resource", err), nil
	}
	res.Resource = r.URI
	in, stage, err := policyInput(snap, client, idp, r, a, req.Scope, x.Now())
	if err != nil {
		out := deny(stage, err)
		out.IdPID, out.Resource = res.IdPID, res.Resource
		return out, nil
	}
	res.Subject = in.Subject
	ex := x.Policy.Engine().Explain(in)
	res.Rules, res.StepUp = ex.Rules, ex.Decision.StepUp
	if res.Rules == nil {
		res.Rules = []policy.RuleTrace{}
	}
	if !ex.Decision.Allowed {
		e := decisionError(ex.Decision)
		res.Decision, res.Stage, res.Error, res.Reason = "deny", "policy", e.Code, e.Reason
		res.Granted = []string{}
		return res, nil
	}
	res.Decision, res.Granted = "allow", ex.Decision.Granted
	return res, nil
}

// assertion verifies a raw ID-JAG, or reads a claims set as if verified.
func (x *Explainer) assertion(ctx context.Context, snap *catalog.Snapshot, req ExplainRequest) (*assertion.Assertion, error) {
	if req.Assertion != "" {
		a, err := x.Assertions.Validate(ctx, req.Assertion, req.ClientID)
		if err != nil {
			return nil, oauth.InvalidGrant(assertion.Reason(err)).WithCause(err)
		}
		return a, nil
	}
	return claimsAssertion(snap, req.Claims)
}

// claimsAssertion builds the policy-relevant view of a claims set.
func claimsAssertion(snap *catalog.Snapshot, c map[string]any) (*assertion.Assertion, error) {
	iss, _ := c["iss"].(string)
	var idp storage.IdP
	found := false
	for _, i := range snap.IdPs {
		if i.Issuer == iss {
			idp, found = i, true
		}
	}
	if !found {
		return nil, oauth.InvalidGrant("unknown_issuer")
	}
	a := &assertion.Assertion{Verified: true, IdP: assertion.TrustedIssuer{ID: idp.ID, Issuer: idp.Issuer, GroupsClaim: idp.GroupsClaim}, Issuer: iss, Claims: c}
	a.Subject, _ = c["sub"].(string)
	a.ACR, _ = c["acr"].(string)
	a.Email, _ = c["email"].(string)
	if v, ok := c["email_verified"].(bool); ok {
		a.EmailVerified = &v
	}
	a.Resources = stringsOf(c["resource"])
	if s, ok := c["scope"].(string); ok {
		a.Scopes = strings.Fields(s)
	}
	a.AMR = stringsOf(c["amr"])
	if idp.GroupsClaim != "" {
		a.Groups = stringsOf(c[idp.GroupsClaim])
	}
	if t, ok := numberOf(c["auth_time"]); ok {
		at := time.Unix(t, 0)
		a.AuthTime = &at
	}
	if a.Subject == "" {
		return nil, oauth.InvalidGrant("bad_sub")
	}
	return a, nil
}

func stringsOf(v any) []string {
	switch t := v.(type) {
	case string:
		return []string{t}
	case []any:
		out := make([]string, 0, len(t))
		for _, e := range t {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

func numberOf(v any) (int64, bool) {
	switch t := v.(type) {
	case float64:
		return int64(t), true
	case json.Number:
		n, err := t.Int64()
		return n, err == nil
	}
	return 0, false
}

func deny(stage string, err error) ExplainResult {
	var oe *oauth.Error
	code, reason := oauth.CodeServerError, "internal"
	if errors.As(err, &oe) {
		code, reason = oe.Code, oe.Reason
	}
	return ExplainResult{Decision: "deny", Stage: stage, Error: code, Reason: reason, Granted: []string{}, Rules: []policy.RuleTrace{}}
}
