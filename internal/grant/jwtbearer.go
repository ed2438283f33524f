package grant

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/authplane/authplane/internal/assertion"
	"github.com/authplane/authplane/internal/catalog"
	"github.com/authplane/authplane/internal/oauth"
	"github.com/authplane/authplane/internal/policy"
	"github.com/authplane/authplane/internal/storage"
	"github.com/authplane/authplane/internal/token"
)

// AssertionValidator verifies ID-JAGs (assertion.Validator).
type AssertionValidator interface {
	Validate(ctx context.Context, raw, clientID string) (*assertion.Assertion, error)
}

// PolicySource gives the current compiled policy.
type PolicySource interface {
	Engine() *policy.Engine
}

// GrantStore makes a grant durable (storage.Store).
type GrantStore interface {
	ConsumeJTIWithAudit(ctx context.Context, j storage.ConsumedJTI, ev storage.AuditEvent) (storage.AuditEvent, error)
}

// JWTBearer is the RFC 7523 jwt-bearer grant for ID-JAGs (SPEC part B).
type JWTBearer struct {
	Catalog    Snapshots
	Assertions AssertionValidator
	Policy     PolicySource
	Store      GrantStore
	Minter     *token.Minter
	// DefaultTTL is the access-token lifetime unless the resource sets one.
	DefaultTTL time.Duration
	Now        func() time.Time
}

// TokenResponse is the success body (RAS-14, TEP-05). No refresh token is
// ever returned (RAS-15).
type TokenResponse struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	ExpiresIn   int64  `json:"expires_in"`
	Scope       string `json:"scope"`
	Resource    string `json:"resource"`
}

// Type implements Grant.
func (g *JWTBearer) Type() string { return oauth.GrantJWTBearer }

// Handle implements Grant, in the order of SPEC B.2 rows 6-30 and STYLE.md:
// cheap checks, then the assertion, then resource and scope, subject
// mapping and policy, and last the one transaction that consumes the jti and
// records the issuance. A request that fails before the last step does not
// consume the jti.
func (g *JWTBearer) Handle(ctx context.Context, req *Request) (any, error) {
	client := req.Client.Client
	if !slices.Contains(client.GrantTypes, oauth.GrantJWTBearer) {
		return nil, oauth.UnauthorizedClient("grant_not_allowed_for_client")
	}
	raw := req.Form.Get("assertion")
	if raw == "" {
		return nil, oauth.InvalidRequest("missing_assertion")
	}
	ev := req.Event
	a, err := g.Assertions.Validate(ctx, raw, client.ID)
	if a != nil {
		// Unverified on failure: bounded before they reach the audit trail.
		ev.Issuer, ev.AssertionSub, ev.AssertionJTI, ev.IdPID = truncate(a.Issuer, 512), truncate(a.Subject, 512), truncate(a.JTI, 512), a.IdP.ID
	}
	if errors.Is(err, assertion.ErrKeysUnavailable) {
		return nil, oauth.TemporarilyUnavailable(assertion.Reason(err)).WithCause(err)
	}
	if err != nil {
		return nil, oauth.InvalidGrant(assertion.Reason(err)).WithCause(err)
	}
	snap := g.Catalog.Current()
	idp, ok := snap.IdP(a.IdP.ID)
	if !ok || !idp.Enabled {
		return nil, oauth.InvalidGrant("unknown_issuer")
	}
	if client.AllowedIdPs != nil && !slices.Contains(client.AllowedIdPs, idp.ID) {
		return nil, oauth.InvalidGrant("idp_not_allowed_for_client")
	}
	res, err := targetResource(snap, a.Resources, req.Form.Get("resource"))
	if err != nil {
		return nil, err
	}
	ev.Resource = res.URI
	return g.authorize(ctx, req, snap, a, idp, res)
}

// authorize runs scope, subject and policy checks, then issues. It uses
// the snapshot Handle resolved the IdP and resource from, so one request
// sees one consistent configuration.
func (g *JWTBearer) authorize(ctx context.Context, req *Request, snap *catalog.Snapshot, a *assertion.Assertion, idp storage.IdP, res storage.Resource) (any, error) {
	ev, now := req.Event, g.Now()
	in, _, err := policyInput(snap, req.Client.Client, idp, res, a, req.Form.Get("scope"), now)
	ev.RequestedScopes, ev.Subject = in.Requested, in.Subject
	if err != nil {
		return nil, err
	}
	d := g.Policy.Engine().Decide(in)
	ev.PolicyRuleIDs = append(slices.Clone(d.MatchedAllow), d.MatchedDeny...)
	if !d.Allowed {
		return nil, decisionError(d)
	}
	ev.GrantedScopes = d.Granted
	return g.issue(ctx, ev, a, idp, res, in.Subject, req.Client.Client.ID, d.Granted, now)
}

// policyInput checks the scopes (SPEC B.2 row 26) and maps the subject
// (row 28), and builds the policy input. On failure it names the stage.
func policyInput(snap *catalog.Snapshot, client storage.Client, idp storage.IdP, res storage.Resource, a *assertion.Assertion, scopeParam string, now time.Time) (policy.Input, string, error) {
	in := policy.Input{
		IdPID: idp.ID, ClientID: client.ID, ResourceID: res.ID, ExternalSubject: a.Subject,
		Groups: a.Groups, AMR: a.AMR, ACR: a.ACR, AuthTime: a.AuthTime, Claims: a.Claims, Now: now,
		Request: map[string]any{"resource": res.URI, "scope": scopeParam, "client_id": client.ID},
	}
	claimScopes, err := assertionScopes(snap, a)
	if err != nil {
		return in, "scope", err
	}
	in.AssertionScopes = intersect(claimScopes, res.Scopes)
	if in.Requested, err = ParseScope(scopeParam); err != nil {
		return in, "scope", err
	}
	if in.Subject, err = mapSubject(snap, idp, a); err != nil {
		return in, "subject", err
	}
	return in, "", nil
}

// decisionError is the token endpoint's answer to a denial: a request for
// more than the assertion carries is invalid_scope, everything else
// invalid_grant with the policy's reason.
func decisionError(d policy.Decision) *oauth.Error {
	if d.Reason == policy.ReasonInvalidScope {
		return oauth.InvalidScope("scope_exceeds_assertion")
	}
	return oauth.InvalidGrant("policy_" + d.Reason)
}

// issue signs the token, then commits the jti and the token.issued event
// in one transaction; the token is returned only after that commit.
func (g *JWTBearer) issue(ctx context.Context, ev *storage.AuditEvent, a *assertion.Assertion, idp storage.IdP, res storage.Resource, subject, clientID string, granted []string, now time.Time) (any, error) {
	ttl := g.DefaultTTL
	if res.AccessTokenTTL > 0 {
		ttl = res.AccessTokenTTL
	}
	c := token.Claims{
		Subject: subject, Audience: res.URI, ClientID: clientID,
		Scope: strings.Join(granted, " "), JTI: token.NewJTI(now),
		IssuedAt: now.Unix(), NotBefore: now.Unix(), Expiry: now.Add(ttl).Unix(),
		ACR: a.ACR, AMR: a.AMR, IdPIssuer: a.Issuer, IdPID: idp.ID,
	}
	if a.AuthTime != nil {
		at := a.AuthTime.Unix()
		c.AuthTime = &at
	}
	tok, err := g.Minter.Mint(c)
	if err != nil {
		return nil, oauth.ServerError("sign_failed").WithCause(err)
	}
	ev.Type, ev.Outcome = EventTokenIssued, OutcomeSuccess
	ev.TokenJTI, ev.TokenExp = c.JTI, time.Unix(c.Expiry, 0).UTC()
	skew := a.IdP.ClockSkew
	if skew <= 0 {
		skew = time.Minute
	}
	j := storage.ConsumedJTI{Issuer: a.Issuer, JTI: a.JTI, ExpiresAt: a.ExpiresAt.Add(skew)}
	// The audit write must not be lost because the client hung up.
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if _, err := g.Store.ConsumeJTIWithAudit(wctx, j, *ev); err != nil {
		ev.TokenJTI, ev.TokenExp, ev.GrantedScopes = "", time.Time{}, nil
		if errors.Is(err, storage.ErrReplay) {
			return nil, oauth.InvalidGrant("replay")
		}
		return nil, oauth.ServerError("store_write_failed").WithCause(err)
	}
	return TokenResponse{AccessToken: tok, TokenType: "Bearer", ExpiresIn: int64(ttl / time.Second), Scope: c.Scope, Resource: res.URI}, nil
}

// targetResource resolves the resource the token is for (SPEC B.2 rows 24,
// 25): every value of the claim must be a registered, enabled resource; the
// request's resource, if sent, must be one of them.
func targetResource(snap *catalog.Snapshot, claim []string, requested string) (storage.Resource, error) {
	if len(claim) == 0 {
		return storage.Resource{}, oauth.InvalidGrant("missing_resource")
	}
	var out []storage.Resource
	for _, uri := range claim {
		r, ok := snap.ResourceByURI(uri)
		if !ok || !r.Enabled {
			return storage.Resource{}, oauth.InvalidGrant("unknown_resource")
		}
		out = append(out, r)
	}
	if requested == "" {
		if len(out) != 1 {
			return storage.Resource{}, oauth.InvalidTarget("resource_required")
		}
		return out[0], nil
	}
	if !validResourceParam(requested) {
		return storage.Resource{}, oauth.InvalidTarget("malformed_resource")
	}
	want := catalog.CanonicalURI(requested)
	for i, uri := range claim {
		if catalog.CanonicalURI(uri) == want {
			return out[i], nil
		}
	}
	return storage.Resource{}, oauth.InvalidTarget("resource_not_in_assertion")
}

// assertionScopes checks the scope claim: each scope must be registered for
// one of the assertion's resources (EMA-07). Absent claim → nil.
func assertionScopes(snap *catalog.Snapshot, a *assertion.Assertion) ([]string, error) {
	if a.Scopes == nil {
		return nil, nil
	}
	known := map[string]bool{}
	for _, uri := range a.Resources {
		r, _ := snap.ResourceByURI(uri)
		for _, s := range r.Scopes {
			known[s] = true
		}
	}
	for _, s := range a.Scopes {
		if !known[s] {
			return nil, oauth.InvalidGrant("unknown_scope_in_assertion")
		}
	}
	return a.Scopes, nil
}

// intersect returns the members of a that are also in b, keeping nil as
// nil ("claim absent").
func intersect(a, b []string) []string {
	if a == nil {
		return nil
	}
	out := []string{}
	for _, s := range a {
		if slices.Contains(b, s) {
			out = append(out, s)
		}
	}
	return out
}
