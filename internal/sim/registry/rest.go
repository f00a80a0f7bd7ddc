package registry

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/honoctl/honoctl/internal/sim/hono"
)

// Content types of Hono's HttpUtils.
const (
	contentTypeJSONUTF8 = "application/json; charset=utf-8"
	contentTypeTextUTF8 = "text/plain; charset=utf-8"
)

// RESTHandler is the registry's HTTP API as Hono 0.7's
// RegistrationHttpEndpoint, CredentialsHttpEndpoint and TenantHttpEndpoint
// route it, without
// authentication, as in Hono 0.7. maxBody bounds a request body
// (maxPayloadSize of hono.registry.rest, BodyHandler's limit).
func (s *Server) RESTHandler(maxBody int) http.Handler {
	mux := http.NewServeMux()
	h := func(f func(w http.ResponseWriter, r *http.Request, body []byte)) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, int64(maxBody)))
			var tooLarge *http.MaxBytesError
			if errors.As(err, &tooLarge) {
				textError(w, http.StatusRequestEntityTooLarge, "Request Entity Too Large")
				return
			}
			if err != nil {
				textError(w, http.StatusBadRequest, "cannot read body")
				return
			}
			f(w, r, body)
		})
	}
	// Routes without a method: Vert.x answers 404, not 405, when no route
	// of a path takes the method, so each handler switches on it.
	mux.Handle("/registration/{tenant}", h(s.restRegistrationTenant))
	mux.Handle("/registration/{tenant}/{device}", h(s.restRegistrationDevice))
	mux.Handle("/credentials/{tenant}", h(s.restCredentialsTenant))
	mux.Handle("/credentials/{tenant}/{device}", h(s.restCredentialsDevice))
	mux.Handle("/credentials/{tenant}/{authid}/{type}", h(s.restCredentialsAuthID))
	mux.Handle("/tenant", h(s.restTenant))
	mux.Handle("/tenant/{tenant}", h(s.restTenantID))
	return mux
}

// POST /registration/{tenant}: register a device.
func (s *Server) restRegistrationTenant(w http.ResponseWriter, r *http.Request, body []byte) {
	if r.Method != http.MethodPost {
		notFound(w)
		return
	}
	if !isJSON(r) {
		textError(w, http.StatusBadRequest, "missing or unsupported content-type")
		return
	}
	if len(body) == 0 {
		textError(w, http.StatusBadRequest, "missing body")
		return
	}
	payload, ok := jsonObject(w, body)
	if !ok {
		return
	}
	id, ok := takeID(w, payload, "device-id")
	if !ok {
		return
	}
	tenant := r.PathValue("tenant")
	writeCreated(w, s.registerDevice(tenant, id, payload), "/registration/"+tenant+"/"+id)
}

// GET, PUT, DELETE /registration/{tenant}/{device}.
func (s *Server) restRegistrationDevice(w http.ResponseWriter, r *http.Request, body []byte) {
	tenant, id := r.PathValue("tenant"), r.PathValue("device")
	switch r.Method {
	case http.MethodGet:
		d, ok := s.store.devices.Get(tenant, id)
		if !ok {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"device-id": d.ID, "data": d.Data})
	case http.MethodPut:
		if !isJSON(r) {
			textError(w, http.StatusBadRequest, "missing or unsupported content-type")
			return
		}
		var payload map[string]any // an empty body registers {"enabled": true}
		if len(body) > 0 {
			var ok bool
			if payload, ok = jsonObject(w, body); !ok {
				return
			}
			delete(payload, "device-id")
		}
		w.WriteHeader(s.updateDevice(tenant, id, payload))
	case http.MethodDelete:
		w.WriteHeader(s.deregisterDevice(tenant, id))
	default:
		notFound(w)
	}
}

// POST /credentials/{tenant}: add a credential.
func (s *Server) restCredentialsTenant(w http.ResponseWriter, r *http.Request, body []byte) {
	if r.Method != http.MethodPost {
		notFound(w)
		return
	}
	c, ok := requiredCredential(w, r, body)
	if !ok {
		return
	}
	tenant := r.PathValue("tenant")
	writeCreated(w, s.addCredential(tenant, c), "/credentials/"+tenant+"/"+c.AuthID+"/"+c.Type)
}

// GET, DELETE /credentials/{tenant}/{device}: all of a device's
// credentials.
func (s *Server) restCredentialsDevice(w http.ResponseWriter, r *http.Request, _ []byte) {
	tenant, device := r.PathValue("tenant"), r.PathValue("device")
	switch r.Method {
	case http.MethodGet:
		found := s.store.credentials.ForDevice(tenant, device)
		if len(found) == 0 {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		list := make([]map[string]any, 0, len(found))
		for _, c := range found {
			list = append(list, c.Raw)
		}
		// FileBasedCredentialsService.getAll's result.
		writeJSON(w, http.StatusOK, map[string]any{"total": len(list), "credentials": list})
	case http.MethodDelete:
		w.WriteHeader(s.removeDeviceCredentials(tenant, device))
	default:
		notFound(w)
	}
}

// GET, PUT, DELETE /credentials/{tenant}/{auth-id}/{type}.
func (s *Server) restCredentialsAuthID(w http.ResponseWriter, r *http.Request, body []byte) {
	tenant, authID, typ := r.PathValue("tenant"), r.PathValue("authid"), r.PathValue("type")
	switch r.Method {
	case http.MethodGet:
		c, ok := s.store.credentials.Get(tenant, typ, authID, nil)
		if !ok {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		writeJSON(w, http.StatusOK, c.Raw)
	case http.MethodPut:
		c, ok := requiredCredential(w, r, body)
		switch {
		case !ok:
			return
		case c.AuthID != authID:
			textError(w, http.StatusBadRequest, "Non-matching authentication identifier")
			return
		case c.Type != typ:
			textError(w, http.StatusBadRequest, "Non-matching credentials type")
			return
		}
		w.WriteHeader(s.updateCredential(tenant, c))
	case http.MethodDelete:
		w.WriteHeader(s.removeCredential(tenant, typ, authID))
	default:
		notFound(w)
	}
}

// takeID takes the id field key out of payload, answering 400 when it is
// missing, null or not a string, as Hono's endpoints do.
func takeID(w http.ResponseWriter, payload map[string]any, key string) (string, bool) {
	raw := payload[key]
	id, isString := raw.(string)
	switch {
	case raw == nil:
		textError(w, http.StatusBadRequest, "'"+key+"' param is required")
		return "", false
	case !isString:
		textError(w, http.StatusBadRequest, "'"+key+"' must be a string")
		return "", false
	}
	delete(payload, key)
	return id, true
}

// writeCreated answers a POST that adds: the status, and where the new
// resource is when it was made (201).
func writeCreated(w http.ResponseWriter, status int, location string) {
	if status == hono.StatusCreated {
		w.Header().Set("Location", location)
	}
	w.WriteHeader(status)
}

// requiredCredential is a required JSON payload that
// CredentialsObject.isValid accepts: a complete credential. Hono answers
// each refusal with a bare 400; ours names the reason in the body.
func requiredCredential(w http.ResponseWriter, r *http.Request, body []byte) (hono.Credential, bool) {
	raw, ok := requiredJSON(w, r, body)
	if !ok {
		return hono.Credential{}, false
	}
	c, err := parseNewCredential(raw)
	if err != nil {
		textError(w, http.StatusBadRequest, err.Error())
		return hono.Credential{}, false
	}
	return c, true
}

// requiredJSON is AbstractHttpEndpoint.extractRequiredJsonPayload: a JSON
// object body, declared as such; it answers 400 otherwise.
func requiredJSON(w http.ResponseWriter, r *http.Request, body []byte) (map[string]any, bool) {
	switch ct := r.Header.Get("Content-Type"); {
	case ct == "":
		textError(w, http.StatusBadRequest, "Missing Content-Type header")
		return nil, false
	case !isJSON(r):
		textError(w, http.StatusBadRequest, "Unsupported Content-Type")
		return nil, false
	}
	return jsonObject(w, body)
}

// isJSON reports whether the request declares a JSON body (Vert.x's
// consumes("application/json"), parameters such as charset aside).
func isJSON(r *http.Request) bool {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return err == nil && strings.EqualFold(mt, contentTypeJSON)
}

// jsonObject decodes a body that must be one JSON object, keeping numbers
// as written; it answers 400 otherwise.
func jsonObject(w http.ResponseWriter, body []byte) (map[string]any, bool) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil || m == nil || dec.More() {
		textError(w, http.StatusBadRequest, "body does not contain a valid JSON object")
		return nil, false
	}
	return m, true
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		textError(w, http.StatusInternalServerError, "cannot encode response")
		return
	}
	w.Header().Set("Content-Type", contentTypeJSONUTF8)
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// textError is DefaultFailureHandler.sendError: the status and a plain
// text message.
func textError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", contentTypeTextUTF8)
	w.WriteHeader(status)
	_, _ = io.WriteString(w, msg)
}

func notFound(w http.ResponseWriter) { textError(w, http.StatusNotFound, "Resource not found") }
