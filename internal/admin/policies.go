package admin

import (
	"context"
	"fmt"
	"time"

	"github.com/authplane/authplane/internal/storage"
)

// maxConditionLen bounds a policy's CEL condition.
const maxConditionLen = 4096

// PolicyDTO is the JSON shape of a policy rule (DESIGN.md §5). Matcher lists
// and Scopes follow the package convention: nil matches anything (or, for
// Scopes, every scope), [] nothing. Enabled nil means true.
type PolicyDTO struct {
	ID          string          `json:"id"`
	Description string          `json:"description"`
	Effect      string          `json:"effect"`
	IdPs        []string        `json:"idps"`
	Clients     []string        `json:"clients"`
	Resources   []string        `json:"resources"`
	GroupsAny   []string        `json:"groups_any"`
	Subjects    []string        `json:"subjects"`
	Require     *RequirementDTO `json:"require,omitempty"`
	Scopes      []string        `json:"scopes"`
	Condition   string          `json:"condition,omitempty"`
	Enabled     *bool           `json:"enabled"`
	CreatedAt   time.Time       `json:"created_at,omitzero"`
	UpdatedAt   time.Time       `json:"updated_at,omitzero"`
}

// RequirementDTO is the JSON shape of a step-up requirement. MaxAuthAge
// zero means unbounded.
type RequirementDTO struct {
	AMRAny     []string `json:"amr_any"`
	ACRAny     []string `json:"acr_any"`
	MaxAuthAge Duration `json:"max_auth_age,omitzero"`
}

// Storage converts d to a storage record; timestamps are left to the service.
func (d PolicyDTO) Storage() storage.Policy {
	p := storage.Policy{
		ID: d.ID, Description: d.Description, Effect: d.Effect, IdPs: cloneStrings(d.IdPs),
		Clients: cloneStrings(d.Clients), Resources: cloneStrings(d.Resources), GroupsAny: cloneStrings(d.GroupsAny),
		Subjects: cloneStrings(d.Subjects), Scopes: cloneStrings(d.Scopes), Condition: d.Condition, Enabled: enabled(d.Enabled),
	}
	if d.Require != nil {
		p.Require = &storage.Requirement{
			AMRAny: cloneStrings(d.Require.AMRAny), ACRAny: cloneStrings(d.Require.ACRAny),
			MaxAuthAge: time.Duration(d.Require.MaxAuthAge),
		}
	}
	return p
}

// PolicyFromStorage converts a stored policy rule.
func PolicyFromStorage(p storage.Policy) PolicyDTO {
	d := PolicyDTO{
		ID: p.ID, Description: p.Description, Effect: p.Effect, IdPs: cloneStrings(p.IdPs),
		Clients: cloneStrings(p.Clients), Resources: cloneStrings(p.Resources), GroupsAny: cloneStrings(p.GroupsAny),
		Subjects: cloneStrings(p.Subjects), Scopes: cloneStrings(p.Scopes), Condition: p.Condition,
		Enabled: ptr(p.Enabled), CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt,
	}
	if p.Require != nil {
		d.Require = &RequirementDTO{
			AMRAny: cloneStrings(p.Require.AMRAny), ACRAny: cloneStrings(p.Require.ACRAny),
			MaxAuthAge: Duration(p.Require.MaxAuthAge),
		}
	}
	return d
}

// checkPolicy validates a policy rule, including its references in tx and,
// through the policy engine, its condition.
func (s *Service) checkPolicy(ctx context.Context, r *refs, pol storage.Policy) error {
	var p problems
	p.checkID("id", pol.ID)
	p.checkText("description", pol.Description, maxTextLen)
	if reason := oneOf("allow", "deny")(pol.Effect); reason != "" {
		p.add("effect", reason)
	}
	for _, l := range []struct {
		field, what string
		list        []string
		lookup      func(context.Context, string) (bool, error)
	}{{"idps", "IdP", pol.IdPs, r.idp}, {"clients", "client", pol.Clients, r.client}, {"resources", "resource", pol.Resources, r.resourceExists}} {
		p.checkList(l.field, l.list, idReason)
		if err := p.checkIDs(ctx, l.field, l.what, l.list, l.lookup); err != nil {
			return err
		}
	}
	p.checkList("groups_any", pol.GroupsAny, valueReason)
	p.checkList("subjects", pol.Subjects, valueReason)
	if req := pol.Require; req != nil {
		p.checkList("require.amr_any", req.AMRAny, valueReason)
		p.checkList("require.acr_any", req.ACRAny, valueReason)
		if req.MaxAuthAge < 0 {
			p.add("require.max_auth_age", "must not be negative")
		}
	}
	p.checkList("scopes", pol.Scopes, scopeReason)
	if err := p.checkPolicyScopes(ctx, r, pol); err != nil {
		return err
	}
	s.checkCondition(&p, pol)
	return p.err()
}

// checkCondition delegates the CEL condition to the policy engine.
func (s *Service) checkCondition(p *problems, pol storage.Policy) {
	if len(pol.Condition) > maxConditionLen {
		p.addf("condition", "must be at most %d characters", maxConditionLen)
		return
	}
	if s.d.Policies != nil {
		*p = append(*p, s.d.Policies.ValidatePolicy(pol)...)
	} else if pol.Condition != "" {
		p.add("condition", "condition requires the policy engine")
	}
}

// checkPolicyScopes requires every scope of the rule to exist in at least
// one resource the rule applies to (any resource when Resources is nil).
func (p *problems) checkPolicyScopes(ctx context.Context, r *refs, pol storage.Policy) error {
	if len(pol.Scopes) == 0 {
		return nil
	}
	var avail []storage.Resource
	if pol.Resources == nil {
		all, err := r.allResources(ctx)
		if err != nil {
			return err
		}
		avail = all
	}
	for _, id := range pol.Resources {
		res, ok, err := r.resource(ctx, id)
		if err != nil {
			return err
		}
		if ok {
			avail = append(avail, res)
		}
	}
	have := map[string]bool{}
	for _, res := range avail {
		for _, sc := range res.Scopes {
			have[sc] = true
		}
	}
	where := "any resource"
	if pol.Resources != nil {
		where = "any resource the rule names"
	}
	for i, sc := range pol.Scopes {
		if !have[sc] {
			p.addf(fmt.Sprintf("scopes[%d]", i), "scope %s is not defined by %s", quote(sc), where)
		}
	}
	return nil
}

// resourceExists adapts resource to the lookup shape of checkIDs.
func (r *refs) resourceExists(ctx context.Context, id string) (bool, error) {
	_, ok, err := r.resource(ctx, id)
	return ok, err
}

// policyTag correlates a policy event.
func policyTag(id string) func(*storage.AuditEvent) {
	return func(e *storage.AuditEvent) { e.PolicyRuleIDs = []string{id} }
}

// GetPolicy returns the policy rule with id.
func (s *Service) GetPolicy(ctx context.Context, id string) (PolicyDTO, error) {
	p, err := s.d.Store.GetPolicy(ctx, id)
	if err != nil {
		return PolicyDTO{}, err
	}
	return PolicyFromStorage(p), nil
}

// ListPolicies returns one page of policy rules ordered by id.
func (s *Service) ListPolicies(ctx context.Context, q ListQuery) (ListResult[PolicyDTO], error) {
	return listPage(ctx, q, s.d.Store.ListPolicies, policyIDKey, PolicyFromStorage)
}

// CreatePolicy adds a policy rule.
func (s *Service) CreatePolicy(ctx context.Context, c Caller, in PolicyDTO) (PolicyDTO, error) {
	rec := in.Storage()
	var out PolicyDTO
	err := s.d.Store.WithTx(ctx, func(tx storage.Tx) error {
		if err := s.checkPolicy(ctx, newRefs(tx), rec); err != nil {
			return err
		}
		var err error
		out, err = s.createPolicy(ctx, tx, c, rec)
		return err
	})
	return out, err
}

// createPolicy writes a validated new policy rule and its audit event.
func (s *Service) createPolicy(ctx context.Context, tx storage.Tx, c Caller, rec storage.Policy) (PolicyDTO, error) {
	now := s.now()
	rec.CreatedAt, rec.UpdatedAt = now, now
	if err := tx.CreatePolicy(ctx, rec); err != nil {
		return PolicyDTO{}, conflict(err, "a policy with id "+quote(rec.ID)+" already exists")
	}
	stored, err := tx.GetPolicy(ctx, rec.ID)
	if err != nil {
		return PolicyDTO{}, err
	}
	out := PolicyFromStorage(stored)
	return out, s.record(ctx, tx, c, "admin.policy.create", nil, out, policyTag(rec.ID))
}

// UpdatePolicy replaces the policy rule with id.
func (s *Service) UpdatePolicy(ctx context.Context, c Caller, id string, in PolicyDTO) (PolicyDTO, error) {
	if in.ID != "" && in.ID != id {
		return PolicyDTO{}, idMismatch("id")
	}
	in.ID = id
	rec := in.Storage()
	var out PolicyDTO
	err := s.d.Store.WithTx(ctx, func(tx storage.Tx) error {
		before, err := tx.GetPolicy(ctx, id)
		if err != nil {
			return err
		}
		if err := s.checkPolicy(ctx, newRefs(tx), rec); err != nil {
			return err
		}
		out, err = s.updatePolicy(ctx, tx, c, before, rec)
		return err
	})
	return out, err
}

// updatePolicy writes a validated replacement of before and its audit event.
func (s *Service) updatePolicy(ctx context.Context, tx storage.Tx, c Caller, before, rec storage.Policy) (PolicyDTO, error) {
	rec.CreatedAt, rec.UpdatedAt = before.CreatedAt, s.now()
	if err := tx.UpdatePolicy(ctx, rec); err != nil {
		return PolicyDTO{}, err
	}
	stored, err := tx.GetPolicy(ctx, rec.ID)
	if err != nil {
		return PolicyDTO{}, err
	}
	out := PolicyFromStorage(stored)
	return out, s.record(ctx, tx, c, "admin.policy.update", PolicyFromStorage(before), out, policyTag(rec.ID))
}

// DeletePolicy removes the policy rule with id.
func (s *Service) DeletePolicy(ctx context.Context, c Caller, id string) error {
	return s.d.Store.WithTx(ctx, func(tx storage.Tx) error {
		before, err := tx.GetPolicy(ctx, id)
		if err != nil {
			return err
		}
		if err := tx.DeletePolicy(ctx, id); err != nil {
			return err
		}
		return s.record(ctx, tx, c, "admin.policy.delete", PolicyFromStorage(before), nil, policyTag(id))
	})
}
