package server

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/authplane/authplane/internal/admin"
	"github.com/authplane/authplane/internal/assertion"
	"github.com/authplane/authplane/internal/audit"
	"github.com/authplane/authplane/internal/catalog"
	"github.com/authplane/authplane/internal/config"
	"github.com/authplane/authplane/internal/grant"
	"github.com/authplane/authplane/internal/idp"
	"github.com/authplane/authplane/internal/keys"
	"github.com/authplane/authplane/internal/metrics"
	"github.com/authplane/authplane/internal/safehttp"
	"github.com/authplane/authplane/internal/secret"
	"github.com/authplane/authplane/internal/storage"
	"github.com/authplane/authplane/internal/storage/postgres"
	"github.com/authplane/authplane/internal/storage/sqlite"
	"github.com/authplane/authplane/internal/token"
)

// Server is one AuthPlane instance: its components and both listeners.
type Server struct {
	cfg     *config.Config
	log     *slog.Logger
	now     func() time.Time
	store   storage.Store
	catalog *catalog.Catalog
	keys    *keys.Manager
	idps    *idp.Registry
	policy  *policyHolder
	// assertions validates ID-JAGs for the grant and for explain.
	assertions *assertion.Validator
	audit      *audit.Queue
	sealer     *audit.Sealer
	auditHTTP  *audit.Handler
	meta       *metadataDoc
	metrics    *metrics.Metrics
	admin      *admin.Service
	adminAuth  admin.Authenticator

	generatedAdminToken string
	public, adminSrv    *http.Server
}

// Options are test seams; the zero value is production behaviour.
type Options struct {
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Fetcher replaces the SSRF-guarded outbound client (tests trust their
	// own CA through it).
	Fetcher *safehttp.Client
	// Version and Commit label authplane_build_info.
	Version, Commit string
}

// OpenStore opens (and migrates) the configured store.
func OpenStore(ctx context.Context, cfg *config.Config, log *slog.Logger) (storage.Store, error) {
	if cfg.Store == "sqlite" {
		if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
			return nil, fmt.Errorf("server: create data dir: %w", err)
		}
		return sqlite.Open(ctx, filepath.Join(cfg.DataDir, sqliteFile), sqlite.Options{Logger: log})
	}
	return postgres.Open(ctx, cfg.Store, postgres.Options{Logger: log})
}

// New builds every component from cfg. It opens and migrates the store,
// loads or creates the signing key, applies the declarative seed and loads
// the catalog; it does not listen yet (Run does).
func New(ctx context.Context, cfg *config.Config, log *slog.Logger, opts Options) (_ *Server, err error) {
	s := &Server{cfg: cfg, log: log, now: opts.Now, meta: &metadataDoc{}}
	if s.now == nil {
		s.now = time.Now
	}
	if cfg.InsecureAllowLoopback {
		log.Warn("INSECURE: insecure_allow_loopback is on: http and loopback addresses are allowed for IdP and client key fetches; never use this in production")
	}
	if s.store, err = OpenStore(ctx, cfg, log); err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			if s.audit != nil {
				_ = s.audit.Close(ctx) // stops its writer goroutine; nothing is queued yet
			}
			s.store.Close()
		}
	}()
	kek, err := loadKEK(cfg)
	if err != nil {
		return nil, err
	}
	hasher, err := secret.NewHasher(deriveKey(kek, "authplane/secret-pepper/v1"))
	if err != nil {
		return nil, err
	}
	if s.adminAuth.TokenHash, s.generatedAdminToken, err = adminTokenHash(cfg, hasher); err != nil {
		return nil, err
	}
	s.adminAuth.Hasher = hasher
	if s.keys, err = keys.NewManager(ctx, s.store, kek, keys.Options{Now: s.now, MaxTokenLifetime: config.MaxAccessTokenTTL, Logger: log}); err != nil {
		return nil, err
	}
	fetcher := opts.Fetcher
	if fetcher == nil {
		fetcher = safehttp.New(safehttp.Options{InsecureAllowLoopback: cfg.InsecureAllowLoopback, Logger: log})
	}
	s.metrics = metrics.New(opts.Version, opts.Commit, func() int { return s.audit.Depth() })
	s.idps = idp.NewRegistry(s.store, fetcher, idp.Options{Now: s.now, Logger: log, MaxStale: cfg.IdPs.MaxStale,
		InsecureAllowLoopback: cfg.InsecureAllowLoopback,
		RefetchInterval:       cfg.IdPs.RefetchInterval, OnFetch: s.metrics.ObserveJWKSFetch})
	s.policy = &policyHolder{log: log}
	s.assertions = &assertion.Validator{Issuer: cfg.Issuer, Issuers: s.idps, Keys: s.idps, Now: s.now}
	s.audit = audit.NewQueue(s.store, audit.QueueOptions{Logger: log, OnDrop: s.metrics.AuditDropped})
	sealKey := deriveKey(kek, "authplane/audit-seal-key/v1")
	s.sealer = &audit.Sealer{Store: s.store, Key: sealKey, Now: s.now, Logger: log, MinAge: cfg.Audit.SealMinAge, Retention: cfg.Audit.Retention}
	s.auditHTTP = &audit.Handler{Store: s.store, Key: sealKey, Logger: log}
	s.catalog = catalog.New(s.store, catalog.Options{Logger: log, Now: s.now})
	s.catalog.OnChange(s.onCatalogChange)
	if s.admin, err = admin.New(admin.Deps{
		Store: s.store, Secrets: hasher, Now: s.now, Logger: log,
		InsecureAllowLoopback: cfg.InsecureAllowLoopback, MaxTokenLifetime: config.MaxAccessTokenTTL,
		Keys:     keyRotator{Manager: s.keys, kek: kek, now: s.now, maxTTL: config.MaxAccessTokenTTL},
		IdPs:     idpOperator{s.idps},
		Policies: policyValidator{},
		Explainer: explainer{&grant.Explainer{
			Catalog: s.catalog, Policy: s.policy, Now: s.now, Assertions: s.assertions,
		}},
	}); err != nil {
		return nil, err
	}
	if err := s.seed(ctx); err != nil {
		return nil, err
	}
	if err := s.catalog.Load(ctx); err != nil {
		return nil, err
	}
	s.public = s.newHTTPServer(cfg.PublicAddr, s.publicHandler(hasher, fetcher))
	s.adminSrv = s.newHTTPServer(cfg.AdminAddr, s.adminHandler())
	return s, nil
}

// onCatalogChange pushes a new snapshot to the components that cache it.
func (s *Server) onCatalogChange(snap *catalog.Snapshot) {
	s.idps.Update(snap.IdPs)
	s.policy.update(snap.Policies)
	s.meta.set(BuildMetadata(s.cfg.Issuer, snap.Resources))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.keys.Reload(ctx); err != nil {
		s.log.Warn("signing keys reload failed; keeping the current set", "err", err)
	}
}

// seed applies the config file's declarative objects.
func (s *Server) seed(ctx context.Context) error {
	if s.cfg.Seed.Empty() {
		return nil
	}
	var seed admin.Seed
	var problems []string
	for name, raw := range map[string]json.RawMessage{
		"resources": s.cfg.Seed.Resources, "idps": s.cfg.Seed.IdPs, "clients": s.cfg.Seed.Clients,
		"policies": s.cfg.Seed.Policies, "subject_mappings": s.cfg.Seed.SubjectMappings,
	} {
		if raw == nil {
			continue
		}
		if err := strictUnmarshal(raw, seedField(&seed, name)); err != nil {
			problems = append(problems, fmt.Sprintf("%s: %s: %v", s.cfg.File, name, err))
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("invalid configuration seed:\n  - %s", strings.Join(problems, "\n  - "))
	}
	if err := s.admin.Seed(ctx, seed); err != nil {
		return fmt.Errorf("configuration seed %s: %w", s.cfg.File, err)
	}
	return nil
}

// publicHandler wires the OAuth endpoints.
func (s *Server) publicHandler(hasher *secret.Hasher, fetcher *safehttp.Client) http.Handler {
	auth := &grant.ClientAuth{
		Issuer: s.cfg.Issuer, Catalog: s.catalog, Secrets: hasher,
		Keys: &grant.ClientKeys{Fetcher: fetcher, Now: s.now}, Replay: s.store, Now: s.now,
	}
	verifier := &token.Verifier{Issuer: s.cfg.Issuer, Keys: s.keys.PublicKeys, Now: s.now, Leeway: 30 * time.Second}
	bearer := &grant.JWTBearer{
		Catalog: s.catalog, Policy: s.policy, Store: s.store, DefaultTTL: s.cfg.AccessTokenTTL, Now: s.now,
		Assertions: s.assertions,
		Minter:     &token.Minter{Issuer: s.cfg.Issuer, Keys: s.keys, Now: s.now},
	}
	return mountPublic(publicRoutes{
		token:      &grant.Handler{Auth: auth, Grants: []grant.Grant{bearer}, Denials: s.audit, Observe: s.metrics, Log: s.log, Now: s.now},
		introspect: &grant.Introspection{Auth: auth, Catalog: s.catalog, Verifier: verifier, Audit: s.audit, Log: s.log, Now: s.now},
		revoke:     &grant.Revocation{Auth: auth, Verifier: verifier, Store: s.store, Refresh: s.catalog.Refresh, Log: s.log, Now: s.now},
		metadata:   s.meta,
		jwks:       handleJWKS(s.keys),
		ready:      handleReadyz(s.store),
	})
}

// adminHandler wires the admin API; after every change it refreshes this
// instance's catalog before the response completes, so the change applies
// to the next request here (other instances follow within a second).
func (s *Server) adminHandler() http.Handler {
	api := admin.NewHandler(s.admin, s.adminAuth)
	refreshing := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		api.ServeHTTP(w, r)
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			if err := s.catalog.Refresh(context.WithoutCancel(r.Context())); err != nil {
				s.log.Warn("catalog refresh after admin change failed", "err", err)
			}
		}
	})
	mux := mountAdmin(refreshing, s.metrics.Handler(), s.adminAuth.Wrap(profiling()))
	s.auditHTTP.Mount(mux, s.adminAuth.Wrap)
	return mux
}
