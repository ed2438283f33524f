// Package config loads AuthPlane's configuration: one YAML file (--config)
// overlaid by AUTHPLANE_* environment variables and then by command-line
// flags (DESIGN.md §4). It is the only package that reads the environment.
// Validate reports every problem at once, and the server refuses to start on
// any.
package config

import (
	"encoding/json"
	"time"
)

// Config is the whole server configuration. The koanf tags are the YAML keys;
// the matching environment variable is AUTHPLANE_ + the key upper-cased, with
// "__" separating nested keys (AUTHPLANE_HTTP__READ_TIMEOUT).
type Config struct {
	// Dev enables dev mode: http issuer allowed, secrets generated into the
	// data directory. Defaults to true when no config file is given.
	Dev bool `koanf:"dev"`
	// Issuer is the canonical issuer URL (META-02).
	Issuer     string `koanf:"issuer"`
	PublicAddr string `koanf:"public_addr"`
	AdminAddr  string `koanf:"admin_addr"`
	DataDir    string `koanf:"data_dir"`
	// Store is "sqlite" (a file in DataDir) or a postgres:// DSN.
	Store string `koanf:"store"`
	// AdminToken is the admin bearer token; generated in dev mode if empty.
	AdminToken string `koanf:"admin_token"`
	// KEK is the base64 key-encryption key sealing private signing keys at
	// rest; generated into DataDir in dev mode if empty.
	KEK string `koanf:"kek"`
	// InsecureAllowLoopback permits http:// and loopback addresses for
	// outbound IdP and client-JWKS fetches. Tests and the demo only.
	InsecureAllowLoopback bool `koanf:"insecure_allow_loopback"`
	// AccessTokenTTL is the default access-token lifetime (RAS-13).
	AccessTokenTTL time.Duration `koanf:"access_token_ttl"`

	// TLS, when both files are set, makes the public listener serve HTTPS
	// itself (otherwise TLS terminates in front of it, e.g. at a load
	// balancer; the issuer is https either way outside dev mode).
	TLS TLS `koanf:"tls"`

	Log   Log   `koanf:"log"`
	HTTP  HTTP  `koanf:"http"`
	IdPs  IdPs  `koanf:"idp_keys"`
	Purge Purge `koanf:"purge"`
	Audit Audit `koanf:"audit"`

	// Seed holds the declarative clients, resources, IdPs, policies and
	// subject mappings, as JSON documents in the admin API's shapes, applied
	// idempotently at start.
	Seed Seed `koanf:"-"`

	// File is the configuration file that was loaded, if any.
	File string `koanf:"-"`
	// GeneratedAdminToken is set when the admin token was generated in dev
	// mode at this start and must be shown once.
	GeneratedAdminToken string `koanf:"-"`
}

// Seed holds the declarative objects of the config file, each list as the
// raw JSON array the admin API's DTOs decode.
type Seed struct {
	Resources       json.RawMessage
	IdPs            json.RawMessage
	Clients         json.RawMessage
	Policies        json.RawMessage
	SubjectMappings json.RawMessage
}

// Empty reports whether the seed holds nothing.
func (s Seed) Empty() bool {
	return s.Resources == nil && s.IdPs == nil && s.Clients == nil && s.Policies == nil && s.SubjectMappings == nil
}

// TLS names the public listener's certificate chain and private key (PEM).
type TLS struct {
	CertFile string `koanf:"cert_file"`
	KeyFile  string `koanf:"key_file"`
}

// Log configures structured logging.
type Log struct {
	// Level is debug, info, warn or error.
	Level string `koanf:"level"`
	// Format is json or text.
	Format string `koanf:"format"`
}

// HTTP configures both listeners.
type HTTP struct {
	ReadHeaderTimeout time.Duration `koanf:"read_header_timeout"`
	ReadTimeout       time.Duration `koanf:"read_timeout"`
	WriteTimeout      time.Duration `koanf:"write_timeout"`
	IdleTimeout       time.Duration `koanf:"idle_timeout"`
	ShutdownTimeout   time.Duration `koanf:"shutdown_timeout"`
	// MaxHeaderBytes caps request headers.
	MaxHeaderBytes int `koanf:"max_header_bytes"`
}

// IdPs configures the trusted-IdP key cache.
type IdPs struct {
	// MaxStale is how long last-known-good keys are served while an IdP is
	// unreachable.
	MaxStale time.Duration `koanf:"max_stale"`
	// RefetchInterval is the per-IdP budget for refetches on unknown kids.
	RefetchInterval time.Duration `koanf:"refetch_interval"`
}

// Audit configures tamper evidence and retention of the audit trail.
type Audit struct {
	// SealInterval is how often events are sealed into signed batches.
	SealInterval time.Duration `koanf:"seal_interval"`
	// SealMinAge: only events at least this old are sealed, so a writer
	// committing late is never skipped.
	SealMinAge time.Duration `koanf:"seal_min_age"`
	// Retention removes sealed ranges older than this, whole and with a
	// record of the purge; zero keeps everything.
	Retention time.Duration `koanf:"retention"`
}

// Purge configures background clean-up of expired jtis and revocations.
type Purge struct {
	Interval time.Duration `koanf:"interval"`
}

// defaults returns the configuration before any file, env or flag.
func defaults() Config {
	return Config{
		PublicAddr:     DefaultPublicAddr,
		AdminAddr:      DefaultAdminAddr,
		DataDir:        DefaultDataDir,
		Store:          DefaultStore,
		AccessTokenTTL: DefaultAccessTokenTTL,
		Log:            Log{Level: "info", Format: "json"},
		HTTP: HTTP{
			ReadHeaderTimeout: 5 * time.Second,
			ReadTimeout:       10 * time.Second,
			WriteTimeout:      15 * time.Second,
			IdleTimeout:       120 * time.Second,
			ShutdownTimeout:   15 * time.Second,
			MaxHeaderBytes:    32 << 10,
		},
		IdPs:  IdPs{MaxStale: 24 * time.Hour, RefetchInterval: 30 * time.Second},
		Purge: Purge{Interval: time.Minute},
		Audit: Audit{SealInterval: 10 * time.Second, SealMinAge: 10 * time.Second},
	}
}
