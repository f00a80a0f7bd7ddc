package hono

import (
	"fmt"
	"time"
)

// TenantCacheAge is how long a tenant "get" may be cached
// (FileBasedTenantService.MAX_AGE_GET_TENANT).
const TenantCacheAge = 180 * time.Second

// Adapter type names, as protocol adapters send them (orig_adapter) and as
// tenants list them.
const (
	AdapterHTTP = "hono-http"
	AdapterMQTT = "hono-mqtt"
	AdapterKura = "hono-kura-mqtt"
	AdapterAMQP = "hono-amqp"
)

// Tenant is one entry of tenants.json (TenantObject). Raw is the entry as
// stored; a "get" returns it unchanged.
type Tenant struct {
	ID      string
	Enabled bool
	// Adapters is nil when the tenant configures none, which enables all.
	Adapters map[string]AdapterConfig
	// TrustedCA is the subject DN of trusted-ca, or "".
	TrustedCA string
	Raw       map[string]any
}

// AdapterConfig is one entry of a tenant's "adapters" list.
type AdapterConfig struct {
	Enabled              bool
	DeviceAuthentication bool
}

// AdapterEnabled follows TenantObject.isAdapterEnabled: a disabled tenant
// allows no adapter, a tenant without an adapters list allows all, and an
// adapter missing from the list is disabled.
func (t Tenant) AdapterEnabled(typ string) bool {
	if !t.Enabled {
		return false
	}
	if t.Adapters == nil {
		return true
	}
	return t.Adapters[typ].Enabled
}

// ParseTenant reads one tenants.json entry.
func ParseTenant(raw map[string]any) (Tenant, error) {
	t := Tenant{ID: stringField(raw, "tenant-id"), Raw: raw}
	if t.ID == "" {
		return Tenant{}, fmt.Errorf("tenant without tenant-id")
	}
	var err error
	if t.Enabled, err = boolField(raw, "enabled", true); err != nil {
		return Tenant{}, fmt.Errorf("tenant %s: %w", t.ID, err)
	}
	if ca, ok := raw["trusted-ca"].(map[string]any); ok {
		t.TrustedCA = stringField(ca, "subject-dn")
	}
	list, ok := raw["adapters"].([]any)
	if !ok {
		return t, nil
	}
	t.Adapters = map[string]AdapterConfig{}
	for i, v := range list {
		m, ok := v.(map[string]any)
		typ := stringField(m, "type")
		if !ok || typ == "" {
			return Tenant{}, fmt.Errorf("tenant %s, adapter %d: want an object with a type", t.ID, i)
		}
		var a AdapterConfig
		// NOTE: Hono defaults a listed adapter to disabled, but device
		// authentication to required.
		if a.Enabled, err = boolField(m, "enabled", false); err != nil {
			return Tenant{}, fmt.Errorf("tenant %s, adapter %s: %w", t.ID, typ, err)
		}
		if a.DeviceAuthentication, err = boolField(m, "device-authentication-required", true); err != nil {
			return Tenant{}, fmt.Errorf("tenant %s, adapter %s: %w", t.ID, typ, err)
		}
		t.Adapters[typ] = a
	}
	return t, nil
}

// TenantStore holds the tenants of tenants.json (FileBasedTenantService).
type TenantStore struct {
	byID map[string]Tenant
	ids  []string // file order, for lookups by subject DN
}

// LoadTenants reads a tenants file: a list of tenant objects.
func LoadTenants(path string) (*TenantStore, error) {
	var f []map[string]any
	if err := readJSON(path, "tenants", &f); err != nil {
		return nil, err
	}
	st := &TenantStore{byID: map[string]Tenant{}}
	for _, raw := range f {
		t, err := ParseTenant(raw)
		if err != nil {
			return nil, fmt.Errorf("tenants %s: %w", path, err)
		}
		if _, dup := st.byID[t.ID]; dup {
			return nil, fmt.Errorf("tenants %s: tenant %s listed twice", path, t.ID)
		}
		st.byID[t.ID] = t
		st.ids = append(st.ids, t.ID)
	}
	return st, nil
}

// Get returns a tenant by id.
func (st *TenantStore) Get(id string) (Tenant, bool) {
	t, ok := st.byID[id]
	return t, ok
}

// BySubjectDN returns the tenant whose trusted CA has the subject DN.
func (st *TenantStore) BySubjectDN(dn string) (Tenant, bool) {
	for _, id := range st.ids {
		if t := st.byID[id]; t.TrustedCA != "" && t.TrustedCA == dn {
			return t, true
		}
	}
	return Tenant{}, false
}
