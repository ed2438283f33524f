package admin

import (
	"context"
	"net/http"
)

// The *With functions build the handlers of the usual object endpoints from
// service methods; objects are named by the {id} path value.

// listWith serves GET on a collection: ?cursor=&limit=.
func listWith[T any](fn func(context.Context, ListQuery) (ListResult[T], error)) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		q, err := listQueryOf(r)
		if err != nil {
			return err
		}
		out, err := fn(r.Context(), q)
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusOK, out)
	}
}

// createWith serves POST on a collection: 201 with the created object.
func createWith[In, Out any](fn func(context.Context, Caller, In) (Out, error)) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		var in In
		if err := decode(w, r, &in); err != nil {
			return err
		}
		out, err := fn(r.Context(), callerOf(r), in)
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusCreated, out)
	}
}

// getWith serves GET on an object.
func getWith[Out any](fn func(context.Context, string) (Out, error)) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		out, err := fn(r.Context(), r.PathValue("id"))
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusOK, out)
	}
}

// updateWith serves PUT on an object: a full replacement.
func updateWith[In, Out any](fn func(context.Context, Caller, string, In) (Out, error)) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		var in In
		if err := decode(w, r, &in); err != nil {
			return err
		}
		out, err := fn(r.Context(), callerOf(r), r.PathValue("id"), in)
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusOK, out)
	}
}

// deleteWith serves DELETE on an object: 204.
func deleteWith(fn func(context.Context, Caller, string) error) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		if err := fn(r.Context(), callerOf(r), r.PathValue("id")); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
}

// actionWith serves a bodiless POST action on an object: 200 with its result.
func actionWith[Out any](fn func(context.Context, Caller, string) (Out, error)) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		out, err := fn(r.Context(), callerOf(r), r.PathValue("id"))
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusOK, out)
	}
}

// getMapping serves GET /subject-mappings/{idp_id}/{external_subject}.
func (h *handler) getMapping(w http.ResponseWriter, r *http.Request) error {
	out, err := h.svc.GetSubjectMapping(r.Context(), r.PathValue("idp_id"), r.PathValue("external_subject"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, out)
}

// updateMapping serves PUT /subject-mappings/{idp_id}/{external_subject}.
func (h *handler) updateMapping(w http.ResponseWriter, r *http.Request) error {
	var in SubjectMappingDTO
	if err := decode(w, r, &in); err != nil {
		return err
	}
	out, err := h.svc.UpdateSubjectMapping(r.Context(), callerOf(r), r.PathValue("idp_id"), r.PathValue("external_subject"), in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, out)
}

// deleteMapping serves DELETE /subject-mappings/{idp_id}/{external_subject}.
func (h *handler) deleteMapping(w http.ResponseWriter, r *http.Request) error {
	if err := h.svc.DeleteSubjectMapping(r.Context(), callerOf(r), r.PathValue("idp_id"), r.PathValue("external_subject")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// listKeys serves GET /keys.
func (h *handler) listKeys(w http.ResponseWriter, r *http.Request) error {
	out, err := h.svc.ListKeys(r.Context())
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, out)
}

// rotateKeys serves POST /keys/rotate.
func (h *handler) rotateKeys(w http.ResponseWriter, r *http.Request) error {
	out, err := h.svc.RotateKeys(r.Context(), callerOf(r))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, out)
}

// revokeToken serves POST /tokens/{jti}/revoke: 204.
func (h *handler) revokeToken(w http.ResponseWriter, r *http.Request) error {
	if err := h.svc.RevokeToken(r.Context(), callerOf(r), r.PathValue("jti")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// listRevocations serves GET /revocations.
func (h *handler) listRevocations(w http.ResponseWriter, r *http.Request) error {
	out, err := h.svc.ListRevocations(r.Context())
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, out)
}
