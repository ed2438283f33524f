package catalog

import (
	"context"
	"fmt"
	"time"

	"github.com/authplane/authplane/internal/storage"
)

// Revocations answers whether a token is revoked, from the snapshot.
type Revocations struct {
	tokens   map[string]time.Time
	clients  map[string]time.Time
	subjects map[string]time.Time
	idps     map[string]time.Time
}

// Revoked reports whether a token with this jti, client, subject and IdP,
// issued at iat, has been revoked (by jti, or by a client/subject/IdP
// revocation at or after iat).
func (r Revocations) Revoked(jti, clientID, subject, idpID string, iat time.Time) bool {
	if _, ok := r.tokens[jti]; ok {
		return true
	}
	for _, m := range []struct {
		set map[string]time.Time
		key string
	}{{r.clients, clientID}, {r.subjects, subject}, {r.idps, idpID}} {
		if at, ok := m.set[m.key]; ok && m.key != "" && !iat.After(at) {
			return true
		}
	}
	return false
}

func load(ctx context.Context, st storage.Store, gen int64, now time.Time) (*Snapshot, error) {
	var (
		clients   []storage.Client
		resources []storage.Resource
		idps      []storage.IdP
		policies  []storage.Policy
		mappings  []storage.SubjectMapping
	)
	err := all(ctx, st.ListClients, func(c storage.Client) string {
		clients = append(clients, c)
		return c.ID
	})
	if err == nil {
		err = all(ctx, st.ListResources, func(r storage.Resource) string {
			resources = append(resources, r)
			return r.ID
		})
	}
	if err == nil {
		err = all(ctx, st.ListIdPs, func(i storage.IdP) string {
			idps = append(idps, i)
			return i.ID
		})
	}
	if err == nil {
		err = all(ctx, st.ListPolicies, func(p storage.Policy) string {
			policies = append(policies, p)
			return p.ID
		})
	}
	if err == nil {
		err = all(ctx, st.ListSubjectMappings, func(m storage.SubjectMapping) string {
			mappings = append(mappings, m)
			return m.IdPID + "\x00" + m.ExternalSubject
		})
	}
	if err != nil {
		return nil, fmt.Errorf("catalog: load: %w", err)
	}
	revs, err := st.ListRevocations(ctx, now)
	if err != nil {
		return nil, fmt.Errorf("catalog: load revocations: %w", err)
	}
	return NewSnapshot(gen, clients, resources, idps, policies, mappings, revs), nil
}

// NewSnapshot indexes the given records into a Snapshot. Load uses it with
// what the store lists; tests use it to build a snapshot without a store.
// Every revocation given is indexed (the store already dropped expired ones).
func NewSnapshot(gen int64, clients []storage.Client, resources []storage.Resource, idps []storage.IdP,
	policies []storage.Policy, mappings []storage.SubjectMapping, revs []storage.Revocation) *Snapshot {
	s := &Snapshot{
		Generation:    gen,
		Clients:       make(map[string]storage.Client, len(clients)),
		Resources:     make(map[string]storage.Resource, len(resources)),
		IdPs:          idps,
		Policies:      policies,
		Mappings:      make(map[MappingKey]storage.SubjectMapping, len(mappings)),
		Revocations:   indexRevocations(revs),
		resourceByURI: make(map[string]string, len(resources)),
		idpByID:       make(map[string]int, len(idps)),
	}
	for _, c := range clients {
		s.Clients[c.ID] = c
	}
	for _, r := range resources {
		s.Resources[r.ID] = r
		s.resourceByURI[CanonicalURI(r.URI)] = r.ID
	}
	for i, idp := range idps {
		s.idpByID[idp.ID] = i
	}
	for _, m := range mappings {
		s.Mappings[MappingKey{m.IdPID, m.ExternalSubject}] = m
	}
	return s
}

// all pages through a list method, calling add for each record; add returns
// the record's cursor.
func all[T any](ctx context.Context, list func(context.Context, storage.Page) ([]T, error), add func(T) string) error {
	p := storage.Page{Limit: storage.MaxPageLimit}
	for {
		items, err := list(ctx, p)
		if err != nil {
			return err
		}
		for _, it := range items {
			p.After = add(it)
		}
		if len(items) < p.Limit {
			return nil
		}
	}
}

func indexRevocations(revs []storage.Revocation) Revocations {
	r := Revocations{
		tokens:   map[string]time.Time{},
		clients:  map[string]time.Time{},
		subjects: map[string]time.Time{},
		idps:     map[string]time.Time{},
	}
	for _, v := range revs {
		switch v.Kind {
		case storage.RevokeToken:
			r.tokens[v.Value] = v.At
		case storage.RevokeClient:
			r.clients[v.Value] = v.At
		case storage.RevokeSubject:
			r.subjects[v.Value] = v.At
		case storage.RevokeIdP:
			r.idps[v.Value] = v.At
		}
	}
	return r
}
