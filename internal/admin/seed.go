package admin

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/authplane/authplane/internal/storage"
)

// minSeedSecretLen is the shortest client secret configuration may set
// (SPEC TEP-06 asks for ≥ 128 bits of entropy; 32 characters leave room for
// the alphabet of a typed secret).
const minSeedSecretLen = 32

// ClientSeed is a client declared in configuration, optionally with its
// secret, which is stored only hashed.
type ClientSeed struct {
	ClientDTO
	// ClientSecret sets the secret of a secret-method client. Empty keeps
	// the secret of an existing client; a new secret-method client needs one.
	ClientSecret string `json:"client_secret,omitempty"`
}

// Seed is the set of objects declared in configuration (DESIGN.md §4
// "Declarative configuration"). Seeding creates what is missing and updates
// what differs; it never deletes.
type Seed struct {
	Resources       []ResourceDTO       `json:"resources"`
	IdPs            []IdPDTO            `json:"idps"`
	Clients         []ClientSeed        `json:"clients"`
	Policies        []PolicyDTO         `json:"policies"`
	SubjectMappings []SubjectMappingDTO `json:"subject_mappings"`
}

// seedPlan holds a seed's validated storage records.
type seedPlan struct {
	resources []storage.Resource
	idps      []storage.IdP
	clients   []storage.Client
	policies  []storage.Policy
	mappings  []storage.SubjectMapping
}

// Seed applies seed idempotently in one transaction with actor "config":
// every object is created if missing, updated if it differs (timestamps
// aside) and left alone — without an audit event — if equal. Objects may
// reference each other regardless of order. Every validation problem is
// returned at once as a *ValidationError whose fields carry the item index,
// for example "clients[2].jwks_uri"; nothing is written then.
func (s *Service) Seed(ctx context.Context, seed Seed) error {
	return s.d.Store.WithTx(ctx, func(tx storage.Tx) error {
		plan, err := s.planSeed(ctx, tx, seed)
		if err != nil {
			return err
		}
		return s.applySeed(ctx, tx, Caller{Actor: ActorConfig}, plan)
	})
}

// planSeed converts and validates every seeded object against the store
// overlaid with the seed itself.
func (s *Service) planSeed(ctx context.Context, tx storage.Tx, seed Seed) (seedPlan, error) {
	var plan seedPlan
	r := newRefs(tx)
	for _, d := range seed.Resources {
		rec := d.Storage()
		plan.resources = append(plan.resources, rec)
		r.resources[rec.ID] = rec
	}
	for _, d := range seed.IdPs {
		plan.idps = append(plan.idps, d.Storage())
		r.idps[d.ID] = true
	}
	for _, d := range seed.Clients {
		plan.clients = append(plan.clients, d.Storage())
		r.clients[d.ID] = true
	}
	for _, d := range seed.Policies {
		plan.policies = append(plan.policies, d.Storage())
	}
	for _, d := range seed.SubjectMappings {
		plan.mappings = append(plan.mappings, d.Storage())
	}
	p := seedDuplicates(plan)
	if err := s.checkSeed(ctx, r, &p, seed, &plan); err != nil {
		return seedPlan{}, err
	}
	return plan, p.err()
}

// checkSeed validates every planned record, collecting problems into p.
func (s *Service) checkSeed(ctx context.Context, r *refs, p *problems, seed Seed, plan *seedPlan) error {
	for i, rec := range plan.resources {
		if err := collect(p, fmt.Sprintf("resources[%d]", i), s.checkResource(rec)); err != nil {
			return err
		}
	}
	for i, rec := range plan.idps {
		if err := collect(p, fmt.Sprintf("idps[%d]", i), s.checkIdP(ctx, r, rec)); err != nil {
			return err
		}
	}
	for i := range plan.clients {
		prefix := fmt.Sprintf("clients[%d]", i)
		if err := collect(p, prefix, s.seedClientSecret(ctx, r.tx, seed.Clients[i].ClientSecret, &plan.clients[i])); err != nil {
			return err
		}
		if err := collect(p, prefix, s.checkClient(ctx, r, plan.clients[i])); err != nil {
			return err
		}
	}
	for i, rec := range plan.policies {
		if err := collect(p, fmt.Sprintf("policies[%d]", i), s.checkPolicy(ctx, r, rec)); err != nil {
			return err
		}
	}
	for i, rec := range plan.mappings {
		if err := collect(p, fmt.Sprintf("subject_mappings[%d]", i), checkMapping(ctx, r, rec)); err != nil {
			return err
		}
	}
	return nil
}

// collect adds the problems of a *ValidationError to p under prefix and
// returns any other error.
func collect(p *problems, prefix string, err error) error {
	var ve *ValidationError
	if errors.As(err, &ve) {
		*p = append(*p, prefixed(prefix, ve.Errors)...)
		return nil
	}
	return err
}

// seedDuplicates reports identities declared twice within the seed.
func seedDuplicates(plan seedPlan) problems {
	var p problems
	dup := func(kind, field string, keys []string) {
		first := map[string]int{}
		for i, k := range keys {
			if j, ok := first[k]; ok {
				p.addf(fmt.Sprintf("%s[%d].%s", kind, i, field), "duplicates %s[%d]", kind, j)
				continue
			}
			first[k] = i
		}
	}
	dup("resources", "id", mapKeys(plan.resources, resourceIDKey))
	dup("resources", "uri", mapKeys(plan.resources, func(r storage.Resource) string { return r.URI }))
	dup("idps", "id", mapKeys(plan.idps, idpIDKey))
	dup("idps", "issuer", mapKeys(plan.idps, func(i storage.IdP) string { return i.Issuer }))
	dup("clients", "id", mapKeys(plan.clients, clientIDKey))
	dup("policies", "id", mapKeys(plan.policies, policyIDKey))
	dup("subject_mappings", "external_subject", mapKeys(plan.mappings, mappingKey))
	return p
}

// mapKeys applies key to every record.
func mapKeys[R any](recs []R, key func(R) string) []string {
	out := make([]string, len(recs))
	for i, r := range recs {
		out[i] = key(r)
	}
	return out
}

// seedClientSecret sets rec.SecretHash from the configured secret, keeping
// the stored hash when the secret is unchanged or not configured.
func (s *Service) seedClientSecret(ctx context.Context, tx storage.Tx, sec string, rec *storage.Client) error {
	var p problems
	existing, err := tx.GetClient(ctx, rec.ID)
	found := err == nil
	if err != nil && !errors.Is(err, storage.ErrNotFound) {
		return err
	}
	switch {
	case !usesSecret(rec.AuthMethod):
		if sec != "" {
			p.add("client_secret", "is only for client_secret_basic and client_secret_post clients")
		}
	case sec != "":
		if len(sec) < minSeedSecretLen {
			p.addf("client_secret", "must be at least %d characters", minSeedSecretLen)
		}
		rec.SecretHash = s.d.Secrets.Hash(sec)
		if found && s.d.Secrets.Verify(sec, existing.SecretHash) {
			rec.SecretHash = existing.SecretHash
		}
	case found && len(existing.SecretHash) > 0:
		rec.SecretHash = existing.SecretHash
	default:
		p.add("client_secret", "is required: the client has no secret yet")
	}
	return p.err()
}

// applySeed writes the planned records in dependency order, then checks
// that updated resources left every policy's scopes defined.
func (s *Service) applySeed(ctx context.Context, tx storage.Tx, c Caller, plan seedPlan) error {
	changed, err := applyEach(ctx, plan.resources, seedOps[storage.Resource]{
		get: tx.GetResource, key: resourceIDKey, image: resourceImage,
		create: func(r storage.Resource) error { _, err := s.createResource(ctx, tx, c, r); return err },
		update: func(b, r storage.Resource) error { _, err := s.updateResource(ctx, tx, c, b, r); return err },
	})
	if err != nil {
		return err
	}
	if _, err := applyEach(ctx, plan.idps, seedOps[storage.IdP]{
		get: tx.GetIdP, key: idpIDKey, image: idpImage,
		create: func(r storage.IdP) error { _, err := s.createIdP(ctx, tx, c, r); return err },
		update: func(b, r storage.IdP) error { _, err := s.updateIdP(ctx, tx, c, b, r); return err },
	}); err != nil {
		return err
	}
	if _, err := applyEach(ctx, plan.clients, seedOps[storage.Client]{
		get: tx.GetClient, key: clientIDKey, image: clientImage,
		create: func(r storage.Client) error { _, err := s.createClient(ctx, tx, c, r); return err },
		update: func(b, r storage.Client) error {
			_, err := s.updateClient(ctx, tx, c, "admin.client.update", b, r)
			return err
		},
	}); err != nil {
		return err
	}
	if err := s.applySeedRules(ctx, tx, c, plan); err != nil {
		return err
	}
	for _, r := range changed {
		if err := resourceReferrers(ctx, tx, r.ID, false); err != nil {
			return err
		}
	}
	return nil
}

// applySeedRules writes the planned policies and subject mappings.
func (s *Service) applySeedRules(ctx context.Context, tx storage.Tx, c Caller, plan seedPlan) error {
	if _, err := applyEach(ctx, plan.policies, seedOps[storage.Policy]{
		get: tx.GetPolicy, key: policyIDKey, image: policyImage,
		create: func(r storage.Policy) error { _, err := s.createPolicy(ctx, tx, c, r); return err },
		update: func(b, r storage.Policy) error { _, err := s.updatePolicy(ctx, tx, c, b, r); return err },
	}); err != nil {
		return err
	}
	getMapping := func(ctx context.Context, key string) (storage.SubjectMapping, error) {
		idp, ext, _ := strings.Cut(key, "\x00")
		return tx.GetSubjectMapping(ctx, idp, ext)
	}
	_, err := applyEach(ctx, plan.mappings, seedOps[storage.SubjectMapping]{
		get: getMapping, key: mappingKey, image: mappingImage,
		create: func(r storage.SubjectMapping) error { _, err := s.createMapping(ctx, tx, c, r); return err },
		update: func(b, r storage.SubjectMapping) error { _, err := s.updateMapping(ctx, tx, c, b, r); return err },
	})
	return err
}

// seedOps are what seeding needs to know about one aggregate.
type seedOps[R any] struct {
	get    func(context.Context, string) (R, error)
	key    func(R) string
	image  func(R) ([]byte, error)
	create func(R) error
	update func(before, rec R) error
}

// applyEach creates each record that is missing and updates each whose
// image differs from the stored one; it returns the updated records.
func applyEach[R any](ctx context.Context, recs []R, ops seedOps[R]) ([]R, error) {
	var updated []R
	for _, rec := range recs {
		before, err := ops.get(ctx, ops.key(rec))
		if errors.Is(err, storage.ErrNotFound) {
			if err := ops.create(rec); err != nil {
				return nil, err
			}
			continue
		}
		if err != nil {
			return nil, err
		}
		same, err := sameImage(ops.image, before, rec)
		if err != nil {
			return nil, err
		}
		if same {
			continue
		}
		if err := ops.update(before, rec); err != nil {
			return nil, err
		}
		updated = append(updated, rec)
	}
	return updated, nil
}

// sameImage reports whether a and b render to the same image.
func sameImage[R any](image func(R) ([]byte, error), a, b R) (bool, error) {
	ia, err := image(a)
	if err != nil {
		return false, err
	}
	ib, err := image(b)
	if err != nil {
		return false, err
	}
	return bytes.Equal(ia, ib), nil
}

// The *Image functions render a record without its timestamps, so that
// seeding compares only what configuration controls.
// The client image also covers the secret hash.
func resourceImage(r storage.Resource) ([]byte, error) {
	r.CreatedAt, r.UpdatedAt = time.Time{}, time.Time{}
	return json.Marshal(ResourceFromStorage(r))
}

func idpImage(i storage.IdP) ([]byte, error) {
	i.CreatedAt, i.UpdatedAt = time.Time{}, time.Time{}
	return json.Marshal(IdPFromStorage(i))
}

func clientImage(c storage.Client) ([]byte, error) {
	c.CreatedAt, c.UpdatedAt = time.Time{}, time.Time{}
	b, err := json.Marshal(ClientFromStorage(c))
	return append(b, c.SecretHash...), err
}

func policyImage(p storage.Policy) ([]byte, error) {
	p.CreatedAt, p.UpdatedAt = time.Time{}, time.Time{}
	return json.Marshal(PolicyFromStorage(p))
}

func mappingImage(m storage.SubjectMapping) ([]byte, error) {
	m.CreatedAt, m.UpdatedAt = time.Time{}, time.Time{}
	return json.Marshal(SubjectMappingFromStorage(m))
}
