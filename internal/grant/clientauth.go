package grant

import (
	"context"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/authplane/authplane/internal/catalog"
	"github.com/authplane/authplane/internal/oauth"
	"github.com/authplane/authplane/internal/secret"
	"github.com/authplane/authplane/internal/storage"
)

// Snapshots gives the current catalog snapshot (catalog.Catalog).
type Snapshots interface {
	Current() *catalog.Snapshot
}

// ReplayGuard consumes single-use identifiers (storage.JTIs).
type ReplayGuard interface {
	ConsumeJTI(ctx context.Context, j storage.ConsumedJTI) error
}

// ClientAuth authenticates the client of a token, introspection or
// revocation request (SPEC D.3).
type ClientAuth struct {
	// Issuer is our issuer: the only accepted client-assertion audience.
	Issuer  string
	Catalog Snapshots
	Secrets *secret.Hasher
	// Keys resolves private_key_jwt verification keys.
	Keys *ClientKeys
	// Replay consumes client-assertion jtis (CAUTH-05 (P)).
	Replay ReplayGuard
	Now    func() time.Time
}

// Authenticated is a client that proved its identity.
type Authenticated struct {
	Client storage.Client
	Method string
}

// Authenticate finds exactly one client-authentication mechanism in the
// request (CAUTH-01), then verifies it. Failures are 401 invalid_client with
// a Basic challenge when the Authorization header was used (TEP-03), or
// 400 invalid_request for zero-or-many mechanisms. claimedID returns the
// client id the request named, for audit, even when authentication fails.
func (a *ClientAuth) Authenticate(ctx context.Context, r *http.Request, f Form) (Authenticated, string, error) {
	authz := r.Header.Get("Authorization")
	_, hasSecret := f["client_secret"]
	_, hasAssertion := f["client_assertion"]
	_, hasAssertionType := f["client_assertion_type"]
	n := 0
	for _, used := range []bool{authz != "", hasSecret, hasAssertion || hasAssertionType} {
		if used {
			n++
		}
	}
	switch {
	case n > 1:
		return Authenticated{}, f.Get("client_id"), oauth.InvalidRequest("multiple_client_auth")
	case n == 0:
		return Authenticated{}, f.Get("client_id"), oauth.InvalidClient("no_client_auth", false)
	case authz != "":
		return a.basic(authz, f)
	case hasSecret:
		id := f.Get("client_id")
		c, err := a.verifySecret(id, f.Get("client_secret"), storage.AuthClientSecretPost, false)
		return c, id, err
	default:
		return a.privateKeyJWT(ctx, f)
	}
}

// basic handles client_secret_basic. Both halves are form-urlencoded before
// base64 and are decoded here (CAUTH-02).
func (a *ClientAuth) basic(header string, f Form) (Authenticated, string, error) {
	scheme, cred, ok := strings.Cut(header, " ")
	if !ok || !strings.EqualFold(scheme, "Basic") {
		return Authenticated{}, f.Get("client_id"), oauth.InvalidClient("unsupported_auth_scheme", true)
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(cred))
	if err != nil {
		return Authenticated{}, f.Get("client_id"), oauth.InvalidClient("malformed_basic", true)
	}
	encID, encSecret, ok := strings.Cut(string(raw), ":")
	id, err1 := url.QueryUnescape(encID)
	sec, err2 := url.QueryUnescape(encSecret)
	if !ok || err1 != nil || err2 != nil || id == "" {
		return Authenticated{}, f.Get("client_id"), oauth.InvalidClient("malformed_basic", true)
	}
	if bodyID := f.Get("client_id"); bodyID != "" && bodyID != id {
		return Authenticated{}, id, oauth.InvalidClient("client_id_mismatch", true)
	}
	c, err := a.verifySecret(id, sec, storage.AuthClientSecretBasic, true)
	return c, id, err
}

// verifySecret checks a shared secret in constant time. An unknown client
// costs the same hash as a known one.
func (a *ClientAuth) verifySecret(id, sec, method string, basic bool) (Authenticated, error) {
	if id == "" {
		return Authenticated{}, oauth.InvalidClient("no_client_id", basic)
	}
	c, found := a.Catalog.Current().Clients[id]
	want := c.SecretHash
	if len(want) == 0 {
		// Unknown clients and clients without a secret cost the same HMAC as
		// a known one, so response times do not reveal which ids exist.
		// The all-zero stand-in never verifies in practice, and the result is
		// discarded below anyway.
		want = make([]byte, 32)
	}
	ok := a.Secrets.Verify(sec, want) && len(c.SecretHash) > 0
	switch {
	case !found:
		return Authenticated{}, oauth.InvalidClient("unknown_client", basic)
	case !ok:
		return Authenticated{}, oauth.InvalidClient("bad_secret", basic)
	case c.AuthMethod != method:
		return Authenticated{}, oauth.InvalidClient("auth_method_mismatch", basic)
	case !c.Enabled:
		return Authenticated{}, oauth.InvalidClient("client_disabled", basic)
	}
	return Authenticated{Client: c, Method: method}, nil
}
