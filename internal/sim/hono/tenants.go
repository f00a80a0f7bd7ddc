package hono

import (
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/honoctl/honoctl/internal/atomicfile"
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

// JSON is the tenant as Hono 0.7's get returns it: JsonObject.mapFrom of
// its TenantObject, that is the stored fields with "tenant-id", and
// "adapters" always present.
//
// NOTE: TenantObject's adapters getter is a @JsonProperty that Jackson
// writes even when it is null (Vert.x 3.5's Json.mapper keeps the default
// inclusion), so a tenant without adapters reads "adapters": null
// [inferred from the code, not observed].
func (t Tenant) JSON() map[string]any {
	out := make(map[string]any, len(t.Raw)+2)
	maps.Copy(out, t.Raw)
	out["tenant-id"] = t.ID
	if _, ok := out["adapters"]; !ok {
		out["adapters"] = nil
	}
	return out
}

// TenantStore holds the tenants of tenants.json (FileBasedTenantService).
// It is safe for concurrent use: the REST API changes it while the AMQP
// API reads it. Tenants are replaced, never changed in place.
type TenantStore struct {
	mu   sync.RWMutex
	byID map[string]Tenant
	ids  []string // file order, for lookups by subject DN and saving
	// saveMu orders saves, as DeviceStore's.
	saveMu sync.Mutex
}

// NewTenantStore returns an empty store.
func NewTenantStore() *TenantStore { return &TenantStore{byID: map[string]Tenant{}} }

// LoadTenants reads a tenants file: a list of tenant objects.
func LoadTenants(path string) (*TenantStore, error) {
	var f []map[string]any
	if err := readJSON(path, "tenants", &f); err != nil {
		return nil, err
	}
	st := NewTenantStore()
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
	st.mu.RLock()
	defer st.mu.RUnlock()
	t, ok := st.byID[id]
	return t, ok
}

// BySubjectDN returns the tenant whose trusted CA has the subject DN.
func (st *TenantStore) BySubjectDN(dn string) (Tenant, bool) {
	st.mu.RLock()
	defer st.mu.RUnlock()
	return st.bySubjectDN(dn)
}

// bySubjectDN: call with mu held.
//
// TODO: Hono compares X500Principals (canonical DNs); this compares the
// strings, so "CN=a, O=b" and "CN=a,O=b" are two CAs here.
func (st *TenantStore) bySubjectDN(dn string) (Tenant, bool) {
	for _, id := range st.ids {
		if t := st.byID[id]; t.TrustedCA != "" && t.TrustedCA == dn {
			return t, true
		}
	}
	return Tenant{}, false
}

// Add stores a new tenant (FileBasedTenantService.add): 201, or 409 when
// the id is taken or another tenant trusts the same CA.
//
// NOTE: as in Hono 0.7, adding does not depend on modificationEnabled.
func (st *TenantStore) Add(t Tenant) int {
	st.mu.Lock()
	defer st.mu.Unlock()
	if _, dup := st.byID[t.ID]; dup {
		return StatusConflict
	}
	if _, conflict := st.bySubjectDN(t.TrustedCA); conflict {
		return StatusConflict
	}
	st.byID[t.ID] = t
	st.ids = append(st.ids, t.ID)
	return StatusCreated
}

// Update replaces a tenant: 204, 404 when it does not exist, 409 when
// another tenant trusts the same CA.
func (st *TenantStore) Update(t Tenant) int {
	st.mu.Lock()
	defer st.mu.Unlock()
	if _, ok := st.byID[t.ID]; !ok {
		return StatusNotFound
	}
	if other, conflict := st.bySubjectDN(t.TrustedCA); conflict && other.ID != t.ID {
		return StatusConflict
	}
	st.byID[t.ID] = t
	return StatusNoContent
}

// Remove deletes a tenant: 204, or 404.
func (st *TenantStore) Remove(id string) int {
	st.mu.Lock()
	defer st.mu.Unlock()
	if _, ok := st.byID[id]; !ok {
		return StatusNotFound
	}
	delete(st.byID, id)
	st.ids = slices.DeleteFunc(st.ids, func(x string) bool { return x == id })
	return StatusNoContent
}

// Save writes the store to path atomically, in the format LoadTenants
// reads, tenants in the order they were loaded or added.
func (st *TenantStore) Save(path string) error {
	st.saveMu.Lock()
	defer st.saveMu.Unlock()
	st.mu.RLock()
	out := make([]map[string]any, 0, len(st.ids))
	for _, id := range st.ids {
		out = append(out, st.byID[id].Raw)
	}
	st.mu.RUnlock()
	return atomicfile.WriteJSON(path, out, 0o600)
}
