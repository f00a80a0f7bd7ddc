package hono

import (
	"fmt"
	"time"
)

// Status codes of registry responses (HTTP-style, as Hono sends them).
const (
	StatusOK             = 200
	StatusBadRequest     = 400
	StatusForbidden      = 403
	StatusNotFound       = 404
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
// (FileBasedRegistrationService).
type DeviceStore struct {
	byTenant map[string]map[string]Device
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
	m := st.byTenant[tenant]
	if m == nil {
		m = map[string]Device{}
		st.byTenant[tenant] = m
	}
	m[d.ID] = d
}

// Get returns a registered device.
func (st *DeviceStore) Get(tenant, id string) (Device, bool) {
	d, ok := st.byTenant[tenant][id]
	return d, ok
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
