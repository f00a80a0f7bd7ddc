package hono

import (
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/honoctl/honoctl/internal/atomicfile"
)

// Status codes of registry responses (HTTP-style, as Hono sends them).
const (
	StatusOK             = 200
	StatusCreated        = 201
	StatusNoContent      = 204
	StatusBadRequest     = 400
	StatusForbidden      = 403
	StatusNotFound       = 404
	StatusConflict       = 409
	StatusNotImplemented = 501
)

// Device is one registered device of device-identities.json: its id and
// its "data" object (enabled, defaults, via...).
type Device struct {
	ID   string
	Data map[string]any
}

// Enabled is the data's "enabled" flag; Hono treats a missing flag as true.
func (d Device) Enabled() bool {
	b, err := boolField(d.Data, "enabled", true)
	return err == nil && b
}

// Via is the gateway a device may be reached through, or "".
func (d Device) Via() string { return stringField(d.Data, "via") }

// Defaults are the properties an adapter applies to the device's messages.
func (d Device) Defaults() map[string]any {
	m, _ := d.Data["defaults"].(map[string]any)
	return m
}

// DeviceStore holds the registered devices per tenant
// (FileBasedRegistrationService). It is safe for concurrent use: the
// REST API changes it while the AMQP API reads it.
type DeviceStore struct {
	mu       sync.RWMutex
	byTenant map[string]map[string]Device
	// saveMu orders saves, so that an older snapshot never overwrites a
	// newer one.
	saveMu sync.Mutex
}

// NewDeviceStore returns an empty store; the Swarm deployment does not seed
// device identities, so a registry may start without any.
func NewDeviceStore() *DeviceStore {
	return &DeviceStore{byTenant: map[string]map[string]Device{}}
}

// LoadDevices reads a device identities file: a list of
// {"tenant": ..., "devices": [{"device-id": ..., "data": {...}}]}.
func LoadDevices(path string) (*DeviceStore, error) {
	var f []struct {
		Tenant  string `json:"tenant"`
		Devices []struct {
			ID   string         `json:"device-id"`
			Data map[string]any `json:"data"`
		} `json:"devices"`
	}
	if err := readJSON(path, "device identities", &f); err != nil {
		return nil, err
	}
	st := NewDeviceStore()
	for _, t := range f {
		for _, d := range t.Devices {
			if d.ID == "" {
				return nil, fmt.Errorf("device identities %s, tenant %s: device without device-id", path, t.Tenant)
			}
			if d.Data == nil {
				d.Data = map[string]any{}
			}
			st.Add(t.Tenant, Device{ID: d.ID, Data: d.Data})
		}
	}
	return st, nil
}

// Add registers or replaces a device.
func (st *DeviceStore) Add(tenant string, d Device) {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.put(tenant, d)
}

func (st *DeviceStore) put(tenant string, d Device) {
	m := st.byTenant[tenant]
	if m == nil {
		m = map[string]Device{}
		st.byTenant[tenant] = m
	}
	m[d.ID] = d
}

// Get returns a registered device.
func (st *DeviceStore) Get(tenant, id string) (Device, bool) {
	st.mu.RLock()
	defer st.mu.RUnlock()
	d, ok := st.byTenant[tenant][id]
	return d, ok
}

// registrationData is what Hono stores for a device: the request's data
// with "enabled" set to true unless it is a boolean
// (EventBusService.getRequestPayload).
func registrationData(data map[string]any) map[string]any {
	out := make(map[string]any, len(data)+1)
	maps.Copy(out, data)
	if _, ok := out["enabled"].(bool); !ok {
		out["enabled"] = true
	}
	return out
}

// Register adds a device (FileBasedRegistrationService.addDevice): 201,
// 409 when the tenant has it already, 403 when the tenant has max
// devices. The data is copied.
//
// NOTE: Hono 0.7 checks modificationEnabled on update and remove only; a
// device may always be added.
func (st *DeviceStore) Register(tenant, id string, data map[string]any, max int) int {
	st.mu.Lock()
	defer st.mu.Unlock()
	m := st.byTenant[tenant]
	if len(m) >= max {
		return StatusForbidden
	}
	if _, dup := m[id]; dup {
		return StatusConflict
	}
	st.put(tenant, Device{ID: id, Data: registrationData(data)})
	return StatusCreated
}

// Update replaces a registered device's data: 204, or 404.
func (st *DeviceStore) Update(tenant, id string, data map[string]any) int {
	st.mu.Lock()
	defer st.mu.Unlock()
	if _, ok := st.byTenant[tenant][id]; !ok {
		return StatusNotFound
	}
	st.put(tenant, Device{ID: id, Data: registrationData(data)})
	return StatusNoContent
}

// Remove deregisters a device: 204, or 404.
func (st *DeviceStore) Remove(tenant, id string) int {
	st.mu.Lock()
	defer st.mu.Unlock()
	if _, ok := st.byTenant[tenant][id]; !ok {
		return StatusNotFound
	}
	delete(st.byTenant[tenant], id)
	return StatusNoContent
}

// Save writes the store to path atomically, in the format LoadDevices
// reads (tenants and devices sorted, so that the file diffs well).
func (st *DeviceStore) Save(path string) error {
	st.saveMu.Lock()
	defer st.saveMu.Unlock()
	type device struct {
		ID   string         `json:"device-id"`
		Data map[string]any `json:"data"`
	}
	type tenant struct {
		Tenant  string   `json:"tenant"`
		Devices []device `json:"devices"`
	}
	st.mu.RLock()
	out := []tenant{}
	for _, id := range slices.Sorted(maps.Keys(st.byTenant)) {
		t := tenant{Tenant: id, Devices: []device{}}
		for _, d := range slices.Sorted(maps.Keys(st.byTenant[id])) {
			t.Devices = append(t.Devices, device{ID: d, Data: st.byTenant[id][d].Data})
		}
		out = append(out, t)
	}
	st.mu.RUnlock()
	return atomicfile.WriteJSON(path, out, 0o600)
}

// Assertion is the payload of a successful "assert" response.
type Assertion struct {
	DeviceID  string         `json:"device-id"`
	Assertion string         `json:"assertion"`
	Defaults  map[string]any `json:"defaults,omitempty"`
}

// Assert answers a registration "assert" (BaseRegistrationService): 404
// for an unknown or disabled device; with a gateway, 403 unless the
// gateway is enabled and named in the device's "via".
func (st *DeviceStore) Assert(key *Key, lifetime time.Duration, tenant, device, gateway string, now time.Time) (int, *Assertion, error) {
	d, ok := st.Get(tenant, device)
	if !ok || !d.Enabled() {
		return StatusNotFound, nil, nil
	}
	if gateway != "" {
		gw, ok := st.Get(tenant, gateway)
		if !ok || !gw.Enabled() || d.Via() != gateway {
			return StatusForbidden, nil, nil
		}
	}
	tok, err := key.Assertion(tenant, device, lifetime, now)
	if err != nil {
		return 0, nil, err
	}
	return StatusOK, &Assertion{DeviceID: device, Assertion: tok, Defaults: d.Defaults()}, nil
}
