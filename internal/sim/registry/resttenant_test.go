package registry

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/honoctl/honoctl/internal/sim/hono"
	"github.com/honoctl/honoctl/internal/sim/hono/simtest"
)

func TestRESTTenant(t *testing.T) {
	st := simtest.NewStack(t)
	r := startRegistry(t, st)
	base := r.rest + "/tenant"

	res := curl(t, st, "POST", base, "application/json", `{"tenant-id":"NEW","adapters":[{"type":"hono-http"}]}`)
	res.want(t, "add NEW", 201)
	if loc := res.header.Get("Location"); loc != "/tenant/NEW" {
		t.Errorf("Location %q", loc)
	}
	curl(t, st, "POST", base, "application/json", `{"tenant-id":"NEW"}`).want(t, "add NEW again", 409)
	for _, tt := range []struct{ name, contentType, body string }{
		{"no content-type", "-", `{"tenant-id":"X"}`},
		{"text/plain", "text/plain", `{"tenant-id":"X"}`},
		{"no body", "application/json", ""},
		{"not an object", "application/json", `[1]`},
		{"no tenant-id", "application/json", `{"enabled":true}`},
		{"numeric tenant-id", "application/json", `{"tenant-id":5}`},
		{"empty adapters", "application/json", `{"tenant-id":"X","adapters":[]}`},
		{"adapter without type", "application/json", `{"tenant-id":"X","adapters":[{"enabled":true}]}`},
		{"enabled not a boolean", "application/json", `{"tenant-id":"X","enabled":"yes"}`},
	} {
		curl(t, st, "POST", base, tt.contentType, tt.body).want(t, "add, "+tt.name, 400)
	}
	curl(t, st, "GET", base+"/X", "-", "").want(t, "a refused tenant is not added", 404)

	// Two tenants may not trust the same CA.
	curl(t, st, "POST", base, "application/json", `{"tenant-id":"CA1","trusted-ca":{"subject-dn":"CN=ca1"}}`).
		want(t, "add CA1", 201)
	curl(t, st, "POST", base, "application/json", `{"tenant-id":"CA2","trusted-ca":{"subject-dn":"CN=ca1"}}`).
		want(t, "add CA2 with CA1's CA", 409)

	// The defaults of BaseTenantService are stored and returned.
	got := curl(t, st, "GET", base+"/NEW", "-", "")
	got.want(t, "get NEW", 200)
	want := map[string]any{"tenant-id": "NEW", "enabled": true, "adapters": []any{
		map[string]any{"type": "hono-http", "enabled": true, "device-authentication-required": true}}}
	if m := got.json(t); !jsonEqual(m, want) {
		t.Errorf("get NEW: %v, want %v", m, want)
	}
	if m := curl(t, st, "GET", base+"/DEFAULT_TENANT", "-", "").json(t); !jsonEqual(m,
		map[string]any{"tenant-id": "DEFAULT_TENANT", "enabled": true, "adapters": nil}) {
		t.Errorf("get DEFAULT_TENANT: %v", m)
	}
	curl(t, st, "GET", base+"/NOPE", "-", "").want(t, "get unknown", 404)

	curl(t, st, "PUT", base+"/NEW", "application/json", `{"tenant-id":"IGNORED","enabled":false}`).want(t, "update NEW", 204)
	curl(t, st, "PUT", base+"/NOPE", "application/json", `{}`).want(t, "update unknown", 404)
	curl(t, st, "PUT", base+"/NEW", "-", `{}`).want(t, "update without content-type", 400)
	curl(t, st, "PUT", base+"/NEW", "application/json", `{"adapters":"all"}`).want(t, "update with bad adapters", 400)
	curl(t, st, "PUT", base+"/NEW", "application/json", `{"trusted-ca":{"subject-dn":"CN=ca1"}}`).
		want(t, "update to CA1's CA", 409)
	if m := curl(t, st, "GET", base+"/NEW", "-", "").json(t); !jsonEqual(m,
		map[string]any{"tenant-id": "NEW", "enabled": false, "adapters": nil}) {
		t.Errorf("after update: %v, want the body that replaced it", m)
	}
	curl(t, st, "GET", base+"/IGNORED", "-", "").want(t, "the body's tenant-id on update", 404)

	// Saved in the format the registry reads.
	saved, err := hono.LoadTenants(filepath.Join(st.Data, "tenants.json"))
	if err != nil {
		t.Fatal(err)
	}
	if ten, ok := saved.Get("NEW"); !ok || ten.Enabled {
		t.Errorf("saved NEW = %+v, %v; want it, disabled", ten, ok)
	}
	if _, ok := saved.Get("HTTP_TENANT"); !ok {
		t.Error("saving lost the seeded HTTP_TENANT")
	}

	curl(t, st, "DELETE", base+"/NEW", "-", "").want(t, "remove NEW", 204)
	curl(t, st, "DELETE", base+"/NEW", "-", "").want(t, "remove NEW again", 404)
	curl(t, st, "GET", base+"/NEW", "-", "").want(t, "get removed", 404)
	curl(t, st, "PATCH", base+"/DEFAULT_TENANT", "application/json", `{}`).want(t, "unrouted method", 404)
	curl(t, st, "GET", base, "-", "").want(t, "GET /tenant", 404)
}

// TestRESTTenantModificationDisabled: as in Hono 0.7, modificationEnabled
// refuses updates and removals of tenants, not additions.
func TestRESTTenantModificationDisabled(t *testing.T) {
	st := simtest.NewStack(t)
	r := startRegistry(t, st, "HONO_TENANT_SVC_MODIFICATION_ENABLED=false")
	base := r.rest + "/tenant"
	curl(t, st, "POST", base, "application/json", `{"tenant-id":"NEW"}`).want(t, "add (Hono 0.7 allows it)", 201)
	curl(t, st, "PUT", base+"/NEW", "application/json", `{"enabled":false}`).want(t, "update", 403)
	curl(t, st, "DELETE", base+"/NEW", "-", "").want(t, "remove", 403)
	if !r.log.Contains("modification of registered tenants has been disabled") {
		t.Error("the registry does not log that tenant modification is disabled")
	}
}

// TestRESTTenantThenAMQP: a tenant disabled over REST reads disabled on
// the AMQP tenant API at once, so that adapters refuse its devices; Hono
// 0.7's registration assert does not look at the tenant and still
// answers 200. A removed tenant is unknown (404).
func TestRESTTenantThenAMQP(t *testing.T) {
	st := simtest.NewStack(t)
	r := startRegistryWithAuth(t, st)
	sess := dial(t, st, r.amqp, "http-adapter@HONO", "http-secret")
	ten := newClient(t, sess, "tenant", "tenant/tenant-rest")
	reg := newClient(t, sess, "registration/DEFAULT_TENANT", "registration/DEFAULT_TENANT/reg-rest")
	get := func() (any, hono.Tenant) {
		t.Helper()
		resp := ten.call("get", nil, []byte(`{"tenant-id":"DEFAULT_TENANT"}`))
		if resp.Value == nil {
			return status(resp), hono.Tenant{}
		}
		tt, err := hono.ParseTenant(payload(t, resp))
		if err != nil {
			t.Fatal(err)
		}
		return status(resp), tt
	}

	if code, tt := get(); code != int32(200) || !tt.AdapterEnabled(hono.AdapterHTTP) {
		t.Fatalf("before: status %v, tenant %+v", code, tt)
	}
	curl(t, st, "PUT", r.rest+"/tenant/DEFAULT_TENANT", "application/json", `{"enabled":false}`).
		want(t, "disable DEFAULT_TENANT", 204)
	if code, tt := get(); code != int32(200) || tt.Enabled || tt.AdapterEnabled(hono.AdapterHTTP) {
		t.Errorf("disabled: status %v, tenant %+v; want 200 and a disabled tenant", code, tt)
	}
	if code := status(reg.call("assert", map[string]any{"device_id": "4711"}, nil)); code != int32(200) {
		t.Errorf("assert in a disabled tenant: status %v, want 200 as Hono 0.7", code)
	}

	curl(t, st, "DELETE", r.rest+"/tenant/DEFAULT_TENANT", "-", "").want(t, "remove DEFAULT_TENANT", 204)
	if code, _ := get(); code != int32(404) {
		t.Errorf("removed: status %v, want 404", code)
	}
}

// TestRESTTenantRestart: a tenant added over REST is there after a
// restart, read from the saved tenants.json.
func TestRESTTenantRestart(t *testing.T) {
	st := simtest.NewStack(t)
	r := startRegistry(t, st)
	curl(t, st, "POST", r.rest+"/tenant", "application/json", `{"tenant-id":"KEPT","max-ttd":12345678901234567}`).
		want(t, "add KEPT", 201)
	again := startRegistry(t, st)
	got := curl(t, st, "GET", again.rest+"/tenant/KEPT", "-", "")
	got.want(t, "KEPT after restart", 200)
	if !strings.Contains(got.body, `"max-ttd":12345678901234567`) {
		t.Errorf("KEPT after restart: %s, want the number as written", got.body)
	}
}
