package bench

import (
	"net/url"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/authplane/authplane/internal/oauth"
	"github.com/authplane/authplane/internal/secret"
	"github.com/authplane/authplane/internal/testidp"
)

// assertionLifetime is exp − iat of every signed assertion: the longest the
// server accepts, so that a pool signed before the window stays valid.
const assertionLifetime = 5 * time.Minute

// requestMaker builds token request bodies, each with a unique ID-JAG and,
// for private_key_jwt, a unique client assertion.
type requestMaker struct {
	idpKey    testidp.Key
	clientKey *testidp.Key // nil for client secrets
	issuer    string       // the IdP's
	audience  string       // AuthPlane's issuer
	clientID  string
	resource  string
	scope     string
	now       func() time.Time
}

// body returns one form-encoded token request body.
func (m *requestMaker) body() ([]byte, error) {
	now := m.now()
	jag, err := signJWS(m.idpKey, "oauth-id-jag+jwt", idJAGClaims{
		Issuer: m.issuer, Subject: "bench-user-" + secret.ID()[:6], Audience: m.audience, ClientID: m.clientID,
		JTI: secret.ID(), IssuedAt: now.Unix(), Expiry: now.Add(assertionLifetime).Unix(),
		Resource: m.resource, Scope: m.scope,
	})
	if err != nil {
		return nil, err
	}
	form := "grant_type=" + url.QueryEscape(oauth.GrantJWTBearer) + "&assertion=" + url.QueryEscape(jag)
	if m.clientKey != nil {
		ca, err := signJWS(*m.clientKey, "JWT", clientAssertionClaims{
			Issuer: m.clientID, Subject: m.clientID, Audience: m.audience, JTI: secret.ID(),
			IssuedAt: now.Unix(), Expiry: now.Add(assertionLifetime).Unix(),
		})
		if err != nil {
			return nil, err
		}
		form += "&client_assertion_type=" + url.QueryEscape(oauth.ClientAssertionJWTBearer) +
			"&client_assertion=" + url.QueryEscape(ca)
	}
	return []byte(form), nil
}

// pool is a set of pre-built request bodies taken once each.
type pool struct {
	bodies [][]byte
	next   atomic.Int64
}

// take returns the next unused body; false once the pool is exhausted.
func (p *pool) take() ([]byte, bool) {
	i := p.next.Add(1) - 1
	if i >= int64(len(p.bodies)) {
		return nil, false
	}
	b := p.bodies[i]
	p.bodies[i] = nil // each body is sent once; let the GC have it
	return b, true
}

// fill signs n bodies on every CPU.
func (m *requestMaker) fill(n int) (*pool, error) {
	p := &pool{bodies: make([][]byte, n)}
	workers := runtime.GOMAXPROCS(0)
	var (
		wg      sync.WaitGroup
		next    atomic.Int64
		errOnce sync.Once
		err     error
	)
	for range workers {
		wg.Go(func() {
			for i := next.Add(1) - 1; i < int64(n); i = next.Add(1) - 1 {
				b, e := m.body()
				if e != nil {
					errOnce.Do(func() { err = e })
					return
				}
				p.bodies[i] = b
			}
		})
	}
	wg.Wait()
	return p, err
}
