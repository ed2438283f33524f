package bench

import (
	"errors"
	"fmt"
	"io"
	"net/netip"
	"net/url"
	"strings"
	"time"
)

// Client authentication modes of the generated token requests.
const (
	// ClientAuthSecret authenticates with client_secret_basic.
	ClientAuthSecret = "secret"
	// ClientAuthPrivateKeyJWT authenticates with a pre-signed, single-use
	// private_key_jwt client assertion per request.
	ClientAuthPrivateKeyJWT = "private_key_jwt"
)

// Signature algorithms of the bench IdP's ID-JAGs (DESIGN.md §2 accepts
// exactly these two).
const (
	// IdPAlgES256 is ECDSA P-256 with SHA-256.
	IdPAlgES256 = "ES256"
	// IdPAlgRS256 is RSASSA-PKCS1-v1_5 with SHA-256 and a 2048-bit key,
	// what most enterprise IdPs sign ID tokens with.
	IdPAlgRS256 = "RS256"
)

// Bounds of the options.
const (
	// MaxDuration bounds a measured window: the pool is signed before it
	// starts and an ID-JAG lives at most five minutes (DESIGN.md §2).
	MaxDuration = 4 * time.Minute
	// MaxConcurrency bounds the number of in-flight requests.
	MaxConcurrency = 4096
	// DefaultWarmup is the unmeasured phase that opens the connections,
	// fetches the IdP's keys and estimates the rate the pool is sized for.
	DefaultWarmup = 3 * time.Second
)

// Options configures Run. Concurrency and Duration are required.
type Options struct {
	// Target is the public base URL of a running AuthPlane on loopback; ""
	// starts a server process for the run.
	Target string
	// AdminURL and AdminToken reach the target's admin API (target mode).
	// The target must run with insecure_allow_loopback, since the bench IdP
	// serves its keys over plain http on 127.0.0.1.
	AdminURL, AdminToken string
	// PID is the target server's process id, to report its CPU time and
	// memory (target mode, optional).
	PID int
	// Store is the started server's store: "sqlite" (a file in a temporary
	// data directory) or a postgres:// DSN, in which the run creates a
	// schema of its own and drops it afterwards.
	Store string
	// Concurrency is the number of requests in flight.
	Concurrency int
	// Duration is the measured window.
	Duration time.Duration
	// Warmup is the unmeasured phase before it; 0 means DefaultWarmup.
	Warmup time.Duration
	// ClientAuth is ClientAuthSecret (default) or ClientAuthPrivateKeyJWT.
	ClientAuth string
	// IdPAlg is the bench IdP's signature algorithm: IdPAlgRS256 (default:
	// what enterprise IdPs such as Okta, Entra ID and Google sign with) or
	// IdPAlgES256 (AuthPlane's own IdP role's default; its verification
	// costs the server about 50 µs more per grant).
	IdPAlg string
	// Executable is the authplane binary started as `serve`; "" means the
	// running executable.
	Executable string
	// ServerLogLevel is the started server's log level; "" means info. Its
	// log is written to a file in the temporary data directory.
	ServerLogLevel string
	// CPUProfile, when set, is a file that receives a CPU profile of the
	// server covering the measured window (from the admin listener's
	// /debug/pprof/profile), for `go tool pprof`.
	CPUProfile string
	// Commit labels the report (the binary's VCS revision).
	Commit string
	// Progress receives one line per phase; nil discards them.
	Progress io.Writer
	// Now is the clock for the claims of the signed assertions; nil means
	// time.Now.
	Now func() time.Time
}

// check validates o and fills defaults.
func (o *Options) check() error {
	var errs []error
	if o.Concurrency < 1 || o.Concurrency > MaxConcurrency {
		errs = append(errs, fmt.Errorf("concurrency must be between 1 and %d", MaxConcurrency))
	}
	if o.Duration <= 0 || o.Duration > MaxDuration {
		errs = append(errs, fmt.Errorf("duration must be positive and at most %s (pre-signed ID-JAGs live five minutes)", MaxDuration))
	}
	if o.Warmup < 0 || o.Warmup > time.Minute {
		errs = append(errs, errors.New("warm-up must be between 0 and 1m"))
	}
	switch o.ClientAuth {
	case "":
		o.ClientAuth = ClientAuthSecret
	case ClientAuthSecret, ClientAuthPrivateKeyJWT:
	default:
		errs = append(errs, fmt.Errorf("client auth must be %q or %q", ClientAuthSecret, ClientAuthPrivateKeyJWT))
	}
	switch o.IdPAlg {
	case "":
		o.IdPAlg = IdPAlgRS256
	case IdPAlgES256, IdPAlgRS256:
	default:
		errs = append(errs, fmt.Errorf("IdP alg must be %q or %q", IdPAlgES256, IdPAlgRS256))
	}
	errs = append(errs, o.checkTarget()...)
	if o.Warmup == 0 {
		o.Warmup = DefaultWarmup
	}
	if o.ServerLogLevel == "" {
		o.ServerLogLevel = "info"
	}
	if o.Progress == nil {
		o.Progress = io.Discard
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return errors.Join(errs...)
}

// checkTarget checks the store in spawn mode and the URLs in target mode.
func (o *Options) checkTarget() []error {
	if o.Target == "" {
		if o.Store == "" {
			o.Store = "sqlite"
		}
		if o.Store != "sqlite" && !isPostgresDSN(o.Store) {
			return []error{errors.New(`store must be "sqlite" or a postgres:// DSN`)}
		}
		return nil
	}
	var errs []error
	for _, u := range []struct{ name, raw string }{{"target", o.Target}, {"admin URL", o.AdminURL}} {
		if err := checkLoopbackURL(u.raw); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", u.name, err))
		}
	}
	if o.AdminToken == "" {
		errs = append(errs, errors.New("target mode needs the admin token"))
	}
	return errs
}

// isPostgresDSN reports whether s is a PostgreSQL URL.
func isPostgresDSN(s string) bool {
	return strings.HasPrefix(s, "postgres://") || strings.HasPrefix(s, "postgresql://")
}

// checkLoopbackURL accepts only http(s) URLs whose host is localhost or a
// loopback IP literal: the generator refuses to load any other machine.
func checkLoopbackURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%q is not an absolute http(s) URL", raw)
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" || strings.Trim(u.Path, "/") != "" {
		return fmt.Errorf("%q must be a base URL without path, query or credentials", raw)
	}
	host := u.Hostname()
	if strings.EqualFold(host, "localhost") {
		return nil
	}
	if ip, err := netip.ParseAddr(host); err == nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("refusing non-loopback target %q: the generator only loads this machine", host)
}
