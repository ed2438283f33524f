package storagetest

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/authplane/authplane/internal/storage"
)

// racers is how many goroutines race on one (issuer, jti) pair.
const racers = 64

// testJTIs checks the single-use gate (RAS-24, SPEC B.2 step 29).
func testJTIs(t *testing.T, open Opener) {
	exp := at(5 * time.Minute)
	t.Run("second consume of a pair is ErrReplay", func(t *testing.T) {
		ctx, s := ctxFor(t), open(t)
		j := storage.ConsumedJTI{Issuer: "https://idp.example", JTI: "jti-1", ExpiresAt: exp}
		must(t, s.ConsumeJTI(ctx, j), "first consume")
		wantErr(t, "second consume", s.ConsumeJTI(ctx, j), storage.ErrReplay)
		j.ExpiresAt = exp.Add(time.Hour)
		wantErr(t, "consume with another expiry", s.ConsumeJTI(ctx, j), storage.ErrReplay)
	})
	t.Run("64 goroutines consuming one pair yield exactly one success", func(t *testing.T) {
		ctx, s := ctxFor(t), open(t)
		j := storage.ConsumedJTI{Issuer: "https://idp.example", JTI: "raced", ExpiresAt: exp}
		errs := race(racers, func(int) error { return s.ConsumeJTI(ctx, j) })
		checkOneWinner(t, errs)
	})
	t.Run("same jti under two issuers are two pairs", func(t *testing.T) {
		ctx, s := ctxFor(t), open(t)
		for _, iss := range []string{"https://a.example", "https://b.example", "https://a.example/"} {
			must(t, s.ConsumeJTI(ctx, storage.ConsumedJTI{Issuer: iss, JTI: "shared", ExpiresAt: exp}), iss)
		}
	})
	t.Run("issuer and jti boundaries do not collide", func(t *testing.T) {
		ctx, s := ctxFor(t), open(t)
		must(t, s.ConsumeJTI(ctx, storage.ConsumedJTI{Issuer: "https://a.example", JTI: "bc", ExpiresAt: exp}), "a/bc")
		must(t, s.ConsumeJTI(ctx, storage.ConsumedJTI{Issuer: "https://a.exampleb", JTI: "c", ExpiresAt: exp}), "ab/c")
	})
	t.Run("256-byte and unicode jtis are consumed once", func(t *testing.T) {
		ctx, s := ctxFor(t), open(t)
		for _, jti := range []string{
			strings.Repeat("j", 256),
			strings.Repeat("é", 128), // 256 bytes of UTF-8
			"日本語-🔑-\u0000-tab\t",
			strings.Repeat("j", 255),
		} {
			j := storage.ConsumedJTI{Issuer: "https://idp.example", JTI: jti, ExpiresAt: exp}
			must(t, s.ConsumeJTI(ctx, j), "first consume")
			wantErr(t, "second consume", s.ConsumeJTI(ctx, j), storage.ErrReplay)
		}
	})
	t.Run("an expired pair stays consumed until purged", func(t *testing.T) {
		ctx, s := ctxFor(t), open(t)
		j := storage.ConsumedJTI{Issuer: "https://idp.example", JTI: "old", ExpiresAt: at(-time.Hour)}
		must(t, s.ConsumeJTI(ctx, j), "consume")
		wantErr(t, "consume again before purge", s.ConsumeJTI(ctx, j), storage.ErrReplay)
	})
	t.Run("purge removes only expired pairs and a purged pair can be consumed again", testPurgeJTIs(open))
}

func testPurgeJTIs(open Opener) func(t *testing.T) {
	return func(t *testing.T) {
		ctx, s := ctxFor(t), open(t)
		now := at(0)
		expired := []storage.ConsumedJTI{
			{Issuer: "https://idp.example", JTI: "gone-1", ExpiresAt: now.Add(-time.Hour)},
			{Issuer: "https://idp.example", JTI: "gone-2", ExpiresAt: now.Add(-time.Millisecond)},
			{Issuer: "https://other.example", JTI: "gone-3", ExpiresAt: now.Add(-24 * time.Hour)},
		}
		live := []storage.ConsumedJTI{
			{Issuer: "https://idp.example", JTI: "live-now", ExpiresAt: now},
			{Issuer: "https://idp.example", JTI: "live-1", ExpiresAt: now.Add(time.Millisecond)},
			{Issuer: "https://idp.example", JTI: "live-2", ExpiresAt: now.Add(time.Hour)},
		}
		for _, j := range append(append([]storage.ConsumedJTI{}, expired...), live...) {
			must(t, s.ConsumeJTI(ctx, j), "consume "+j.JTI)
		}
		n, err := s.PurgeExpiredJTIs(ctx, now)
		must(t, err, "purge")
		if n != int64(len(expired)) {
			t.Errorf("purge removed %d pairs, want %d", n, len(expired))
		}
		for _, j := range live {
			wantErr(t, "live pair "+j.JTI+" after purge", s.ConsumeJTI(ctx, j), storage.ErrReplay)
		}
		for _, j := range expired {
			if err := s.ConsumeJTI(ctx, j); err != nil {
				t.Errorf("purged pair %s cannot be consumed again: %v", j.JTI, err)
			}
		}
		n, err = s.PurgeExpiredJTIs(ctx, now.Add(-48*time.Hour))
		must(t, err, "second purge")
		if n != 0 {
			t.Errorf("purge at an earlier time removed %d pairs, want 0", n)
		}
	}
}

// race runs fn(i) for i in [0, n) in goroutines released at once and
// returns their errors, indexed by i.
func race(n int, fn func(i int) error) []error {
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			errs[i] = fn(i)
		})
	}
	close(start)
	wg.Wait()
	return errs
}

// checkOneWinner fails unless exactly one error is nil and all others are
// ErrReplay.
func checkOneWinner(t *testing.T, errs []error) {
	t.Helper()
	wins, replays := 0, 0
	for _, err := range errs {
		switch {
		case err == nil:
			wins++
		case errors.Is(err, storage.ErrReplay):
			replays++
		default:
			t.Errorf("unexpected error: %v", err)
		}
	}
	if wins != 1 || replays != len(errs)-1 {
		t.Errorf("%d successes and %d replays, want 1 and %d", wins, replays, len(errs)-1)
	}
}

// countAudit returns how many audit events the store holds.
func countAudit(ctx context.Context, t *testing.T, s storage.Store) int {
	t.Helper()
	evs, err := s.ListAudit(ctx, storage.AuditFilter{}, storage.Page{Limit: storage.MaxPageLimit})
	must(t, err, "list audit")
	return len(evs)
}
