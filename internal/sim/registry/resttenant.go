package registry

import (
	"net/http"

	"github.com/honoctl/honoctl/internal/sim/hono"
)

// POST /tenant: add a tenant named by the body's "tenant-id"
// (TenantHttpEndpoint.addTenant).
func (s *Server) restTenant(w http.ResponseWriter, r *http.Request, body []byte) {
	if r.Method != http.MethodPost {
		notFound(w)
		return
	}
	payload, ok := requiredJSON(w, r, body)
	if !ok {
		return
	}
	raw := payload["tenant-id"]
	id, isString := raw.(string)
	switch {
	case raw == nil:
		textError(w, http.StatusBadRequest, "'tenant-id' param is required")
		return
	case !isString:
		textError(w, http.StatusBadRequest, "'tenant-id' must be a string")
		return
	}
	delete(payload, "tenant-id")
	t, err := parseNewTenant(id, payload)
	if err != nil {
		textError(w, http.StatusBadRequest, err.Error())
		return
	}
	status := s.addTenant(t)
	if status == hono.StatusCreated {
		w.Header().Set("Location", "/tenant/"+id)
	}
	w.WriteHeader(status)
}

// GET, PUT, DELETE /tenant/{tenant}.
func (s *Server) restTenantID(w http.ResponseWriter, r *http.Request, body []byte) {
	id := r.PathValue("tenant")
	switch r.Method {
	case http.MethodGet:
		t, ok := s.store.tenants.Get(id)
		if !ok {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		writeJSON(w, http.StatusOK, t.JSON())
	case http.MethodPut:
		payload, ok := requiredJSON(w, r, body)
		if !ok {
			return
		}
		// NOTE: TenantHttpEndpoint drops a "tenant-id" of the body: the
		// path names the tenant.
		delete(payload, "tenant-id")
		status, err := s.updateTenant(id, payload)
		if err != nil {
			textError(w, status, err.Error())
			return
		}
		w.WriteHeader(status)
	case http.MethodDelete:
		w.WriteHeader(s.removeTenant(id))
	default:
		notFound(w)
	}
}
