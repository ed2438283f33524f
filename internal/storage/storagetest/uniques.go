package storagetest

import (
	"testing"

	"github.com/authplane/authplane/internal/storage"
)

// testUniqueFields checks the secondary unique constraints: Resource.URI,
// IdP.Issuer, and the (IdP, external subject) key of subject mappings.
func testUniqueFields(t *testing.T, open Opener) {
	runAll(t, open, []namedTest{
		{"create resource with a duplicate URI is ErrConflict", testDuplicateURICreate},
		{"update resource to another resource's URI is ErrConflict", testDuplicateURIUpdate},
		{"create IdP with a duplicate issuer is ErrConflict", testDuplicateIssuerCreate},
		{"update IdP to another IdP's issuer is ErrConflict", testDuplicateIssuerUpdate},
		{"duplicate subject mapping key is ErrConflict", testDuplicateMapping},
		{"same external subject under two IdPs is two mappings", testMappingPerIdP},
		{"ids are case sensitive", testIDsCaseSensitive},
	})
}

func testDuplicateURICreate(t *testing.T, open Opener) {
	ctx, s := ctxFor(t), open(t)
	r1, r2 := resourceAggregate().sample(1), resourceAggregate().sample(2)
	must(t, s.CreateResource(ctx, r1), "create r1")
	r2.URI = r1.URI
	wantErr(t, "create r2", s.CreateResource(ctx, r2), storage.ErrConflict)
	_, err := s.GetResource(ctx, r2.ID)
	wantErr(t, "get r2", err, storage.ErrNotFound)
}

func testDuplicateURIUpdate(t *testing.T, open Opener) {
	ctx, s := ctxFor(t), open(t)
	r1, r2 := resourceAggregate().sample(1), resourceAggregate().sample(2)
	must(t, s.CreateResource(ctx, r1), "create r1")
	must(t, s.CreateResource(ctx, r2), "create r2")
	moved := r2
	moved.URI = r1.URI
	wantErr(t, "update r2", s.UpdateResource(ctx, moved), storage.ErrConflict)
	got, err := s.GetResource(ctx, r2.ID)
	must(t, err, "get r2")
	assertEqual(t, "r2 after failed update", r2, got)
}

func testDuplicateIssuerCreate(t *testing.T, open Opener) {
	ctx, s := ctxFor(t), open(t)
	p1, p2 := idpAggregate().sample(1), idpAggregate().sample(2)
	must(t, s.CreateIdP(ctx, p1), "create p1")
	p2.Issuer = p1.Issuer
	wantErr(t, "create p2", s.CreateIdP(ctx, p2), storage.ErrConflict)
	_, err := s.GetIdP(ctx, p2.ID)
	wantErr(t, "get p2", err, storage.ErrNotFound)
}

func testDuplicateIssuerUpdate(t *testing.T, open Opener) {
	ctx, s := ctxFor(t), open(t)
	p1, p2 := idpAggregate().sample(1), idpAggregate().sample(2)
	must(t, s.CreateIdP(ctx, p1), "create p1")
	must(t, s.CreateIdP(ctx, p2), "create p2")
	moved := p2
	moved.Issuer = p1.Issuer
	wantErr(t, "update p2", s.UpdateIdP(ctx, moved), storage.ErrConflict)
	got, err := s.GetIdP(ctx, p2.ID)
	must(t, err, "get p2")
	assertEqual(t, "p2 after failed update", p2, got)
}

func testDuplicateMapping(t *testing.T, open Opener) {
	ctx, s := ctxFor(t), open(t)
	mappingIdPs(ctx, t, s)
	m := mappingAggregate().sample(1)
	must(t, s.CreateSubjectMapping(ctx, m), "create")
	dup := m
	dup.LocalSubject = "intruder"
	wantErr(t, "create duplicate", s.CreateSubjectMapping(ctx, dup), storage.ErrConflict)
	got, err := s.GetSubjectMapping(ctx, m.IdPID, m.ExternalSubject)
	must(t, err, "get")
	assertEqual(t, "mapping after conflict", m, got)
}

func testMappingPerIdP(t *testing.T, open Opener) {
	ctx, s := ctxFor(t), open(t)
	mappingIdPs(ctx, t, s)
	a := storage.SubjectMapping{IdPID: "idp-a", ExternalSubject: "alice", LocalSubject: "alice-a"}
	b := storage.SubjectMapping{IdPID: "idp-b", ExternalSubject: "alice", LocalSubject: "alice-b"}
	must(t, s.CreateSubjectMapping(ctx, a), "create a")
	must(t, s.CreateSubjectMapping(ctx, b), "create b")
	for _, want := range []storage.SubjectMapping{a, b} {
		got, err := s.GetSubjectMapping(ctx, want.IdPID, want.ExternalSubject)
		must(t, err, "get "+want.IdPID)
		assertEqual(t, want.IdPID, want, got)
	}
	must(t, s.DeleteSubjectMapping(ctx, "idp-a", "alice"), "delete a")
	if _, err := s.GetSubjectMapping(ctx, "idp-b", "alice"); err != nil {
		t.Errorf("deleting idp-a's mapping removed idp-b's: %v", err)
	}
}

func testIDsCaseSensitive(t *testing.T, open Opener) {
	ctx, s := ctxFor(t), open(t)
	must(t, s.CreateClient(ctx, storage.Client{ID: "Agent"}), "create Agent")
	must(t, s.CreateClient(ctx, storage.Client{ID: "agent"}), "create agent")
	_, err := s.GetClient(ctx, "AGENT")
	wantErr(t, "get AGENT", err, storage.ErrNotFound)
}
