package idprole

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// authCode is a pending authorization code (the code itself is not kept).
type authCode struct {
	AppID         string
	RedirectURI   string
	CodeChallenge string
	Nonce         string
	Username      string
	AuthTime      time.Time
	ExpiresAt     time.Time
}

// errCodeUsed means the code was redeemed before (a replay).
var errCodeUsed = errors.New("idprole: authorization code already used")

func codeHash(code string) []byte {
	h := sha256.Sum256([]byte(code))
	return h[:]
}

// insertCode stores c under code, purging codes that expired an hour ago.
func (s *store) insertCode(ctx context.Context, code string, c authCode, now time.Time) error {
	if _, err := s.db.ExecContext(ctx, "DELETE FROM auth_codes WHERE expires_at < ?", ms(now.Add(-time.Hour))); err != nil {
		return fmt.Errorf("idprole: purge codes: %w", err)
	}
	return execOne(ctx, s.db, errConflict, "authorization code",
		`INSERT INTO auth_codes (hash, app_id, redirect_uri, code_challenge, nonce, username, auth_time, expires_at)
		 VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
		codeHash(code), c.AppID, c.RedirectURI, c.CodeChallenge, c.Nonce, c.Username, ms(c.AuthTime), ms(c.ExpiresAt))
}

// redeemCode marks code used in one statement and returns it; exactly one
// of concurrent redemptions wins. A code redeemed before is errCodeUsed, an
// unknown one errNotFound. Expiry is the caller's check.
func (s *store) redeemCode(ctx context.Context, code string, now time.Time) (authCode, error) {
	h := codeHash(code)
	var c authCode
	var authTime, exp int64
	err := s.db.QueryRowContext(ctx,
		`UPDATE auth_codes SET used_at = ? WHERE hash = ? AND used_at = 0
		 RETURNING app_id, redirect_uri, code_challenge, nonce, username, auth_time, expires_at`,
		ms(now), h).Scan(&c.AppID, &c.RedirectURI, &c.CodeChallenge, &c.Nonce, &c.Username, &authTime, &exp)
	if err == nil {
		c.AuthTime, c.ExpiresAt = fromMS(authTime), fromMS(exp)
		return c, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return authCode{}, fmt.Errorf("idprole: redeem code: %w", err)
	}
	var n int
	if err := s.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM auth_codes WHERE hash = ?", h).Scan(&n); err != nil {
		return authCode{}, fmt.Errorf("idprole: redeem code: %w", err)
	}
	if n > 0 {
		return authCode{}, errCodeUsed
	}
	return authCode{}, fmt.Errorf("%w: authorization code", errNotFound)
}

// consumeJTI records a single-use identifier of kind (for example "dpop")
// until expiresAt; a second use before then is errConflict. Expired entries
// are purged first.
func (s *store) consumeJTI(ctx context.Context, kind, jti string, expiresAt, now time.Time) error {
	if _, err := s.db.ExecContext(ctx, "DELETE FROM used_jtis WHERE expires_at < ?", ms(now)); err != nil {
		return fmt.Errorf("idprole: purge jtis: %w", err)
	}
	h := sha256.Sum256([]byte(kind + "\x00" + jti))
	return execOne(ctx, s.db, errConflict, kind+" jti",
		"INSERT INTO used_jtis (hash, expires_at) VALUES (?, ?) ON CONFLICT DO NOTHING", h[:], ms(expiresAt))
}
