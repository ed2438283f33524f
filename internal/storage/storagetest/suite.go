package storagetest

import (
	"context"
	"testing"
	"time"

	"github.com/authplane/authplane/internal/storage"
)

// Opener returns a fresh, migrated, empty store for one test. It registers
// its own cleanup with t (for example t.Cleanup(func() { s.Close() })); that
// cleanup must tolerate a store the test has already closed.
type Opener func(t *testing.T) storage.Store

// Run runs the whole conformance suite. Every subtest calls open for its own
// store, so subtests never observe each other's data. Subtests do not call
// t.Parallel; open need not be safe for concurrent use.
func Run(t *testing.T, open func(t *testing.T) storage.Store) {
	t.Helper()
	o := Opener(open)
	t.Run("Clients", func(t *testing.T) { runCRUD(t, o, clientAggregate()) })
	t.Run("Resources", func(t *testing.T) { runCRUD(t, o, resourceAggregate()) })
	t.Run("IdPs", func(t *testing.T) { runCRUD(t, o, idpAggregate()) })
	t.Run("Policies", func(t *testing.T) { runCRUD(t, o, policyAggregate()) })
	t.Run("SubjectMappings", func(t *testing.T) { runCRUD(t, o, mappingAggregate()) })
	t.Run("UniqueFields", func(t *testing.T) { testUniqueFields(t, o) })
	t.Run("NilVersusEmptyLists", func(t *testing.T) { testNilVersusEmpty(t, o) })
	t.Run("JTIs", func(t *testing.T) { testJTIs(t, o) })
	t.Run("ConsumeJTIWithAudit", func(t *testing.T) { testConsumeWithAudit(t, o) })
	t.Run("WithTx", func(t *testing.T) { testWithTx(t, o) })
	t.Run("Audit", func(t *testing.T) { testAudit(t, o) })
	t.Run("AuditFilter", func(t *testing.T) { testAuditFilter(t, o) })
	t.Run("AuditSeals", func(t *testing.T) { testAuditSeals(t, o) })
	t.Run("AuditConnections", func(t *testing.T) { testAuditConnections(t, o) })
	t.Run("Revocations", func(t *testing.T) { testRevocations(t, o) })
	t.Run("SigningKeys", func(t *testing.T) { testSigningKeys(t, o) })
	t.Run("IdPKeyState", func(t *testing.T) { testIdPKeyState(t, o) })
	t.Run("Generation", func(t *testing.T) { testGeneration(t, o) })
	t.Run("Changes", func(t *testing.T) { testChanges(t, o) })
	t.Run("Concurrency", func(t *testing.T) { testConcurrency(t, o) })
	t.Run("Lifecycle", func(t *testing.T) { testLifecycle(t, o) })
}

// at returns the fixtures' reference instant shifted by d. The instant
// carries nanoseconds and a non-UTC zone on purpose: backends must keep at
// least millisecond precision and hand times back in UTC.
func at(d time.Duration) time.Time {
	zone := time.FixedZone("UTC+5:30", 5*3600+30*60)
	return time.Date(2025, 3, 14, 15, 9, 26, 535897932, zone).Add(d)
}

// ctxFor returns a context that ends with the test, bounded so that a hung
// backend fails the test instead of the whole run.
func ctxFor(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// must fails the test on a non-nil error.
func must(t *testing.T, err error, what string) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}
