package storagetest

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/authplane/authplane/internal/storage"
)

// policySample returns fixture number i with every field set.
func policySample(i int) storage.Policy {
	return storage.Policy{
		ID:          fmt.Sprintf("policy-%03d", i),
		Description: fmt.Sprintf("rule %d: engineers may read", i),
		Effect:      "allow",
		IdPs:        []string{"idp-a"},
		Clients:     []string{"client-001", fmt.Sprintf("client-%03d", i)},
		Resources:   []string{"res-001"},
		GroupsAny:   []string{"engineering", "sre"},
		Subjects:    []string{"idp-a|alice"},
		Require: &storage.Requirement{
			AMRAny:     []string{"mfa", "hwk"},
			ACRAny:     []string{"urn:acr:gold"},
			MaxAuthAge: 15*time.Minute + 1,
		},
		Scopes:    []string{"files:read"},
		Condition: `claims.email.endsWith("@example.com")`,
		Enabled:   true,
		CreatedAt: at(time.Duration(i) * time.Second),
		UpdatedAt: at(time.Duration(i)*time.Second + 999*time.Millisecond),
	}
}

func policyAggregate() aggregate[storage.Policy] {
	return aggregate[storage.Policy]{
		sample:  policySample,
		minimal: func(i int) storage.Policy { return storage.Policy{ID: fmt.Sprintf("policy-%03d", i)} },
		mutate: func(p storage.Policy) storage.Policy {
			p.Description = "now a deny rule"
			p.Effect = "deny"
			p.IdPs = nil
			p.Clients = []string{}
			p.Resources = []string{"res-002", "res-003"}
			p.GroupsAny = nil
			p.Subjects = []string{}
			p.Require = &storage.Requirement{}
			p.Scopes = nil
			p.Condition = ""
			p.Enabled = !p.Enabled
			p.UpdatedAt = p.UpdatedAt.Add(time.Hour)
			return p
		},
		blank: func(p storage.Policy) storage.Policy { p.ID = ""; return p },
		key:   func(p storage.Policy) string { return p.ID },
		create: func(ctx context.Context, s storage.Store, p storage.Policy) error {
			return s.CreatePolicy(ctx, p)
		},
		update: func(ctx context.Context, s storage.Store, p storage.Policy) error {
			return s.UpdatePolicy(ctx, p)
		},
		get: func(ctx context.Context, s storage.Store, id string) (storage.Policy, error) {
			return s.GetPolicy(ctx, id)
		},
		del: func(ctx context.Context, s storage.Store, id string) error { return s.DeletePolicy(ctx, id) },
		list: func(ctx context.Context, s storage.Store, p storage.Page) ([]storage.Policy, error) {
			return s.ListPolicies(ctx, p)
		},
	}
}

// mappingKey is the subject-mapping page cursor "<idp_id>\x00<external_subject>".
func mappingKey(m storage.SubjectMapping) string { return m.IdPID + "\x00" + m.ExternalSubject }

// splitMappingKey reverses mappingKey.
func splitMappingKey(k string) (idpID, sub string) {
	idpID, sub, _ = strings.Cut(k, "\x00")
	return idpID, sub
}

// mappingIdPs are the IdPs the subject-mapping fixtures refer to; they are
// created first so that a backend may enforce a foreign key.
func mappingIdPs(ctx context.Context, t *testing.T, s storage.Store) {
	t.Helper()
	for _, id := range []string{"idp-a", "idp-b", "idp-c"} {
		must(t, s.CreateIdP(ctx, storage.IdP{ID: id, Issuer: "https://" + id + ".example"}), "create "+id)
	}
}

func mappingAggregate() aggregate[storage.SubjectMapping] {
	sample := func(i int) storage.SubjectMapping {
		return storage.SubjectMapping{
			IdPID:           []string{"idp-a", "idp-b", "idp-c"}[min(i/10, 2)],
			ExternalSubject: fmt.Sprintf("00u%03d|Ünïcode", i),
			LocalSubject:    fmt.Sprintf("user-%d@example.com", i),
			Enabled:         true,
			CreatedAt:       at(time.Duration(i) * 24 * time.Hour),
			UpdatedAt:       at(time.Duration(i)*24*time.Hour + time.Millisecond),
		}
	}
	return aggregate[storage.SubjectMapping]{
		setup:  mappingIdPs,
		sample: sample,
		minimal: func(i int) storage.SubjectMapping {
			m := sample(i)
			return storage.SubjectMapping{IdPID: m.IdPID, ExternalSubject: m.ExternalSubject}
		},
		mutate: func(m storage.SubjectMapping) storage.SubjectMapping {
			m.LocalSubject = "someone-else"
			m.Enabled = !m.Enabled
			m.UpdatedAt = m.UpdatedAt.Add(time.Minute)
			return m
		},
		blank: func(m storage.SubjectMapping) storage.SubjectMapping { m.ExternalSubject = ""; return m },
		key:   mappingKey,
		create: func(ctx context.Context, s storage.Store, m storage.SubjectMapping) error {
			return s.CreateSubjectMapping(ctx, m)
		},
		update: func(ctx context.Context, s storage.Store, m storage.SubjectMapping) error {
			return s.UpdateSubjectMapping(ctx, m)
		},
		get: func(ctx context.Context, s storage.Store, k string) (storage.SubjectMapping, error) {
			idpID, sub := splitMappingKey(k)
			return s.GetSubjectMapping(ctx, idpID, sub)
		},
		del: func(ctx context.Context, s storage.Store, k string) error {
			idpID, sub := splitMappingKey(k)
			return s.DeleteSubjectMapping(ctx, idpID, sub)
		},
		list: func(ctx context.Context, s storage.Store, p storage.Page) ([]storage.SubjectMapping, error) {
			return s.ListSubjectMappings(ctx, p)
		},
	}
}
