//go:build faults

package faults

import (
	"context"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/authplane/authplane/internal/storage/sqlite"
)

// Key-cache settings of the outage scenario: a short stale bound so that
// it can be observed, a short back-off between refetch attempts.
const (
	maxStale        = 10 * time.Second
	refetchInterval = time.Second
)

// keyStatus is GET /admin/v1/idps/{id}/status.
type keyStatus struct {
	JWKSURI   string    `json:"jwks_uri"`
	FetchedAt time.Time `json:"fetched_at"`
	ExpiresAt time.Time `json:"expires_at"`
	LastError string    `json:"last_error"`
	Kids      []string  `json:"kids"`
}

func (s *server) keyStatus() keyStatus {
	s.t.Helper()
	var st keyStatus
	s.mustAdmin("GET", "/idps/"+idpID+"/status", nil, &st)
	return st
}

// TestOutage_LastKnownGoodKeysThen503: while the IdP's discovery and JWKS
// endpoints are down, grants keep working from the last-known-good keys,
// also after a restart of AuthPlane (the keys are persisted), until
// idp_keys.max_stale after the last successful fetch; then they fail with
// 503 temporarily_unavailable and Retry-After, consume nothing, and
// recover as soon as the IdP is back (DESIGN.md §3 Trusted-IdP registry,
// §9 IdP outage).
//
// The cached key set stays fresh for its Cache-Control max-age, clamped to
// at least idp.DefaultMinTTL (5 minutes, not configurable); the stale bound
// only starts after that. To observe it within seconds, the scenario
// shortens the persisted freshness (expires_at := fetched_at) while
// AuthPlane is stopped during the outage — the fetch time and the keys
// stay the ones really fetched.
func TestOutage_LastKnownGoodKeysThen503(t *testing.T) {
	p := startIdP(t)
	s := startServer(t, serverOpts{env: []string{
		"AUTHPLANE_IDP_KEYS__MAX_STALE=" + maxStale.String(), "AUTHPLANE_IDP_KEYS__REFETCH_INTERVAL=" + refetchInterval.String(),
	}})
	a := s.register(p, true)
	hc := newClient(4)
	if r := s.exchange(hc, a, p.mint(jag{})); r.status != 200 {
		t.Fatalf("grant before the outage: %d %s", r.status, r.code)
	}
	fetched := s.keyStatus().FetchedAt
	p.setDown(true)
	t.Logf("IdP down %s after the last successful key fetch (max_stale %s)", ms(time.Since(fetched)), maxStale)

	during := grantsFor(s, hc, a, p, time.Second)
	t.Logf("grants during the outage (cached keys): %s", during)
	if during.status(200) != during.total() {
		t.Errorf("a grant failed during the outage with cached keys: %s", during)
	}

	s.restart()
	after := grantsFor(s, hc, a, p, time.Second)
	t.Logf("restart during the outage (ready in %s); grants from the persisted keys: %s", ms(s.startup), after)
	if after.status(200) != after.total() {
		t.Errorf("a grant failed after a restart during the outage: %s", after)
	}

	s.stop()
	expirePersistedKeys(t, s)
	s.start()
	staleBound(t, s, hc, a, p, fetched)
}

// grantsFor performs one grant every 20 ms for d.
func grantsFor(s *server, hc *http.Client, a agent, p *enterpriseIdP, d time.Duration) *tally {
	tl := newTally()
	for end := time.Now().Add(d); time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
		tl.add(s.exchange(hc, a, p.mint(jag{})))
	}
	return tl
}

// expirePersistedKeys sets the stored key set's expires_at to its
// fetched_at (see TestOutage_LastKnownGoodKeysThen503), with s stopped.
func expirePersistedKeys(t *testing.T, s *server) {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(s.opts.dataDir, "authplane.db"), sqlite.Options{SkipMigrate: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ks, err := st.GetIdPKeyState(ctx, idpID)
	if err != nil {
		t.Fatal(err)
	}
	if len(ks.JWKS) == 0 {
		t.Fatal("no persisted key set")
	}
	ks.ExpiresAt = ks.FetchedAt
	if err := st.PutIdPKeyState(ctx, ks); err != nil {
		t.Fatal(err)
	}
}

// staleMargin is how far from max_stale the switch to 503 may be seen
// from the test's side.
const staleMargin = 250 * time.Millisecond

// staleBound grants every 50 ms until the first 503 and checks that every
// grant started within max_stale of the fetch (less staleMargin) succeeded,
// that the first failure is a 503 with Retry-After, that it consumed
// nothing, and that grants recover when the IdP is back.
func staleBound(t *testing.T, s *server, hc *http.Client, a agent, p *enterpriseIdP, fetched time.Time) {
	t.Helper()
	var lastOK time.Duration
	var failed result
	var failedJAG string
	for deadline := fetched.Add(maxStale + 5*time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		as := p.mint(jag{})
		sent := time.Since(fetched)
		r := s.exchange(hc, a, as)
		if r.status == 200 {
			lastOK = sent
			continue
		}
		// The server judges staleness when it handles the request, a little
		// after it was sent, against a fetch time stored to the millisecond.
		if sent < maxStale-staleMargin {
			t.Fatalf("grant failed %s after the fetch, within max_stale %s: %d %s", ms(sent), maxStale, r.status, r.code)
		}
		failed, failedJAG = r, as
		t.Logf("stale keys: last 200 sent %s after the fetch, first failure sent %s after it: %d %s Retry-After %q",
			ms(lastOK), ms(sent), r.status, r.code, r.retryAfter)
		break
	}
	if failedJAG == "" {
		t.Fatalf("grants still succeed %s after the fetch (max_stale %s)", ms(time.Since(fetched)), maxStale)
	}
	if lastOK > maxStale+staleMargin {
		t.Errorf("a grant sent %s after the fetch succeeded (max_stale %s)", ms(lastOK), maxStale)
	}
	if failed.status != 503 || failed.code != "temporarily_unavailable" || failed.retryAfter == "" {
		t.Errorf("past max_stale: %d %s Retry-After %q; want 503 temporarily_unavailable with Retry-After", failed.status, failed.code, failed.retryAfter)
	}
	st := s.keyStatus()
	t.Logf("IdP status during the outage: last_error %q", st.LastError)
	if st.LastError == "" {
		t.Error("the IdP status does not report the failing fetch")
	}
	p.setDown(false)
	start := time.Now()
	r := s.exchange(hc, a, failedJAG)
	t.Logf("IdP back: the assertion refused with 503 is granted %s later: %d %s", ms(time.Since(start)), r.status, r.code)
	if r.status != 200 {
		t.Errorf("after recovery, the same assertion (not consumed by the 503): %d %s", r.status, r.code)
	}
}
