package admin

import (
	"context"
	"maps"
	"slices"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/authplane/authplane/internal/storage"
)

// memStore is an in-memory storage.Store for these tests until the SQLite
// backend lands: one mutex, transactions roll back by restoring a snapshot.
type memStore struct {
	memTx
}

var _ storage.Store = (*memStore)(nil)

type memData struct {
	clients   map[string]storage.Client
	resources map[string]storage.Resource
	idps      map[string]storage.IdP
	policies  map[string]storage.Policy
	mappings  map[string]storage.SubjectMapping
	keys      map[string]storage.SigningKey
	idpKeys   map[string]storage.IdPKeyState
	jtis      map[string]time.Time
	revs      map[string]storage.Revocation
	audit     []storage.AuditEvent
}

func (d *memData) clone() *memData {
	return &memData{
		clients: maps.Clone(d.clients), resources: maps.Clone(d.resources), idps: maps.Clone(d.idps),
		policies: maps.Clone(d.policies), mappings: maps.Clone(d.mappings), keys: maps.Clone(d.keys),
		idpKeys: maps.Clone(d.idpKeys), jtis: maps.Clone(d.jtis), revs: maps.Clone(d.revs), audit: slices.Clone(d.audit),
	}
}

// memTx operates on the data; outside a transaction each call takes the lock.
type memTx struct {
	mu   *sync.Mutex
	d    *memData
	inTx bool
}

func newMemStore() *memStore {
	d := &memData{clients: map[string]storage.Client{}, resources: map[string]storage.Resource{}, idps: map[string]storage.IdP{},
		policies: map[string]storage.Policy{}, mappings: map[string]storage.SubjectMapping{}, keys: map[string]storage.SigningKey{},
		idpKeys: map[string]storage.IdPKeyState{}, jtis: map[string]time.Time{}, revs: map[string]storage.Revocation{}}
	return &memStore{memTx{mu: &sync.Mutex{}, d: d}}
}

func (t *memTx) guard() func() {
	if t.inTx {
		return func() {}
	}
	t.mu.Lock()
	return t.mu.Unlock
}

func (s *memStore) WithTx(ctx context.Context, fn func(tx storage.Tx) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	snap := s.d.clone()
	if err := fn(&memTx{mu: s.mu, d: s.d, inTx: true}); err != nil {
		*s.d = *snap
		return err
	}
	return nil
}

func (s *memStore) ConsumeJTIWithAudit(ctx context.Context, j storage.ConsumedJTI, ev storage.AuditEvent) (storage.AuditEvent, error) {
	var out storage.AuditEvent
	err := s.WithTx(ctx, func(tx storage.Tx) error {
		if err := tx.ConsumeJTI(ctx, j); err != nil {
			return err
		}
		evs, err := tx.AppendAudit(ctx, ev)
		if err == nil {
			out = evs[0]
		}
		return err
	})
	return out, err
}

func (s *memStore) Generation(context.Context) (int64, error) { return 0, nil }
func (s *memStore) Changes(ctx context.Context) <-chan struct{} {
	ch := make(chan struct{})
	go func() { <-ctx.Done(); close(ch) }()
	return ch
}
func (s *memStore) Ping(context.Context) error { return nil }
func (s *memStore) Close() error               { return nil }

// generic helpers over id-keyed maps.

func mget[R any](t *memTx, m map[string]R, id string) (R, error) {
	defer t.guard()()
	r, ok := m[id]
	if !ok {
		return r, storage.ErrNotFound
	}
	return r, nil
}

func mput[R any](t *memTx, m map[string]R, id string, r R, create bool, unique func(R) bool) error {
	defer t.guard()()
	_, ok := m[id]
	switch {
	case create && ok:
		return storage.ErrConflict
	case !create && !ok:
		return storage.ErrNotFound
	}
	for k, o := range m {
		if k != id && unique != nil && unique(o) {
			return storage.ErrConflict
		}
	}
	m[id] = r
	return nil
}

func mdel[R any](t *memTx, m map[string]R, id string) error {
	defer t.guard()()
	if _, ok := m[id]; !ok {
		return storage.ErrNotFound
	}
	delete(m, id)
	return nil
}

func mlist[R any](t *memTx, m map[string]R, p storage.Page) ([]R, error) {
	defer t.guard()()
	p = p.Normalize()
	keys := slices.Sorted(maps.Keys(m))
	var out []R
	for _, k := range keys {
		if k > p.After && len(out) < p.Limit {
			out = append(out, m[k])
		}
	}
	return out, nil
}

func (t *memTx) CreateClient(ctx context.Context, c storage.Client) error {
	return mput(t, t.d.clients, c.ID, c, true, nil)
}
func (t *memTx) GetClient(ctx context.Context, id string) (storage.Client, error) {
	return mget(t, t.d.clients, id)
}
func (t *memTx) UpdateClient(ctx context.Context, c storage.Client) error {
	return mput(t, t.d.clients, c.ID, c, false, nil)
}
func (t *memTx) DeleteClient(ctx context.Context, id string) error { return mdel(t, t.d.clients, id) }
func (t *memTx) ListClients(ctx context.Context, p storage.Page) ([]storage.Client, error) {
	return mlist(t, t.d.clients, p)
}

func (t *memTx) CreateResource(ctx context.Context, r storage.Resource) error {
	return mput(t, t.d.resources, r.ID, r, true, func(o storage.Resource) bool { return o.URI == r.URI })
}
func (t *memTx) GetResource(ctx context.Context, id string) (storage.Resource, error) {
	return mget(t, t.d.resources, id)
}
func (t *memTx) UpdateResource(ctx context.Context, r storage.Resource) error {
	return mput(t, t.d.resources, r.ID, r, false, func(o storage.Resource) bool { return o.URI == r.URI })
}
func (t *memTx) DeleteResource(ctx context.Context, id string) error {
	return mdel(t, t.d.resources, id)
}
func (t *memTx) ListResources(ctx context.Context, p storage.Page) ([]storage.Resource, error) {
	return mlist(t, t.d.resources, p)
}

func (t *memTx) CreateIdP(ctx context.Context, i storage.IdP) error {
	return mput(t, t.d.idps, i.ID, i, true, func(o storage.IdP) bool { return o.Issuer == i.Issuer })
}
func (t *memTx) GetIdP(ctx context.Context, id string) (storage.IdP, error) {
	return mget(t, t.d.idps, id)
}
func (t *memTx) UpdateIdP(ctx context.Context, i storage.IdP) error {
	return mput(t, t.d.idps, i.ID, i, false, func(o storage.IdP) bool { return o.Issuer == i.Issuer })
}
func (t *memTx) DeleteIdP(ctx context.Context, id string) error { return mdel(t, t.d.idps, id) }
func (t *memTx) ListIdPs(ctx context.Context, p storage.Page) ([]storage.IdP, error) {
	return mlist(t, t.d.idps, p)
}

func (t *memTx) CreatePolicy(ctx context.Context, p storage.Policy) error {
	return mput(t, t.d.policies, p.ID, p, true, nil)
}
func (t *memTx) GetPolicy(ctx context.Context, id string) (storage.Policy, error) {
	return mget(t, t.d.policies, id)
}
func (t *memTx) UpdatePolicy(ctx context.Context, p storage.Policy) error {
	return mput(t, t.d.policies, p.ID, p, false, nil)
}
func (t *memTx) DeletePolicy(ctx context.Context, id string) error {
	return mdel(t, t.d.policies, id)
}
func (t *memTx) ListPolicies(ctx context.Context, p storage.Page) ([]storage.Policy, error) {
	return mlist(t, t.d.policies, p)
}

func (t *memTx) CreateSubjectMapping(ctx context.Context, m storage.SubjectMapping) error {
	return mput(t, t.d.mappings, mappingKey(m), m, true, nil)
}
func (t *memTx) GetSubjectMapping(ctx context.Context, idp, ext string) (storage.SubjectMapping, error) {
	return mget(t, t.d.mappings, idp+"\x00"+ext)
}
func (t *memTx) UpdateSubjectMapping(ctx context.Context, m storage.SubjectMapping) error {
	return mput(t, t.d.mappings, mappingKey(m), m, false, nil)
}
func (t *memTx) DeleteSubjectMapping(ctx context.Context, idp, ext string) error {
	return mdel(t, t.d.mappings, idp+"\x00"+ext)
}
func (t *memTx) ListSubjectMappings(ctx context.Context, p storage.Page) ([]storage.SubjectMapping, error) {
	return mlist(t, t.d.mappings, p)
}

func (t *memTx) CreateSigningKey(ctx context.Context, k storage.SigningKey) error {
	return mput(t, t.d.keys, k.ID, k, true, nil)
}
func (t *memTx) UpdateSigningKey(ctx context.Context, k storage.SigningKey) error {
	return mput(t, t.d.keys, k.ID, k, false, nil)
}
func (t *memTx) ListSigningKeys(ctx context.Context) ([]storage.SigningKey, error) {
	defer t.guard()()
	out := slices.Collect(maps.Values(t.d.keys))
	sort.Slice(out, func(i, j int) bool { return out[i].CreatedAt.After(out[j].CreatedAt) })
	return out, nil
}
func (t *memTx) DeleteSigningKeysBefore(ctx context.Context, at time.Time) (int64, error) {
	defer t.guard()()
	var n int64
	for id, k := range t.d.keys {
		if k.State == storage.KeyRetired && k.PublishUntil.Before(at) {
			delete(t.d.keys, id)
			n++
		}
	}
	return n, nil
}

func (t *memTx) PutIdPKeyState(ctx context.Context, s storage.IdPKeyState) error {
	defer t.guard()()
	t.d.idpKeys[s.IdPID] = s
	return nil
}
func (t *memTx) GetIdPKeyState(ctx context.Context, id string) (storage.IdPKeyState, error) {
	return mget(t, t.d.idpKeys, id)
}
func (t *memTx) DeleteIdPKeyState(ctx context.Context, id string) error {
	return mdel(t, t.d.idpKeys, id)
}

func (t *memTx) ConsumeJTI(ctx context.Context, j storage.ConsumedJTI) error {
	defer t.guard()()
	k := j.Issuer + "\x00" + j.JTI
	if _, ok := t.d.jtis[k]; ok {
		return storage.ErrReplay
	}
	t.d.jtis[k] = j.ExpiresAt
	return nil
}
func (t *memTx) PurgeExpiredJTIs(ctx context.Context, now time.Time) (int64, error) { return 0, nil }

func (t *memTx) AddRevocation(ctx context.Context, r storage.Revocation) error {
	defer t.guard()()
	t.d.revs[r.Kind+"\x00"+r.Value] = r
	return nil
}
func (t *memTx) ListRevocations(ctx context.Context, now time.Time) ([]storage.Revocation, error) {
	defer t.guard()()
	var out []storage.Revocation
	for _, k := range slices.Sorted(maps.Keys(t.d.revs)) {
		if r := t.d.revs[k]; !r.ExpiresAt.Before(now) {
			out = append(out, r)
		}
	}
	return out, nil
}
func (t *memTx) PurgeExpiredRevocations(ctx context.Context, now time.Time) (int64, error) {
	return 0, nil
}

func (t *memTx) AppendAudit(ctx context.Context, evs ...storage.AuditEvent) ([]storage.AuditEvent, error) {
	defer t.guard()()
	for i := range evs {
		evs[i].Seq = int64(len(t.d.audit) + 1)
		t.d.audit = append(t.d.audit, evs[i])
	}
	return evs, nil
}

func (t *memTx) ListAudit(ctx context.Context, f storage.AuditFilter, p storage.Page) ([]storage.AuditEvent, error) {
	defer t.guard()()
	p = p.Normalize()
	after := int64(0)
	if p.After != "" {
		var err error
		if after, err = strconv.ParseInt(p.After, 10, 64); err != nil {
			return nil, storage.ErrInvalid
		}
	}
	var out []storage.AuditEvent
	for _, e := range t.d.audit {
		if e.Seq > after && len(out) < p.Limit && auditMatches(f, e) {
			out = append(out, e)
		}
	}
	return out, nil
}

func auditMatches(f storage.AuditFilter, e storage.AuditEvent) bool {
	eq := func(want, got string) bool { return want == "" || want == got }
	return (f.Since.IsZero() || !e.Time.Before(f.Since)) && (f.Until.IsZero() || !e.Time.After(f.Until)) &&
		eq(f.Type, e.Type) && eq(f.Outcome, e.Outcome) && eq(f.Reason, e.Reason) && eq(f.IdPID, e.IdPID) &&
		eq(f.ClientID, e.ClientID) && eq(f.Subject, e.Subject) && eq(f.Resource, e.Resource) &&
		(f.JTI == "" || f.JTI == e.AssertionJTI || f.JTI == e.TokenJTI)
}
