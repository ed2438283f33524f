// Package catalog keeps an immutable in-memory snapshot of everything the
// hot path reads — clients, resources, IdPs, policies, subject mappings and
// revocations — so a grant reads nothing from the store (DESIGN.md §7). It
// reloads the whole snapshot when the store's generation changes: at once on
// a change notification (PostgreSQL LISTEN/NOTIFY, or the in-process signal
// of SQLite), and by polling as a fallback, so a change made on any instance
// reaches every instance within the poll interval.
package catalog

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/authplane/authplane/internal/storage"
)

// Snapshot is one consistent, read-only view of the configuration.
type Snapshot struct {
	Generation  int64
	Clients     map[string]storage.Client
	Resources   map[string]storage.Resource
	IdPs        []storage.IdP
	Policies    []storage.Policy
	Mappings    map[MappingKey]storage.SubjectMapping
	Revocations Revocations

	resourceByURI map[string]string
	idpByID       map[string]int
}

// IdP returns the IdP with id, enabled or not.
func (s *Snapshot) IdP(id string) (storage.IdP, bool) {
	i, ok := s.idpByID[id]
	if !ok {
		return storage.IdP{}, false
	}
	return s.IdPs[i], true
}

// MappingKey addresses a subject mapping.
type MappingKey struct{ IdPID, External string }

// ResourceByURI finds an enabled or disabled resource by its identifier,
// comparing scheme and host case-insensitively and the rest exactly
// (MCP-24).
func (s *Snapshot) ResourceByURI(uri string) (storage.Resource, bool) {
	id, ok := s.resourceByURI[CanonicalURI(uri)]
	if !ok {
		return storage.Resource{}, false
	}
	return s.Resources[id], true
}

// CanonicalURI lower-cases the scheme and host of an absolute URI and leaves
// everything else as it is (MCP-24: trailing slashes stay significant).
func CanonicalURI(uri string) string {
	scheme, rest, ok := strings.Cut(uri, "://")
	if !ok {
		return uri
	}
	host, path := rest, ""
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		host, path = rest[:i], rest[i:]
	}
	return strings.ToLower(scheme) + "://" + strings.ToLower(host) + path
}

// Catalog holds the current snapshot and keeps it fresh.
type Catalog struct {
	store    storage.Store
	log      *slog.Logger
	interval time.Duration
	now      func() time.Time

	cur       atomic.Pointer[Snapshot]
	mu        sync.Mutex // serialises reloads
	listeners []func(*Snapshot)
}

// Options configures a Catalog.
type Options struct {
	// PollInterval is the fallback poll of the store generation (default 1 s).
	PollInterval time.Duration
	Logger       *slog.Logger
	// Now is the clock used to drop expired revocations (default time.Now).
	Now func() time.Time
}

// New returns a Catalog over store; call Load before use.
func New(store storage.Store, opts Options) *Catalog {
	if opts.PollInterval <= 0 {
		opts.PollInterval = time.Second
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Catalog{store: store, log: opts.Logger, interval: opts.PollInterval, now: opts.Now}
}

// OnChange registers fn to run after every reload (and once at Load) with
// the new snapshot. Register before Load.
func (c *Catalog) OnChange(fn func(*Snapshot)) { c.listeners = append(c.listeners, fn) }

// Current returns the latest snapshot. It never returns nil after Load.
func (c *Catalog) Current() *Snapshot { return c.cur.Load() }

// Load reads the snapshot unconditionally.
func (c *Catalog) Load(ctx context.Context) error { return c.reload(ctx, true) }

// Refresh reloads if the store generation moved since the current snapshot.
func (c *Catalog) Refresh(ctx context.Context) error { return c.reload(ctx, false) }

func (c *Catalog) reload(ctx context.Context, force bool) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	gen, err := c.store.Generation(ctx)
	if err != nil {
		return fmt.Errorf("catalog: generation: %w", err)
	}
	if cur := c.cur.Load(); !force && cur != nil && cur.Generation == gen {
		return nil
	}
	snap, err := load(ctx, c.store, gen, c.now())
	if err != nil {
		return err
	}
	// Components that cache parts of the snapshot (IdP registry, policy,
	// keys) are updated before the snapshot is published, so whoever sees
	// the new generation also sees them updated.
	for _, fn := range c.listeners {
		fn(snap)
	}
	c.cur.Store(snap)
	c.log.Debug("catalog reloaded", "generation", gen)
	return nil
}

// Run keeps the snapshot fresh until ctx ends.
func (c *Catalog) Run(ctx context.Context) {
	changes := c.store.Changes(ctx)
	tick := time.NewTicker(c.interval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case _, ok := <-changes:
			if !ok {
				changes = nil
			}
		case <-tick.C:
		}
		if err := c.Refresh(ctx); err != nil && ctx.Err() == nil {
			c.log.Warn("catalog reload failed; serving the previous snapshot", "err", err)
		}
	}
}
