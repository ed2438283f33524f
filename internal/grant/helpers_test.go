package grant

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/authplane/authplane/internal/clocktest"

	"github.com/authplane/authplane/internal/catalog"
	"github.com/authplane/authplane/internal/oauth"
	"github.com/authplane/authplane/internal/secret"
	"github.com/authplane/authplane/internal/storage"
	"github.com/authplane/authplane/internal/storage/sqlite"
)

// testIssuer is our issuer identifier in these tests; testTokenEndpoint is
// the token endpoint URL, which a client assertion must not name as aud.
const (
	testIssuer        = "https://as.example.com"
	testTokenEndpoint = "https://as.example.com/oauth/token"
)

// testEpoch is the fake clocks' start: far from the real time, so a check
// that read time.Now instead of the injected clock would fail.
var testEpoch = time.Date(2031, 3, 14, 15, 9, 26, 0, time.UTC)

// fakeClock is the shared fake clock.
type fakeClock = clocktest.Clock

func newClock() *fakeClock { return clocktest.New(testEpoch) }

// snapshots is a Snapshots whose snapshot a test may swap.
type snapshots struct {
	p atomic.Pointer[catalog.Snapshot]
}

func newSnapshots(s *catalog.Snapshot) *snapshots {
	out := &snapshots{}
	out.p.Store(s)
	return out
}

func (s *snapshots) Current() *catalog.Snapshot { return s.p.Load() }

// denials is a DenialSink that keeps what it is given.
type denials struct {
	mu  sync.Mutex
	evs []storage.AuditEvent
}

func (d *denials) Record(ev storage.AuditEvent) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.evs = append(d.evs, ev)
}

func (d *denials) events() []storage.AuditEvent {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]storage.AuditEvent(nil), d.evs...)
}

func newHasher(t testing.TB) *secret.Hasher {
	t.Helper()
	h, err := secret.NewHasher([]byte(strings.Repeat("p", secret.MinPepperLen)))
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// openStore opens a migrated SQLite store in a temporary directory.
func openStore(t testing.TB) *sqlite.Store {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "authplane.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	return st
}

// postForm builds a form POST to path; user != "" adds HTTP Basic with
// user and pass form-urlencoded as CAUTH-02 requires.
func postForm(path string, form url.Values, user, pass string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if user != "" {
		r.Header.Set("Authorization", basicHeader(url.QueryEscape(user), url.QueryEscape(pass)))
	}
	return r
}

func basicHeader(encID, encSecret string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(encID+":"+encSecret))
}

// formOf parses values strictly, as the handlers do.
func formOf(t testing.TB, v url.Values) Form {
	t.Helper()
	f, err := ParseForm(v.Encode())
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// wantOAuthError checks that err is an *oauth.Error with the code, status
// and reason.
func wantOAuthError(t testing.TB, err error, code string, status int, reason string) *oauth.Error {
	t.Helper()
	var oe *oauth.Error
	if !errors.As(err, &oe) {
		t.Fatalf("error = %v, want *oauth.Error %s (%s)", err, code, reason)
	}
	if oe.Code != code || oe.Status != status || (reason != "" && oe.Reason != reason) {
		t.Fatalf("error = %s/%d (%s), want %s/%d (%s)", oe.Code, oe.Status, oe.Reason, code, status, reason)
	}
	return oe
}

// decodeBody decodes a JSON response body into a map.
func decodeBody(t testing.TB, rec *httptest.ResponseRecorder) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &m); err != nil {
		t.Fatalf("body %q: %v", rec.Body.String(), err)
	}
	return m
}

// signJWT signs a compact JWS over the given header and payload JSON
// exactly as written (so tests control member order and duplicates). The
// algorithm follows the key: ES256 for ECDSA P-256, RS256 for RSA, HS256
// for a []byte secret, and an empty signature for a nil key.
func signJWT(t testing.TB, key any, headerJSON, payloadJSON string) string {
	t.Helper()
	input := b64(headerJSON) + "." + b64(payloadJSON)
	digest := sha256.Sum256([]byte(input))
	var sig []byte
	switch k := key.(type) {
	case nil:
	case *ecdsa.PrivateKey:
		r, s, err := ecdsa.Sign(rand.Reader, k, digest[:])
		if err != nil {
			t.Fatal(err)
		}
		sig = make([]byte, 64)
		r.FillBytes(sig[:32])
		s.FillBytes(sig[32:])
	case *rsa.PrivateKey:
		var err error
		if sig, err = rsa.SignPKCS1v15(rand.Reader, k, crypto.SHA256, digest[:]); err != nil {
			t.Fatal(err)
		}
	case []byte:
		m := hmac.New(sha256.New, k)
		m.Write([]byte(input))
		sig = m.Sum(nil)
	default:
		t.Fatalf("signJWT: unsupported key %T", key)
	}
	return input + "." + base64.RawURLEncoding.EncodeToString(sig)
}

func b64(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

func mustJSON(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func newECKey(t testing.TB) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func newRSAKey(t testing.TB) *rsa.PrivateKey {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return k
}
