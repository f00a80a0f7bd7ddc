package registry

import (
	"errors"
	"fmt"
	"maps"

	"github.com/honoctl/honoctl/internal/sim/config"
	"github.com/honoctl/honoctl/internal/sim/hono"
)

// changes are the rules of the file-based services for changing data:
// which changes they allow and where they keep the result.
type changes struct {
	devices, credentials, tenants config.FileService
	maxDevices                    int
}

func changesFrom(cfg *config.Service) changes {
	return changes{devices: cfg.Registry.FileService, credentials: cfg.Credentials, tenants: cfg.Tenant,
		maxDevices: cfg.Registry.MaxDevicesPerTenant}
}

// registerDevice adds a device; data is the request body without its
// "device-id".
func (s *Server) registerDevice(tenant, id string, data map[string]any) int {
	return apply(true, func() int { return s.store.devices.Register(tenant, id, data, s.changes.maxDevices) },
		hono.StatusCreated, s.saveDevices)
}

func (s *Server) updateDevice(tenant, id string, data map[string]any) int {
	return apply(s.changes.devices.ModificationEnabled, func() int { return s.store.devices.Update(tenant, id, data) },
		hono.StatusNoContent, s.saveDevices)
}

func (s *Server) deregisterDevice(tenant, id string) int {
	return apply(s.changes.devices.ModificationEnabled, func() int { return s.store.devices.Remove(tenant, id) },
		hono.StatusNoContent, s.saveDevices)
}

// apply makes one change with op and saves the store when op answers
// done. Unless allowed (modificationEnabled, which Hono 0.7's file-based
// services check on updates and removals, not on additions) it answers
// 403 and changes nothing.
func apply(allowed bool, op func() int, done int, save func()) int {
	if !allowed {
		return hono.StatusForbidden
	}
	status := op()
	if status == done {
		save()
	}
	return status
}

// errInvalidCredential is a credential that CredentialsObject.isValid
// refuses: no device-id, auth-id or type, no secrets, or a bound that is
// not a date-time.
var errInvalidCredential = errors.New("invalid credentials")

// parseNewCredential checks a credential to add or update as Hono does,
// and, beyond Hono, that the device adapters could use it at all (a salt
// that is not Base64 would only fail at the first login).
func parseNewCredential(raw map[string]any) (hono.Credential, error) {
	for _, f := range []string{"device-id", "auth-id", "type"} {
		if _, ok := raw[f].(string); !ok {
			return hono.Credential{}, fmt.Errorf("%w: %q must be a string", errInvalidCredential, f)
		}
	}
	if secrets, _ := raw["secrets"].([]any); len(secrets) == 0 {
		return hono.Credential{}, fmt.Errorf("%w: at least one secret is required", errInvalidCredential)
	}
	c, err := hono.ParseCredential(raw)
	if err != nil {
		return hono.Credential{}, fmt.Errorf("%w: %w", errInvalidCredential, err)
	}
	return c, nil
}

func (s *Server) addCredential(tenant string, c hono.Credential) int {
	return apply(true, func() int { return s.store.credentials.Add(tenant, c) }, hono.StatusCreated, s.saveCredentials)
}

func (s *Server) updateCredential(tenant string, c hono.Credential) int {
	return apply(s.changes.credentials.ModificationEnabled, func() int { return s.store.credentials.Update(tenant, c) },
		hono.StatusNoContent, s.saveCredentials)
}

// removeCredential removes by auth-id and type. NOTE: Hono 0.7 forgets to
// mark its store dirty here, so such a removal is lost on restart; we
// save it.
func (s *Server) removeCredential(tenant, typ, authID string) int {
	return apply(s.changes.credentials.ModificationEnabled,
		func() int { return s.store.credentials.Remove(tenant, typ, authID) }, hono.StatusNoContent, s.saveCredentials)
}

func (s *Server) removeDeviceCredentials(tenant, device string) int {
	return apply(s.changes.credentials.ModificationEnabled,
		func() int { return s.store.credentials.RemoveDevice(tenant, device) }, hono.StatusNoContent, s.saveCredentials)
}

// errInvalidTenant is a tenant that BaseTenantService.isValidRequestPayload
// or TenantObject refuses.
var errInvalidTenant = errors.New("invalid tenant")

// parseNewTenant makes the tenant to add or update from a request
// payload without its "tenant-id", as BaseTenantService does: "adapters",
// if given, must be a non-empty list of objects with a type; "enabled"
// and each adapter's "enabled" and "device-authentication-required"
// default to true. Beyond Hono, the flags must be booleans (Hono would
// store anything and fail at the first lookup).
func parseNewTenant(id string, payload map[string]any) (hono.Tenant, error) {
	raw := withDefault(payload, "enabled", true)
	if v := raw["adapters"]; v != nil {
		list, ok := v.([]any)
		if !ok || len(list) == 0 {
			return hono.Tenant{}, fmt.Errorf("%w: \"adapters\" must be a non-empty list", errInvalidTenant)
		}
		adapters := make([]any, 0, len(list))
		for i, a := range list {
			m, ok := a.(map[string]any)
			if _, typed := m["type"]; !ok || !typed {
				return hono.Tenant{}, fmt.Errorf("%w: adapter %d must be an object with a type", errInvalidTenant, i)
			}
			c := withDefault(m, "enabled", true)
			adapters = append(adapters, withDefault(c, "device-authentication-required", true))
		}
		raw["adapters"] = adapters
	}
	raw["tenant-id"] = id
	t, err := hono.ParseTenant(raw)
	if err != nil {
		return hono.Tenant{}, fmt.Errorf("%w: %w", errInvalidTenant, err)
	}
	return t, nil
}

// withDefault is a copy of m with key set to v unless m has the key
// (JsonObject.containsKey: a null counts as present).
func withDefault(m map[string]any, key string, v any) map[string]any {
	out := make(map[string]any, len(m)+1)
	maps.Copy(out, m)
	if _, ok := out[key]; !ok {
		out[key] = v
	}
	return out
}

func (s *Server) addTenant(t hono.Tenant) int {
	return apply(true, func() int { return s.store.tenants.Add(t) }, hono.StatusCreated, s.saveTenants)
}

// updateTenant replaces a tenant: 400 for a payload that is not a
// tenant (BaseTenantService checks it first), then 403 when modification
// is disabled, 404 for an unknown tenant, 409 for a CA another tenant
// trusts (FileBasedTenantService.update).
func (s *Server) updateTenant(id string, payload map[string]any) (int, error) {
	t, err := parseNewTenant(id, payload)
	if err != nil {
		return hono.StatusBadRequest, err
	}
	return apply(s.changes.tenants.ModificationEnabled, func() int { return s.store.tenants.Update(t) },
		hono.StatusNoContent, s.saveTenants), nil
}

func (s *Server) removeTenant(id string) int {
	return apply(s.changes.tenants.ModificationEnabled, func() int { return s.store.tenants.Remove(id) },
		hono.StatusNoContent, s.saveTenants)
}

// saveDevices, saveCredentials and saveTenants write a store back when saveToFile is
// set. Hono 0.7 saves a dirty store every 3 seconds and on stop; saving
// after each change instead keeps what was registered even when the
// container is killed, at the price of a write per change, which a test
// stack's traffic does not notice. A failed save is logged and the change
// stays in memory, as in Hono.
func (s *Server) saveDevices() {
	if fs := s.changes.devices; fs.SaveToFile {
		s.logSave("device identities", fs.Filename, s.store.devices.Save(fs.Filename))
	}
}

func (s *Server) saveCredentials() {
	if fs := s.changes.credentials; fs.SaveToFile {
		s.logSave("credentials", fs.Filename, s.store.credentials.Save(fs.Filename))
	}
}

func (s *Server) saveTenants() {
	if fs := s.changes.tenants; fs.SaveToFile {
		s.logSave("tenants", fs.Filename, s.store.tenants.Save(fs.Filename))
	}
}

func (s *Server) logSave(what, path string, err error) {
	if err != nil {
		s.log.Warn("could not write "+what+" to file", "path", path, "err", err)
		return
	}
	s.log.Debug("saved "+what, "path", path)
}
