package idprole

import (
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"path/filepath"
	"strings"
	"time"
)

// Defaults of the IdP role (DESIGN.md §4).
const (
	DefaultAddr    = "127.0.0.1:9100"
	DefaultDataDir = "./authplane-idp-data"
	// DefaultIDTokenTTL is the lifetime of ID tokens and of the access
	// tokens the userinfo endpoint accepts.
	DefaultIDTokenTTL = time.Hour
	// MaxIDJAGTTL caps the ID-JAG lifetime (EMA §7.4.2; SPEC IDP-23 exp).
	MaxIDJAGTTL = 5 * time.Minute
	// MaxCodeTTL caps the authorization code lifetime.
	MaxCodeTTL = 60 * time.Second
)

// Config configures the IdP role. Zero values take the defaults above.
type Config struct {
	// Issuer is the IdP's issuer identifier; in dev mode it defaults to
	// http://<Addr>. Outside dev mode it must be https.
	Issuer string
	// Addr is the listen address of Run.
	Addr string
	// DataDir holds idp.db and the kek file.
	DataDir string
	// Dev allows an http issuer, http resource-AS issuers and http redirect
	// URIs on any host (outside dev mode only on loopback hosts).
	Dev bool
	// Logger receives operational messages (never tokens or passwords); nil
	// discards them.
	Logger *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// IDTokenTTL is the ID token lifetime (default DefaultIDTokenTTL).
	IDTokenTTL time.Duration
	// IDJAGTTL is the ID-JAG lifetime, at most MaxIDJAGTTL (the default).
	IDJAGTTL time.Duration
	// CodeTTL is the authorization code lifetime, at most MaxCodeTTL (the
	// default).
	CodeTTL time.Duration
	// RequireDPoPNonce makes every DPoP proof at the token endpoint carry a
	// nonce this server issued (RFC 9449 §8); without one the request fails
	// with use_dpop_nonce and a DPoP-Nonce header.
	RequireDPoPNonce bool
	// InsecurePasswordIterations, when positive, replaces the PBKDF2
	// iteration count of newly set passwords. For tests only: anything below
	// DefaultPasswordIterations weakens stored passwords.
	InsecurePasswordIterations int
}

// normalize applies defaults and validates, returning every problem at once.
func (c Config) normalize() (Config, error) {
	if c.Addr == "" {
		c.Addr = DefaultAddr
	}
	if c.DataDir == "" {
		c.DataDir = DefaultDataDir
	}
	if c.Issuer == "" && c.Dev {
		c.Issuer = "http://" + c.Addr
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.IDTokenTTL == 0 {
		c.IDTokenTTL = DefaultIDTokenTTL
	}
	if c.IDJAGTTL == 0 {
		c.IDJAGTTL = MaxIDJAGTTL
	}
	if c.CodeTTL == 0 {
		c.CodeTTL = MaxCodeTTL
	}
	var errs []error
	if err := checkIssuer(c.Issuer, c.Dev); err != nil {
		errs = append(errs, fmt.Errorf("issuer: %w", err))
	}
	if c.IDTokenTTL < time.Minute || c.IDTokenTTL > 24*time.Hour {
		errs = append(errs, fmt.Errorf("id token ttl %s: must be between 1m and 24h", c.IDTokenTTL))
	}
	if c.IDJAGTTL < 10*time.Second || c.IDJAGTTL > MaxIDJAGTTL {
		errs = append(errs, fmt.Errorf("id-jag ttl %s: must be between 10s and %s", c.IDJAGTTL, MaxIDJAGTTL))
	}
	if c.CodeTTL < time.Second || c.CodeTTL > MaxCodeTTL {
		errs = append(errs, fmt.Errorf("code ttl %s: must be between 1s and %s", c.CodeTTL, MaxCodeTTL))
	}
	if c.InsecurePasswordIterations < 0 || c.InsecurePasswordIterations > maxPasswordIterations {
		errs = append(errs, errors.New("insecure password iterations out of range"))
	}
	c.DataDir = filepath.Clean(c.DataDir)
	if len(errs) > 0 {
		return Config{}, fmt.Errorf("idprole: invalid configuration: %w", errors.Join(errs...))
	}
	return c, nil
}

// checkIssuer requires an absolute http(s) URL without query, fragment,
// user info or trailing slash (RFC 8414 §2); http only in dev mode.
func checkIssuer(iss string, dev bool) error {
	if iss == "" {
		return errors.New("required outside dev mode")
	}
	u, err := url.Parse(iss)
	if err != nil {
		return err
	}
	switch {
	case u.Scheme != "https" && !(dev && u.Scheme == "http"):
		return errors.New("must be https (http only in dev mode)")
	case u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" || strings.HasSuffix(iss, "/"):
		return errors.New("must be scheme://host[:port][/path] without query, fragment, user info or trailing slash")
	}
	return nil
}

// passwordIterations is the PBKDF2 iteration count for new hashes.
func (c Config) passwordIterations() int {
	if c.InsecurePasswordIterations > 0 {
		return c.InsecurePasswordIterations
	}
	return DefaultPasswordIterations
}
