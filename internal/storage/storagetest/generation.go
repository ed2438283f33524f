package storagetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/authplane/authplane/internal/storage"
)

// step is one named store operation of the generation tests.
type step struct {
	name string
	do   func(ctx context.Context, s storage.Store) error
}

// bumpingSteps are committed configuration changes, each of which must
// raise the generation (caches on every instance key off it).
func bumpingSteps() []step {
	c, r, p := clientAggregate().sample(1), resourceAggregate().sample(1), idpAggregate().sample(1)
	pol, m := policyAggregate().sample(1), mappingAggregate().sample(1)
	k := signingKey(1, at(-time.Hour))
	retired := k
	retired.State, retired.RetiredAt, retired.PublishUntil = storage.KeyRetired, at(-time.Minute), at(-time.Second)
	rev := storage.Revocation{Kind: storage.RevokeToken, Value: "t1", At: at(0), ExpiresAt: at(-time.Second)}
	return []step{
		{"create client", func(ctx context.Context, s storage.Store) error { return s.CreateClient(ctx, c) }},
		{"update client", func(ctx context.Context, s storage.Store) error { return s.UpdateClient(ctx, c) }},
		{"delete client", func(ctx context.Context, s storage.Store) error { return s.DeleteClient(ctx, c.ID) }},
		{"create resource", func(ctx context.Context, s storage.Store) error { return s.CreateResource(ctx, r) }},
		{"update resource", func(ctx context.Context, s storage.Store) error { return s.UpdateResource(ctx, r) }},
		{"delete resource", func(ctx context.Context, s storage.Store) error { return s.DeleteResource(ctx, r.ID) }},
		{"create idp", func(ctx context.Context, s storage.Store) error { return s.CreateIdP(ctx, p) }},
		{"update idp", func(ctx context.Context, s storage.Store) error { return s.UpdateIdP(ctx, p) }},
		{"delete idp", func(ctx context.Context, s storage.Store) error { return s.DeleteIdP(ctx, p.ID) }},
		{"create policy", func(ctx context.Context, s storage.Store) error { return s.CreatePolicy(ctx, pol) }},
		{"update policy", func(ctx context.Context, s storage.Store) error { return s.UpdatePolicy(ctx, pol) }},
		{"delete policy", func(ctx context.Context, s storage.Store) error { return s.DeletePolicy(ctx, pol.ID) }},
		{"create subject mapping", func(ctx context.Context, s storage.Store) error { return s.CreateSubjectMapping(ctx, m) }},
		{"update subject mapping", func(ctx context.Context, s storage.Store) error { return s.UpdateSubjectMapping(ctx, m) }},
		{"delete subject mapping", func(ctx context.Context, s storage.Store) error {
			return s.DeleteSubjectMapping(ctx, m.IdPID, m.ExternalSubject)
		}},
		{"create signing key", func(ctx context.Context, s storage.Store) error { return s.CreateSigningKey(ctx, k) }},
		{"retire signing key", func(ctx context.Context, s storage.Store) error { return s.UpdateSigningKey(ctx, retired) }},
		{"delete retired signing keys", func(ctx context.Context, s storage.Store) error {
			_, err := s.DeleteSigningKeysBefore(ctx, at(0))
			return err
		}},
		{"add revocation", func(ctx context.Context, s storage.Store) error { return s.AddRevocation(ctx, rev) }},
		{"replace revocation", func(ctx context.Context, s storage.Store) error { return s.AddRevocation(ctx, rev) }},
		{"purge revocations", func(ctx context.Context, s storage.Store) error {
			_, err := s.PurgeExpiredRevocations(ctx, at(0))
			return err
		}},
		{"committed transaction", func(ctx context.Context, s storage.Store) error {
			return s.WithTx(ctx, func(tx storage.Tx) error { return tx.CreateClient(ctx, c) })
		}},
	}
}

// neutralSteps must leave the generation alone: the hot path's writes,
// failed changes and rolled-back transactions.
func neutralSteps() []step {
	c := clientAggregate().sample(2)
	j := storage.ConsumedJTI{Issuer: "https://idp.example", JTI: "j", ExpiresAt: at(time.Hour)}
	return []step{
		{"consume jti", func(ctx context.Context, s storage.Store) error { return s.ConsumeJTI(ctx, j) }},
		{"replayed jti", func(ctx context.Context, s storage.Store) error {
			if err := s.ConsumeJTI(ctx, j); !errors.Is(err, storage.ErrReplay) {
				return errors.New("second consume was not a replay")
			}
			return nil
		}},
		{"consume jti with audit", func(ctx context.Context, s storage.Store) error {
			jj := j
			jj.JTI = "j2"
			_, err := s.ConsumeJTIWithAudit(ctx, jj, fullEvent(1))
			return err
		}},
		{"append audit", func(ctx context.Context, s storage.Store) error {
			_, err := s.AppendAudit(ctx, fullEvent(2))
			return err
		}},
		{"purge jtis", func(ctx context.Context, s storage.Store) error {
			_, err := s.PurgeExpiredJTIs(ctx, at(2*time.Hour))
			return err
		}},
		{"rolled-back transaction", func(ctx context.Context, s storage.Store) error {
			err := s.WithTx(ctx, func(tx storage.Tx) error {
				if err := tx.CreateClient(ctx, c); err != nil {
					return err
				}
				return errRollback
			})
			if !errors.Is(err, errRollback) {
				return err
			}
			return nil
		}},
		{"failed create", func(ctx context.Context, s storage.Store) error {
			if err := s.CreateClient(ctx, clientAggregate().sample(1)); !errors.Is(err, storage.ErrConflict) {
				return errors.New("duplicate create did not conflict")
			}
			return nil
		}},
		{"reads", func(ctx context.Context, s storage.Store) error {
			_, err := s.ListClients(ctx, storage.Page{})
			return err
		}},
	}
}

// errRollback is returned from transactions the tests roll back on purpose.
var errRollback = errors.New("storagetest: roll back")

// testGeneration checks that every committed configuration change raises
// the generation and that nothing else does.
func testGeneration(t *testing.T, open Opener) {
	generation := func(ctx context.Context, t *testing.T, s storage.Store) int64 {
		t.Helper()
		g, err := s.Generation(ctx)
		must(t, err, "generation")
		return g
	}
	t.Run("every committed config change increases the generation", func(t *testing.T) {
		ctx, s := ctxFor(t), open(t)
		mappingIdPs(ctx, t, s)
		prev := generation(ctx, t, s)
		for _, st := range bumpingSteps() {
			must(t, st.do(ctx, s), st.name)
			g := generation(ctx, t, s)
			if g <= prev {
				t.Errorf("after %s: generation %d, want > %d", st.name, g, prev)
			}
			prev = g
		}
	})
	t.Run("jtis audit failures rollbacks and reads leave the generation alone", func(t *testing.T) {
		ctx, s := ctxFor(t), open(t)
		must(t, s.CreateClient(ctx, clientAggregate().sample(1)), "create client")
		prev := generation(ctx, t, s)
		for _, st := range neutralSteps() {
			must(t, st.do(ctx, s), st.name)
			if g := generation(ctx, t, s); g != prev {
				t.Errorf("after %s: generation %d, want %d", st.name, g, prev)
				prev = g
			}
		}
	})
}
