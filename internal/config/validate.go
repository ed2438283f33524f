package config

import (
	"crypto/tls"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/authplane/authplane/internal/keys"
)

// MinAdminTokenLen is the shortest admin token accepted outside dev mode.
const MinAdminTokenLen = 32

// Validate checks cfg and returns every problem; source maps keys to where
// they were set, for the messages (it may be nil).
func Validate(cfg *Config, source map[string]string) []Problem {
	v := validator{source: source}
	v.issuer(cfg)
	v.addr("public_addr", cfg.PublicAddr)
	v.addr("admin_addr", cfg.AdminAddr)
	if cfg.PublicAddr != "" && cfg.PublicAddr == cfg.AdminAddr && !strings.HasSuffix(cfg.PublicAddr, ":0") {
		v.add("admin_addr", "must differ from public_addr: the admin API never shares the public listener")
	}
	v.store(cfg)
	v.secrets(cfg)
	v.positive("access_token_ttl", cfg.AccessTokenTTL)
	if cfg.AccessTokenTTL > MaxAccessTokenTTL {
		v.add("access_token_ttl", "must be at most "+MaxAccessTokenTTL.String())
	}
	v.oneOf("log.level", cfg.Log.Level, "debug", "info", "warn", "error")
	v.oneOf("log.format", cfg.Log.Format, "json", "text")
	v.positive("http.read_header_timeout", cfg.HTTP.ReadHeaderTimeout)
	v.positive("http.read_timeout", cfg.HTTP.ReadTimeout)
	v.positive("http.write_timeout", cfg.HTTP.WriteTimeout)
	v.positive("http.idle_timeout", cfg.HTTP.IdleTimeout)
	v.positive("http.shutdown_timeout", cfg.HTTP.ShutdownTimeout)
	if cfg.HTTP.MaxHeaderBytes < 4096 {
		v.add("http.max_header_bytes", "must be at least 4096")
	}
	v.positive("idp_keys.max_stale", cfg.IdPs.MaxStale)
	v.positive("idp_keys.refetch_interval", cfg.IdPs.RefetchInterval)
	v.positive("purge.interval", cfg.Purge.Interval)
	if (cfg.TLS.CertFile == "") != (cfg.TLS.KeyFile == "") {
		v.add("tls", "cert_file and key_file go together")
	} else if cfg.TLS.CertFile != "" {
		if _, err := tls.LoadX509KeyPair(cfg.TLS.CertFile, cfg.TLS.KeyFile); err != nil {
			v.add("tls.cert_file", "cannot load the key pair: "+err.Error())
		}
	}
	v.positive("audit.seal_interval", cfg.Audit.SealInterval)
	if cfg.Audit.SealMinAge < 0 {
		v.add("audit.seal_min_age", "must not be negative")
	}
	if cfg.Audit.Retention < 0 || (cfg.Audit.Retention > 0 && cfg.Audit.Retention < time.Hour) {
		v.add("audit.retention", "must be 0 (keep everything) or at least 1h")
	}
	return v.problems
}

type validator struct {
	source   map[string]string
	problems []Problem
}

func (v *validator) add(key, reason string) {
	v.problems = append(v.problems, Problem{Source: v.source[key], Key: key, Reason: reason})
}

func (v *validator) issuer(cfg *Config) {
	if cfg.Issuer == "" {
		if cfg.Dev {
			cfg.Issuer = DefaultDevIssuer
			return
		}
		v.add("issuer", "is required outside dev mode")
		return
	}
	u, err := url.Parse(cfg.Issuer)
	switch {
	case err != nil || !u.IsAbs() || u.Host == "" || u.Opaque != "":
		v.add("issuer", "must be an absolute URL with a host")
	case u.RawQuery != "" || u.Fragment != "" || strings.ContainsAny(cfg.Issuer, "?#"):
		v.add("issuer", "must not have a query or fragment (RFC 8414 §2)")
	case u.User != nil:
		v.add("issuer", "must not carry user information")
	case u.Scheme == "https":
	case u.Scheme == "http" && cfg.Dev:
	case u.Scheme == "http":
		v.add("issuer", "must use https outside dev mode (META-02)")
	default:
		v.add("issuer", "scheme must be https")
	}
}

func (v *validator) addr(key, addr string) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		v.add(key, "must be host:port")
		return
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		v.add(key, "port must be a number from 0 to 65535")
	}
	if host != "" && net.ParseIP(host) == nil && host != "localhost" {
		v.add(key, "host must be an IP address or localhost")
	}
}

func (v *validator) store(cfg *Config) {
	switch {
	case cfg.Store == "sqlite":
		if cfg.DataDir == "" {
			v.add("data_dir", "is required for the sqlite store")
		}
	case strings.HasPrefix(cfg.Store, "postgres://"), strings.HasPrefix(cfg.Store, "postgresql://"):
		if _, err := url.Parse(cfg.Store); err != nil {
			v.add("store", "is not a valid postgres:// URL")
		}
	default:
		v.add("store", `must be "sqlite" or a postgres:// DSN`)
	}
}

func (v *validator) secrets(cfg *Config) {
	if cfg.KEK != "" {
		if _, err := keys.ParseKEK(cfg.KEK); err != nil {
			v.add("kek", err.Error())
		}
	} else if !cfg.Dev {
		v.add("kek", "is required outside dev mode (base64 of 32 random bytes)")
	}
	if cfg.AdminToken == "" && !cfg.Dev {
		v.add("admin_token", "is required outside dev mode")
	}
	if cfg.AdminToken != "" && !cfg.Dev && len(cfg.AdminToken) < MinAdminTokenLen {
		v.add("admin_token", "must be at least 32 characters outside dev mode")
	}
}

func (v *validator) positive(key string, d time.Duration) {
	if d <= 0 {
		v.add(key, "must be a positive duration")
	}
}

func (v *validator) oneOf(key, val string, allowed ...string) {
	for _, a := range allowed {
		if val == a {
			return
		}
	}
	v.add(key, "must be one of "+strings.Join(allowed, ", "))
}
