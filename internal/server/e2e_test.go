package server

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"

	jose "github.com/go-jose/go-jose/v4"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/authplane/authplane/internal/oauth"
	"github.com/authplane/authplane/internal/testidp"
	"github.com/authplane/authplane/internal/token"
)

// fetchJWKS gets the published key set the way a resource server does.
func (e *env) fetchJWKS() jose.JSONWebKeySet {
	e.t.Helper()
	resp, err := http.Get(e.pub + "/.well-known/jwks.json")
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	var set jose.JSONWebKeySet
	b, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(b, &set); err != nil {
		e.t.Fatalf("jwks: %v: %s", err, b)
	}
	return set
}

// rsVerify verifies an access token as the GitHub MCP server would: offline,
// against the published JWKS, for its own audience.
func (e *env) rsVerify(tok string) (token.Claims, error) {
	set := e.fetchJWKS()
	v := &token.Verifier{Issuer: testIssuer, Keys: func() jose.JSONWebKeySet { return set }}
	return v.Verify(tok, githubURI)
}

// TestE2E_OAuth2Client performs the jwt-bearer grant with golang.org/x/oauth2
// (a client not written here) in both secret styles, and verifies the token
// against the published JWKS as a resource server would.
func TestE2E_OAuth2Client(t *testing.T) {
	e := newEnv(t, envOpts{})
	e.standardSetup()
	for _, tc := range []struct {
		client string
		style  oauth2.AuthStyle
	}{{"agent-basic", oauth2.AuthStyleInHeader}, {"agent-post", oauth2.AuthStyleInParams}} {
		t.Run(tc.client, func(t *testing.T) {
			g := e.grant()
			g.ClientID = tc.client
			cc := clientcredentials.Config{
				ClientID: tc.client, ClientSecret: e.secrets[tc.client], TokenURL: e.pub + "/oauth/token", AuthStyle: tc.style,
				EndpointParams: url.Values{"grant_type": {oauth.GrantJWTBearer}, "assertion": {e.idp.Mint(g)}, "resource": {githubURI}},
				Scopes:         []string{"repo:read"},
			}
			tok, err := cc.Token(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if tok.RefreshToken != "" || tok.TokenType != "Bearer" {
				t.Fatalf("token %+v", tok)
			}
			c, err := e.rsVerify(tok.AccessToken)
			if err != nil {
				t.Fatal(err)
			}
			if c.Subject != "acme|alice" || c.ClientID != tc.client || c.Scope != "repo:read" || c.Audience != githubURI || c.IdPIssuer != e.idp.Issuer {
				t.Fatalf("claims %+v", c)
			}
			// The same assertion is single use (RAS-16).
			_, err = cc.Token(context.Background())
			var re *oauth2.RetrieveError
			if !asRetrieveError(err, &re) || re.ErrorCode != "invalid_grant" {
				t.Fatalf("replay: %v", err)
			}
		})
	}
}

func asRetrieveError(err error, re **oauth2.RetrieveError) bool {
	r, ok := err.(*oauth2.RetrieveError)
	if ok {
		*re = r
	}
	return ok
}

// replayRace submits one assertion n times at once across envs and counts
// the 200s.
func replayRace(t *testing.T, envs []*env, n int) int64 {
	t.Helper()
	raw := envs[0].idp.Mint(envs[0].grant())
	var ok atomic.Int64
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func(e *env) {
			defer wg.Done()
			<-start
			resp := e.exchange("agent-basic", raw, nil)
			switch {
			case resp.Status == 200:
				ok.Add(1)
			case resp.Status != 400 || resp.code() != "invalid_grant":
				t.Errorf("unexpected %d %v", resp.Status, resp.Body)
			}
		}(envs[i%len(envs)])
	}
	close(start)
	wg.Wait()
	return ok.Load()
}

// TestRAS24_ConcurrentReplaySQLite: 64 identical requests → exactly one 200.
func TestRAS24_ConcurrentReplaySQLite(t *testing.T) {
	e := newEnv(t, envOpts{})
	e.standardSetup()
	if got := replayRace(t, []*env{e}, 64); got != 1 {
		t.Fatalf("%d successes, want exactly 1", got)
	}
}

// TestAT01_KeyRotationKeepsOldTokensValid: after an admin rotation the new
// key signs at once and tokens of the old key still verify against the
// published JWKS.
func TestAT01_KeyRotationKeepsOldTokensValid(t *testing.T) {
	e := newEnv(t, envOpts{})
	e.standardSetup()
	old := e.exchange("agent-basic", e.idp.Mint(e.grant()), nil)
	var rot struct {
		Kid string `json:"kid"`
	}
	e.mustAdmin("POST", "/admin/v1/keys/rotate", nil, &rot)
	fresh := e.exchange("agent-basic", e.idp.Mint(e.grant()), nil)
	for name, r := range map[string]tokenResponse{"old": old, "new": fresh} {
		if r.Status != 200 {
			t.Fatalf("%s grant: %d %v", name, r.Status, r.Body)
		}
		if _, err := e.rsVerify(r.Body["access_token"].(string)); err != nil {
			t.Fatalf("%s token does not verify after rotation: %v", name, err)
		}
	}
	if kid := kidOf(t, fresh.Body["access_token"].(string)); kid != rot.Kid {
		t.Fatalf("new token kid %q, want rotated key %q", kid, rot.Kid)
	}
	if kidOf(t, old.Body["access_token"].(string)) == rot.Kid {
		t.Fatal("old token was signed by the new key")
	}
	if n := len(e.fetchJWKS().Keys); n != 2 {
		t.Fatalf("JWKS publishes %d keys, want 2", n)
	}
}

func kidOf(t *testing.T, tok string) string {
	t.Helper()
	jws, err := jose.ParseSignedCompact(tok, []jose.SignatureAlgorithm{jose.ES256})
	if err != nil {
		t.Fatal(err)
	}
	return jws.Signatures[0].Header.KeyID
}

// TestRAS29_IdPKeyRotationAndUnknownKidFlood: the first assertion signed
// with a new IdP key succeeds after exactly one JWKS fetch; 1,000 assertions
// with random unknown kids cause at most one fetch in the interval.
func TestRAS29_IdPKeyRotationAndUnknownKidFlood(t *testing.T) {
	e := newEnv(t, envOpts{})
	e.standardSetup()
	if r := e.exchange("agent-basic", e.idp.Mint(e.grant()), nil); r.Status != 200 {
		t.Fatalf("warm-up: %d %v", r.Status, r.Body)
	}
	before := e.idp.JWKSFetches()
	e.idp.Rotate(testidp.NewKey(jose.RS256), false)
	if r := e.exchange("agent-basic", e.idp.Mint(e.grant()), nil); r.Status != 200 {
		t.Fatalf("first assertion with the new kid: %d %v", r.Status, r.Body)
	}
	if got := e.idp.JWKSFetches() - before; got != 1 {
		t.Fatalf("rotation took %d fetches, want 1", got)
	}
	before = e.idp.JWKSFetches()
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 125 {
				k := testidp.NewKey(jose.ES256)
				g := e.grant()
				g.Key = &k
				if r := e.exchange("agent-basic", e.idp.Mint(g), nil); r.Status != 400 || r.code() != "invalid_grant" {
					t.Errorf("unknown kid: %d %v", r.Status, r.Body)
					return
				}
			}
		}()
	}
	wg.Wait()
	if got := e.idp.JWKSFetches() - before; got > 1 {
		t.Fatalf("1,000 unknown kids caused %d fetches, want ≤ 1 per interval", got)
	}
	if r := e.exchange("agent-basic", e.idp.Mint(e.grant()), nil); r.Status != 200 {
		t.Fatalf("valid grant after the flood: %d %v", r.Status, r.Body)
	}
}

// TestRAS14_KeysUnavailableIs503: with the IdP down and no key ever cached,
// the grant answers 503, consumes nothing, and recovers when it returns.
func TestRAS14_KeysUnavailableIs503(t *testing.T) {
	e := newEnv(t, envOpts{})
	e.standardSetup()
	e.idp.SetDown(true)
	g := e.grant()
	g.JTI = "outage-jti"
	r := e.exchange("agent-basic", e.idp.Mint(g), nil)
	if r.Status != 503 || r.code() != "temporarily_unavailable" || r.Header.Get("Retry-After") == "" {
		t.Fatalf("outage: %d %v %v", r.Status, r.Body, r.Header)
	}
	e.idp.SetDown(false)
	if r := e.exchange("agent-basic", e.idp.Mint(g), nil); r.Status != 200 {
		t.Fatalf("after recovery (same jti, not consumed by the 503): %d %v", r.Status, r.Body)
	}
}
