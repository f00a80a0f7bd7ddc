package hono

import (
	"errors"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"
)

func mustCredentials(t *testing.T) *CredentialsStore {
	t.Helper()
	st, err := LoadCredentials(refFile("example-credentials.json"))
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// TestDemoPasswords checks the demo devices' passwords against Hono's
// example credentials (sha-512 over salt ‖ password).
func TestDemoPasswords(t *testing.T) {
	st := mustCredentials(t)
	tests := []struct {
		authID, password string
		want             error
	}{
		{"sensor1", "hono-secret", nil},
		{"sensor1", "hono-secret2", nil},
		{"sensor1", "hono-secret3", ErrBadPassword},
		{"sensor1", "", ErrBadPassword},
		{"gw", "gw-secret", nil},
		{"gw", "hono-secret", ErrBadPassword},
	}
	for _, tt := range tests {
		c, ok := st.Get("DEFAULT_TENANT", TypeHashedPassword, tt.authID, nil)
		if !ok {
			t.Fatalf("no credentials for %s", tt.authID)
		}
		if err := c.VerifyPassword(tt.password, t0); !errors.Is(err, tt.want) {
			t.Errorf("%s/%q: err = %v, want %v", tt.authID, tt.password, err, tt.want)
		}
	}
	// The secrets are valid 2017-05-01 to 2037-06-01 only.
	c, _ := st.Get("DEFAULT_TENANT", TypeHashedPassword, "sensor1", nil)
	for _, at := range []time.Time{
		time.Date(2017, 4, 30, 0, 0, 0, 0, time.UTC),
		time.Date(2037, 6, 2, 0, 0, 0, 0, time.UTC),
	} {
		if err := c.VerifyPassword("hono-secret", at); !errors.Is(err, ErrBadPassword) {
			t.Errorf("at %v (outside the window): err = %v, want ErrBadPassword", at, err)
		}
	}
	if c.DeviceID != "4711" || c.Raw["auth-id"] != "sensor1" {
		t.Errorf("credential = %+v", c)
	}
}

func TestCredentialsGet(t *testing.T) {
	st := mustCredentials(t)
	tests := []struct {
		name                string
		tenant, typ, authID string
		ctx                 map[string]any
		wantOK              bool
	}{
		{"found", "DEFAULT_TENANT", TypeHashedPassword, "sensor1", nil, true},
		{"other tenant", "HTTP_TENANT", TypeHashedPassword, "sensor1", nil, false},
		{"other type", "DEFAULT_TENANT", TypePresharedKey, "sensor1", nil, false},
		{"unknown auth-id", "DEFAULT_TENANT", TypeHashedPassword, "sensor9", nil, false},
		{"client context matches", "DEFAULT_TENANT", TypeHashedPassword, "sensor1", map[string]any{"device-id": "4711"}, true},
		{"client context differs", "DEFAULT_TENANT", TypeHashedPassword, "sensor1", map[string]any{"device-id": "4712"}, false},
		{"client context field absent", "DEFAULT_TENANT", TypeHashedPassword, "sensor1", map[string]any{"serial": "1"}, false},
	}
	for _, tt := range tests {
		_, ok := st.Get(tt.tenant, tt.typ, tt.authID, tt.ctx)
		if ok != tt.wantOK {
			t.Errorf("%s: found = %v, want %v", tt.name, ok, tt.wantOK)
		}
	}
}

func TestVerifyPasswordHashFunctions(t *testing.T) {
	sha256Hash, err := HashPassword("", []byte("salt"), "pw")
	if err != nil {
		t.Fatal(err)
	}
	bc, err := bcrypt.GenerateFromPassword([]byte("pw"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		secret map[string]any
		want   string // "" when "pw" must verify
	}{
		{"default is sha-256", map[string]any{"salt": "c2FsdA==", "pwd-hash": sha256Hash}, ""},
		{"sha-256 without the salt fails", map[string]any{"pwd-hash": sha256Hash}, "bad credentials"},
		{"bcrypt", map[string]any{"hash-function": "bcrypt", "pwd-hash": string(bc)}, ""},
		{"unsupported", map[string]any{"hash-function": "pbkdf2", "pwd-hash": "x"}, `hash function "pbkdf2" not supported`},
	}
	for _, tt := range tests {
		c, err := ParseCredential(map[string]any{
			"device-id": "d", "auth-id": "a", "type": TypeHashedPassword, "secrets": []any{tt.secret},
		})
		if err != nil {
			t.Fatal(err)
		}
		err = c.VerifyPassword("pw", t0)
		if tt.want == "" && err != nil || tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)) {
			t.Errorf("%s: err = %v, want %q", tt.name, err, tt.want)
		}
	}
	c, _ := ParseCredential(map[string]any{"device-id": "d", "auth-id": "a", "type": TypeHashedPassword, "enabled": false,
		"secrets": []any{map[string]any{"salt": "c2FsdA==", "pwd-hash": sha256Hash}}})
	if err := c.VerifyPassword("pw", t0); !errors.Is(err, ErrBadPassword) || !strings.Contains(err.Error(), "disabled") {
		t.Errorf("disabled credential: err = %v", err)
	}
}

func TestParseCredentialErrors(t *testing.T) {
	tests := []struct {
		name string
		raw  map[string]any
		want string
	}{
		{"no type", map[string]any{"device-id": "d", "auth-id": "a"}, "needs device-id, auth-id and type"},
		{"bad salt", map[string]any{"device-id": "d", "auth-id": "a", "type": "t",
			"secrets": []any{map[string]any{"salt": "!!"}}}, "secret 0: salt is not Base64"},
		{"bad date", map[string]any{"device-id": "d", "auth-id": "a", "type": "t",
			"secrets": []any{map[string]any{"not-after": "2037-06-01"}}}, `not-after "2037-06-01" is not an ISO date-time`},
		{"bad enabled", map[string]any{"device-id": "d", "auth-id": "a", "type": "t", "enabled": "yes"}, `"enabled" is yes`},
	}
	for _, tt := range tests {
		_, err := ParseCredential(tt.raw)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err = %v, want %q", tt.name, err, tt.want)
		}
	}
	_, err := LoadCredentials(writeFile(t, "credentials.json", `[{"tenant":"T","credentials":[{"auth-id":"a"}]}]`))
	if err == nil || !strings.Contains(err.Error(), "credentials.json, tenant T") {
		t.Errorf("bad file: err = %v, want the file and tenant named", err)
	}
}

func TestTenants(t *testing.T) {
	st, err := LoadTenants(refFile("example-tenants.json"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		tenant, adapter string
		want            bool
	}{
		{"DEFAULT_TENANT", AdapterHTTP, true},
		{"DEFAULT_TENANT", AdapterKura, true},
		{"HTTP_TENANT", AdapterHTTP, true},
		{"HTTP_TENANT", AdapterMQTT, false},
		{"HTTP_TENANT", AdapterKura, false},
		{"HTTP_TENANT", AdapterAMQP, false}, // not listed: disabled
	}
	for _, tt := range tests {
		ten, ok := st.Get(tt.tenant)
		if !ok {
			t.Fatalf("no tenant %s", tt.tenant)
		}
		if got := ten.AdapterEnabled(tt.adapter); got != tt.want {
			t.Errorf("%s/%s enabled = %v, want %v", tt.tenant, tt.adapter, got, tt.want)
		}
	}
	if _, ok := st.Get("NO_TENANT"); ok {
		t.Error("unknown tenant found")
	}
	ten, _ := st.Get("HTTP_TENANT")
	if !ten.Adapters[AdapterHTTP].DeviceAuthentication || ten.Raw["tenant-id"] != "HTTP_TENANT" {
		t.Errorf("HTTP_TENANT = %+v", ten)
	}

	off, err := ParseTenant(map[string]any{"tenant-id": "OFF", "enabled": false})
	if err != nil {
		t.Fatal(err)
	}
	if off.AdapterEnabled(AdapterHTTP) {
		t.Error("a disabled tenant enables an adapter")
	}
	ca, _ := ParseTenant(map[string]any{"tenant-id": "CA", "trusted-ca": map[string]any{"subject-dn": "CN=ca,OU=Hono"}})
	st2 := &TenantStore{byID: map[string]Tenant{"CA": ca}, ids: []string{"CA"}}
	if got, ok := st2.BySubjectDN("CN=ca,OU=Hono"); !ok || got.ID != "CA" {
		t.Errorf("BySubjectDN = %+v, %v", got, ok)
	}
	_, err = LoadTenants(writeFile(t, "tenants.json", `[{"tenant-id":"A"},{"tenant-id":"A"}]`))
	if err == nil || !strings.Contains(err.Error(), "tenant A listed twice") {
		t.Errorf("duplicate tenant: err = %v", err)
	}
}

func TestAssert(t *testing.T) {
	st, err := LoadDevices(refFile("example-device-identities.json"))
	if err != nil {
		t.Fatal(err)
	}
	st.Add("DEFAULT_TENANT", Device{ID: "off", Data: map[string]any{"enabled": false}})
	st.Add("DEFAULT_TENANT", Device{ID: "via-off", Data: map[string]any{"via": "off"}})
	key, _ := SecretKey(demoSecret)
	tests := []struct {
		name            string
		device, gateway string
		want            int
	}{
		{"registered device", "4711", "", StatusOK},
		{"unknown device", "4799", "", StatusNotFound},
		{"disabled device", "off", "", StatusNotFound},
		{"through its gateway", "4712", "gw-1", StatusOK},
		{"through another gateway", "4711", "gw-1", StatusForbidden},
		{"through an unknown gateway", "4712", "gw-9", StatusForbidden},
		{"through a disabled gateway", "via-off", "off", StatusForbidden},
	}
	for _, tt := range tests {
		status, a, err := st.Assert(key, DefaultAssertionLifetime, "DEFAULT_TENANT", tt.device, tt.gateway, t0)
		if err != nil {
			t.Fatal(err)
		}
		if status != tt.want {
			t.Errorf("%s: status %d, want %d", tt.name, status, tt.want)
			continue
		}
		if status != StatusOK {
			continue
		}
		if err := key.CheckAssertion(a.Assertion, "DEFAULT_TENANT", tt.device, t0); err != nil {
			t.Errorf("%s: assertion does not validate: %v", tt.name, err)
		}
	}
	_, a, _ := st.Assert(key, DefaultAssertionLifetime, "DEFAULT_TENANT", "4711", "", t0)
	if a.Defaults["content-type"] != "application/vnd.bumlux" || a.DeviceID != "4711" {
		t.Errorf("assertion payload = %+v, want 4711's defaults", a)
	}
	if got := CacheMaxAge(DefaultAssertionLifetime); got != "max-age = 600" {
		t.Errorf("CacheMaxAge = %q, want Hono's %q", got, "max-age = 600")
	}
}
