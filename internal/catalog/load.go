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
	s := &Snapshot{
		Generation:    gen,
		Clients:       map[string]storage.Client{},
		Resources:     map[string]storage.Resource{},
		Mappings:      map[MappingKey]storage.SubjectMapping{},
		resourceByURI: map[string]string{},
		idpByID:       map[string]int{},
	}
	err := all(ctx, st.ListClients, func(c storage.Client) string {
		s.Clients[c.ID] = c
		return c.ID
	})
	if err == nil {
		err = all(ctx, st.ListResources, func(r storage.Resource) string {
			s.Resources[r.ID] = r
			s.resourceByURI[CanonicalURI(r.URI)] = r.ID
			return r.ID
		})
	}
	if err == nil {
		err = all(ctx, st.ListIdPs, func(i storage.IdP) string {
			s.idpByID[i.ID] = len(s.IdPs)
			s.IdPs = append(s.IdPs, i)
			return i.ID
		})
	}
	if err == nil {
		err = all(ctx, st.ListPolicies, func(p storage.Policy) string {
			s.Policies = append(s.Policies, p)
			return p.ID
		})
	}
	if err == nil {
		err = all(ctx, st.ListSubjectMappings, func(m storage.SubjectMapping) string {
			s.Mappings[MappingKey{m.IdPID, m.ExternalSubject}] = m
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
	s.Revocations = indexRevocations(revs)
	return s, nil
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
