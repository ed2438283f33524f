package config

import "time"

// Defaults of DESIGN.md §4.
const (
	DefaultPublicAddr = "127.0.0.1:9000"
	DefaultAdminAddr  = "127.0.0.1:9001"
	DefaultIdPAddr    = "127.0.0.1:9100"
	DefaultDevIssuer  = "http://127.0.0.1:9000"
	DefaultDataDir    = "./authplane-data"
	DefaultStore      = "sqlite"

	// DefaultAccessTokenTTL is the lifetime of access tokens unless a
	// resource overrides it (RAS-13).
	DefaultAccessTokenTTL = 10 * time.Minute
	// MaxAccessTokenTTL bounds every access token lifetime; retired signing
	// keys stay published this long.
	MaxAccessTokenTTL = time.Hour
)
