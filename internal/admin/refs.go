package admin

import (
	"context"
	"errors"
	"fmt"

	"github.com/authplane/authplane/internal/storage"
)

// refs resolves referenced ids inside a transaction. While seeding it also
// sees the records the seed is about to write (pending), so a seed may
// reference its own objects in any order.
type refs struct {
	tx        storage.Tx
	clients   map[string]bool
	idps      map[string]bool
	resources map[string]storage.Resource
}

// newRefs returns a resolver over tx alone.
func newRefs(tx storage.Tx) *refs {
	return &refs{tx: tx, clients: map[string]bool{}, idps: map[string]bool{}, resources: map[string]storage.Resource{}}
}

// exists reports whether get finds id, treating ErrNotFound as false.
func exists[R any](ctx context.Context, get func(context.Context, string) (R, error), id string) (bool, error) {
	_, err := get(ctx, id)
	if errors.Is(err, storage.ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

// client reports whether a client with id exists.
func (r *refs) client(ctx context.Context, id string) (bool, error) {
	if r.clients[id] {
		return true, nil
	}
	return exists(ctx, r.tx.GetClient, id)
}

// idp reports whether an IdP with id exists.
func (r *refs) idp(ctx context.Context, id string) (bool, error) {
	if r.idps[id] {
		return true, nil
	}
	return exists(ctx, r.tx.GetIdP, id)
}

// resource returns the resource with id, if any.
func (r *refs) resource(ctx context.Context, id string) (storage.Resource, bool, error) {
	if res, ok := r.resources[id]; ok {
		return res, true, nil
	}
	res, err := r.tx.GetResource(ctx, id)
	if errors.Is(err, storage.ErrNotFound) {
		return storage.Resource{}, false, nil
	}
	return res, err == nil, err
}

// allResources returns every resource, pending ones replacing stored ones.
func (r *refs) allResources(ctx context.Context) ([]storage.Resource, error) {
	stored, err := listAll(ctx, r.tx.ListResources, func(x storage.Resource) string { return x.ID })
	if err != nil {
		return nil, err
	}
	out := make([]storage.Resource, 0, len(stored)+len(r.resources))
	for _, res := range stored {
		if _, ok := r.resources[res.ID]; !ok {
			out = append(out, res)
		}
	}
	for _, res := range r.resources {
		out = append(out, res)
	}
	return out, nil
}

// checkIDs records a problem for every entry of list that lookup does not
// find. nil lists reference nothing.
func (p *problems) checkIDs(ctx context.Context, field, what string, list []string,
	lookup func(context.Context, string) (bool, error)) error {
	for i, id := range list {
		ok, err := lookup(ctx, id)
		if err != nil {
			return err
		}
		if !ok {
			p.addf(fmt.Sprintf("%s[%d]", field, i), "no %s with id %q", what, id)
		}
	}
	return nil
}

// contains reports whether list holds v.
func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// stillReferenced returns a ConflictError naming the referrers, or nil.
func stillReferenced(what, id string, errs []FieldError) error {
	if len(errs) == 0 {
		return nil
	}
	return &ConflictError{Detail: what + " " + quote(id) + " is still referenced", Errors: errs}
}

// policyIDKey and the other key functions give each aggregate's cursor.
func policyIDKey(p storage.Policy) string        { return p.ID }
func idpIDKey(i storage.IdP) string              { return i.ID }
func clientIDKey(c storage.Client) string        { return c.ID }
func mappingKey(m storage.SubjectMapping) string { return m.IdPID + "\x00" + m.ExternalSubject }
func resourceIDKey(r storage.Resource) string    { return r.ID }

// clientReferrers fails with a ConflictError if a policy or an IdP's
// client_id_map references the client id.
func clientReferrers(ctx context.Context, tx storage.Tx, id string) error {
	var errs []FieldError
	pols, err := listAll(ctx, tx.ListPolicies, policyIDKey)
	if err != nil {
		return err
	}
	for _, p := range pols {
		if contains(p.Clients, id) {
			errs = append(errs, FieldError{"policies[" + p.ID + "].clients", "references client " + quote(id)})
		}
	}
	idps, err := listAll(ctx, tx.ListIdPs, idpIDKey)
	if err != nil {
		return err
	}
	for _, i := range idps {
		for ext, local := range i.ClientIDMap {
			if local == id {
				errs = append(errs, FieldError{"idps[" + i.ID + "].client_id_map." + ext, "references client " + quote(id)})
			}
		}
	}
	return stillReferenced("client", id, errs)
}

// idpReferrers fails with a ConflictError if a client, a policy or a
// subject mapping references the IdP id.
func idpReferrers(ctx context.Context, tx storage.Tx, id string) error {
	var errs []FieldError
	clients, err := listAll(ctx, tx.ListClients, clientIDKey)
	if err != nil {
		return err
	}
	for _, c := range clients {
		if contains(c.AllowedIdPs, id) {
			errs = append(errs, FieldError{"clients[" + c.ID + "].allowed_idps", "references IdP " + quote(id)})
		}
	}
	pols, err := listAll(ctx, tx.ListPolicies, policyIDKey)
	if err != nil {
		return err
	}
	for _, p := range pols {
		if contains(p.IdPs, id) {
			errs = append(errs, FieldError{"policies[" + p.ID + "].idps", "references IdP " + quote(id)})
		}
	}
	maps, err := listAll(ctx, tx.ListSubjectMappings, mappingKey)
	if err != nil {
		return err
	}
	n := 0
	for _, m := range maps {
		if m.IdPID == id {
			n++
		}
	}
	if n > 0 {
		errs = append(errs, FieldError{"subject_mappings", fmt.Sprintf("%d subject mappings belong to IdP %s", n, quote(id))})
	}
	return stillReferenced("IdP", id, errs)
}

// resourceReferrers fails with a ConflictError if a policy names the
// resource id, or — after the resource changed or went away in tx — a
// policy's scope no longer exists in any resource it applies to.
func resourceReferrers(ctx context.Context, tx storage.Tx, id string, deleted bool) error {
	pols, err := listAll(ctx, tx.ListPolicies, policyIDKey)
	if err != nil {
		return err
	}
	r := newRefs(tx)
	var errs []FieldError
	for _, p := range pols {
		if deleted && contains(p.Resources, id) {
			errs = append(errs, FieldError{"policies[" + p.ID + "].resources", "references resource " + quote(id)})
			continue
		}
		if p.Scopes == nil || (p.Resources != nil && !contains(p.Resources, id)) {
			continue
		}
		var sp problems
		if err := sp.checkPolicyScopes(ctx, r, p); err != nil {
			return err
		}
		errs = append(errs, prefixed("policies["+p.ID+"]", sp)...)
	}
	return stillReferenced("resource", id, errs)
}
