package registry

import "net/http"

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
	id, ok := takeID(w, payload, "tenant-id")
	if !ok {
		return
	}
	t, err := parseNewTenant(id, payload)
	if err != nil {
		textError(w, http.StatusBadRequest, err.Error())
		return
	}
	writeCreated(w, s.addTenant(t), "/tenant/"+id)
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
