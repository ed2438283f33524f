package idp

import (
	"context"
	"log/slog"
	"maps"
	"net/url"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/authplane/authplane/internal/assertion"
	"github.com/authplane/authplane/internal/safehttp"
	"github.com/authplane/authplane/internal/storage"
)

// Defaults of Options and fixed bounds.
const (
	DefaultMinTTL          = 5 * time.Minute
	DefaultMaxTTL          = 24 * time.Hour
	DefaultMaxStale        = 24 * time.Hour
	DefaultRefetchInterval = 30 * time.Second
	// MaxDocumentBytes caps a JWKS or metadata document (NET-02: 64 KB).
	MaxDocumentBytes = 64 << 10
	// fetchTimeout bounds one shared fetch (discovery plus key set), which
	// outlives the request that started it.
	fetchTimeout = 15 * time.Second
)

// Algorithms an ID-JAG may be signed with (DESIGN.md §2).
const (
	algES256 = "ES256"
	algRS256 = "RS256"
)

// KeyStateStore is the part of storage.IdPKeys the registry needs.
type KeyStateStore interface {
	GetIdPKeyState(ctx context.Context, idpID string) (storage.IdPKeyState, error)
	PutIdPKeyState(ctx context.Context, s storage.IdPKeyState) error
}

// Fetcher fetches JSON documents under an SSRF policy; *safehttp.Client
// implements it.
type Fetcher interface {
	GetJSON(ctx context.Context, url string, allowedHosts []string) (safehttp.Response, error)
}

// Options configures a Registry; zero fields take the defaults.
type Options struct {
	// Now is the clock (default time.Now).
	Now func() time.Time
	// InsecureAllowLoopback admits http issuers and discovered jwks_uris
	// (the fetcher still allows plain http only to loopback IP literals).
	// Tests and the demo only.
	InsecureAllowLoopback bool
	// Logger receives fetch outcomes (default: discard).
	Logger *slog.Logger
	// MinTTL and MaxTTL clamp the Cache-Control max-age of a key set.
	MinTTL, MaxTTL time.Duration
	// MaxStale is how long after a successful fetch its keys are still
	// served while the IdP cannot be reached.
	MaxStale time.Duration
	// RefetchInterval is the per-IdP budget for unknown-kid refetches (one
	// per interval) and the back-off after a failed refresh of stale keys.
	RefetchInterval time.Duration
	// OnFetch, if set, is called after every fetch attempt with its outcome
	// (metrics, audit).
	OnFetch func(idpID string, err error)
}

// Registry is the set of trusted IdPs and their key caches. It is safe for
// concurrent use; build it with NewRegistry and load it with Update.
type Registry struct {
	store   KeyStateStore
	fetcher Fetcher
	opts    Options
	log     *slog.Logger

	updateMu sync.Mutex
	set      atomic.Pointer[idpSet]
}

var (
	_ assertion.IssuerLookup = (*Registry)(nil)
	_ assertion.KeyResolver  = (*Registry)(nil)
)

// idpSet is one immutable generation of the trusted IdPs.
type idpSet struct {
	byID     map[string]*entry
	byIssuer map[string]*entry
}

// entry is one trusted IdP: its configuration and its key cache, which
// survives Update while the key source is unchanged.
type entry struct {
	idp     storage.IdP
	trusted assertion.TrustedIssuer
	cache   *keyCache
}

// NewRegistry returns an empty registry that persists key state in store
// and fetches through fetcher (both required); load it with Update.
func NewRegistry(store KeyStateStore, fetcher Fetcher, opts Options) *Registry {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	opts.MinTTL = orDefault(opts.MinTTL, DefaultMinTTL)
	opts.MaxTTL = max(orDefault(opts.MaxTTL, DefaultMaxTTL), opts.MinTTL)
	opts.MaxStale = orDefault(opts.MaxStale, DefaultMaxStale)
	opts.RefetchInterval = orDefault(opts.RefetchInterval, DefaultRefetchInterval)
	r := &Registry{store: store, fetcher: fetcher, opts: opts, log: opts.Logger}
	r.set.Store(&idpSet{byID: map[string]*entry{}, byIssuer: map[string]*entry{}})
	return r
}

func orDefault(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

// Update replaces the trusted set with the enabled IdPs of idps, atomically.
// IdPs whose key source (issuer, jwks_uri, allowed algs and hosts) is
// unchanged keep their key cache; every kept cache re-reads the persisted
// key state on its next use, so a refresh done by another instance is
// adopted.
func (r *Registry) Update(idps []storage.IdP) {
	r.updateMu.Lock()
	defer r.updateMu.Unlock()
	old := r.set.Load()
	next := &idpSet{byID: map[string]*entry{}, byIssuer: map[string]*entry{}}
	for _, p := range idps {
		if !p.Enabled {
			continue
		}
		if p.ID == "" || p.Issuer == "" || next.byID[p.ID] != nil || next.byIssuer[p.Issuer] != nil {
			r.log.Error("idp registry: skipping IdP with empty or duplicate id or issuer", "idp_id", p.ID, "issuer", p.Issuer)
			continue
		}
		p = cloneIdP(p)
		e := &entry{idp: p, trusted: trustedIssuer(p)}
		if prev := old.byID[p.ID]; prev != nil && sameKeySource(prev.idp, p) {
			e.cache = prev.cache
			e.cache.markSync()
		} else {
			e.cache = r.newCache(p)
		}
		next.byID[p.ID] = e
		next.byIssuer[p.Issuer] = e
	}
	r.set.Store(next)
}

// LookupIssuer returns the enabled IdP whose issuer equals iss exactly
// (SPEC B.2 step 13). It never touches the network or the store.
func (r *Registry) LookupIssuer(iss string) (assertion.TrustedIssuer, bool) {
	e := r.set.Load().byIssuer[iss]
	if e == nil {
		return assertion.TrustedIssuer{}, false
	}
	return e.trusted, true
}

func (r *Registry) lookupID(id string) *entry {
	return r.set.Load().byID[id]
}

// trustedIssuer projects p onto what the assertion validator needs.
func trustedIssuer(p storage.IdP) assertion.TrustedIssuer {
	return assertion.TrustedIssuer{
		ID:          p.ID,
		Issuer:      p.Issuer,
		AllowedAlgs: p.AllowedAlgs,
		MaxLifetime: p.MaxAssertionLifetime,
		ClockSkew:   p.ClockSkew,
		ClientIDMap: p.ClientIDMap,
		GroupsClaim: p.GroupsClaim,
	}
}

func cloneIdP(p storage.IdP) storage.IdP {
	p.AllowedAlgs = slices.Clone(p.AllowedAlgs)
	p.AllowedHosts = slices.Clone(p.AllowedHosts)
	p.EmailDomains = slices.Clone(p.EmailDomains)
	p.ClientIDMap = maps.Clone(p.ClientIDMap)
	return p
}

// sameKeySource reports whether a and b fetch and filter keys identically.
func sameKeySource(a, b storage.IdP) bool {
	return a.Issuer == b.Issuer && a.JWKSURI == b.JWKSURI &&
		sameList(a.AllowedAlgs, b.AllowedAlgs) && sameList(a.AllowedHosts, b.AllowedHosts)
}

// sameList compares lists keeping the nil-versus-empty distinction.
func sameList(a, b []string) bool {
	return (a == nil) == (b == nil) && slices.Equal(a, b)
}

// effectiveAlgs is AllowedAlgs ∩ {ES256, RS256}; nil means both.
func effectiveAlgs(allowed []string) []string {
	supported := []string{algES256, algRS256}
	if allowed == nil {
		return supported
	}
	var out []string
	for _, a := range supported {
		if slices.Contains(allowed, a) {
			out = append(out, a)
		}
	}
	return out
}

// allowedHosts is p.AllowedHosts, or (nil) the hosts of the issuer and of
// the configured jwks_uri (NET-03).
func allowedHosts(p storage.IdP) []string {
	if p.AllowedHosts != nil {
		return slices.Clone(p.AllowedHosts)
	}
	var hosts []string
	for _, raw := range []string{p.Issuer, p.JWKSURI} {
		if u, err := url.Parse(raw); err == nil && u.Host != "" && !slices.Contains(hosts, u.Host) {
			hosts = append(hosts, u.Host)
		}
	}
	return hosts
}
