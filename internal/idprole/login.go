package idprole

import (
	"net/http"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/authplane/authplane/internal/secret"
)

// Sign-in throttling: each username gets a small burst of attempts, then
// one every loginInterval, which bounds online guessing on top of the slow
// KDF. The table is bounded; when full it starts over.
const (
	loginBurst     = 10
	loginInterval  = 6 * time.Second
	maxLoginBucket = 10_000
)

// loginLimiter throttles sign-in attempts per username.
type loginLimiter struct {
	mu sync.Mutex
	m  map[string]*rate.Limiter
}

func (l *loginLimiter) allow(username string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.m == nil || len(l.m) >= maxLoginBucket {
		l.m = make(map[string]*rate.Limiter)
	}
	lim, ok := l.m[username]
	if !ok {
		lim = rate.NewLimiter(rate.Every(loginInterval), loginBurst)
		l.m[username] = lim
	}
	return lim.AllowN(now, 1)
}

// checkCredentials verifies username and password and audits the attempt.
// An unknown user costs one KDF run like a known one, so response times do
// not reveal which usernames exist.
func (s *Server) checkCredentials(r *http.Request, appID, username, password string) bool {
	ev := Event{Type: EventSignIn, Outcome: OutcomeFailure, AppID: appID}
	ok, reason := s.passwordMatches(r, username, password)
	if validUsername(username) {
		ev.Username = username
	}
	if ok {
		ev.Outcome = OutcomeSuccess
	} else {
		ev.Reason = reason
	}
	if err := s.record(r, ev); err != nil {
		return false // no sign-in without its audit record
	}
	return ok
}

func (s *Server) passwordMatches(r *http.Request, username, password string) (bool, string) {
	if !validUsername(username) || password == "" || len(password) > MaxPasswordLength {
		return false, "malformed_credentials"
	}
	if !s.logins.allow(username, s.now()) {
		return false, "rate_limited"
	}
	u, err := s.st.getUser(r.Context(), username)
	if err != nil {
		verifyPassword(password, s.dummyHash())
		return false, "unknown_user"
	}
	if !verifyPassword(password, u.hash) {
		return false, "bad_password"
	}
	return true, ""
}

// dummyHash is a hash to verify against for unknown users, computed once
// with the configured cost.
func (s *Server) dummyHash() string {
	s.dummyOnce.Do(func() {
		s.dummy, _ = hashPassword(secret.Generate(), s.cfg.passwordIterations())
	})
	return s.dummy
}

// issueCode stores a new single-use authorization code bound to the app,
// the redirect URI, the PKCE challenge and the nonce.
func (s *Server) issueCode(r *http.Request, appID string, req authRequest, username string) (string, error) {
	now := s.now()
	code := secret.Generate()
	err := s.st.insertCode(r.Context(), code, authCode{
		AppID: appID, RedirectURI: req.RedirectURI, CodeChallenge: req.CodeChallenge, Nonce: req.Nonce,
		Username: username, AuthTime: now, ExpiresAt: now.Add(s.cfg.CodeTTL),
	}, now)
	return code, err
}
