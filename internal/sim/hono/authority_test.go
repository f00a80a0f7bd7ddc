package hono

import (
	"reflect"
	"testing"
)

func TestParseResource(t *testing.T) {
	tests := []struct {
		in, endpoint, tenant, id, base string
	}{
		{"telemetry/DEFAULT_TENANT/4711", "telemetry", "DEFAULT_TENANT", "4711", "telemetry/DEFAULT_TENANT"},
		{"telemetry/DEFAULT_TENANT", "telemetry", "DEFAULT_TENANT", "", "telemetry/DEFAULT_TENANT"},
		{"tenant", "tenant", "", "", "tenant"},
		{"cbs", "cbs", "", "", "cbs"},
		{"telemetry//4711", "telemetry", "", "", "telemetry"},
		{"registration/T/reply/extra", "registration", "T", "reply", "registration/T"},
	}
	for _, tt := range tests {
		r := ParseResource(tt.in)
		if r.Endpoint() != tt.endpoint || r.Tenant() != tt.tenant || r.ID() != tt.id || r.Base() != tt.base {
			t.Errorf("ParseResource(%q) = %q %q %q base %q, want %q %q %q base %q", tt.in,
				r.Endpoint(), r.Tenant(), r.ID(), r.Base(), tt.endpoint, tt.tenant, tt.id, tt.base)
		}
	}
}

// TestAuthoritiesOfDemoUsers checks the lookup order of AuthoritiesImpl
// with the roles of Hono's example permissions.
func TestAuthoritiesOfDemoUsers(t *testing.T) {
	p := mustPermissions(t)
	tests := []struct {
		name     string
		user     string
		resource string
		intent   Activity
		want     bool
	}{
		{"adapter writes telemetry of a tenant", "http-adapter@HONO", "telemetry/DEFAULT_TENANT", Write, true},
		{"adapter writes telemetry of a device", "http-adapter@HONO", "telemetry/DEFAULT_TENANT/4711", Write, true},
		{"adapter may not read telemetry", "http-adapter@HONO", "telemetry/DEFAULT_TENANT", Read, false},
		{"adapter reads registration replies", "mqtt-adapter@HONO", "registration/DEFAULT_TENANT/reply-1", Read, true},
		{"adapter writes tenant requests", "kura-adapter@HONO", "tenant", Write, true},
		{"endpoint grant covers tenant replies", "kura-adapter@HONO", "tenant/reply-1", Read, true},
		{"consumer reads telemetry", "consumer@HONO", "telemetry/DEFAULT_TENANT", Read, true},
		{"consumer reads events", "consumer@HONO", "event/HTTP_TENANT", Read, true},
		{"consumer may not write telemetry", "consumer@HONO", "telemetry/DEFAULT_TENANT", Write, false},
		{"consumer writes control", "consumer@HONO", "control/DEFAULT_TENANT/4711", Write, true},
		{"consumer has no registry access", "consumer@HONO", "credentials/DEFAULT_TENANT", Read, false},
		{"endpoint without tenant matches no wildcard", "consumer@HONO", "telemetry", Read, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pr := p.principal(p.users[tt.user], "")
			if got := pr.Authorities.Allowed(ParseResource(tt.resource), tt.intent); got != tt.want {
				t.Errorf("%s %c on %s = %v, want %v (authorities %v)", tt.user, tt.intent, tt.resource, got, tt.want, pr.Authorities)
			}
		})
	}
}

func TestAllowedOperation(t *testing.T) {
	p := mustPermissions(t)
	tests := []struct {
		user, resource, op string
		want               bool
	}{
		{"http-adapter@HONO", "registration/DEFAULT_TENANT", "assert", true},
		{"http-adapter@HONO", "registration/DEFAULT_TENANT", "register", false},
		{"http-adapter@HONO", "credentials/DEFAULT_TENANT", "get", true},
		{"http-adapter@HONO", "credentials/DEFAULT_TENANT", "add", false},
		{"http-adapter@HONO", "tenant/DEFAULT_TENANT", "get", true},
		{"hono-client@HONO", "registration/DEFAULT_TENANT", "register", true},
		{"consumer@HONO", "registration/DEFAULT_TENANT", "assert", false},
	}
	for _, tt := range tests {
		pr := p.principal(p.users[tt.user], "")
		if got := pr.Authorities.AllowedOperation(ParseResource(tt.resource), tt.op); got != tt.want {
			t.Errorf("%s %s on %s = %v, want %v", tt.user, tt.op, tt.resource, got, tt.want)
		}
	}
}

// TestAllowedLookupLevels walks every level of Hono's lookup, each time
// with a grant on that level only.
func TestAllowedLookupLevels(t *testing.T) {
	r := ParseResource("event/T1/dev")
	for _, key := range []string{"event/T1/dev", "event/T1", "event/*", "event", "*"} {
		a := Authorities{}
		a.AddResource(key, Read)
		if !a.Allowed(r, Read) {
			t.Errorf("grant on %q does not allow READ on %s", key, r)
		}
		if a.Allowed(r, Write) {
			t.Errorf("READ grant on %q allows WRITE on %s", key, r)
		}
		o := Authorities{}
		o.AddOperation(key, "*")
		if !o.AllowedOperation(r, "get") {
			t.Errorf("operation grant %q:* does not allow get on %s", key, r)
		}
	}
	a := Authorities{"r:event/T1": "*"}
	if !a.Allowed(r, Execute) {
		t.Error(`activities "*" do not allow EXECUTE`)
	}
	for _, key := range []string{"event/T2", "event/T1/other", "telemetry/*"} {
		a := Authorities{}
		a.AddResource(key, Read, Write, Execute)
		if a.Allowed(r, Read) {
			t.Errorf("grant on %q allows READ on %s", key, r)
		}
	}
}

func TestAuthoritiesFromClaimsIgnoresOthers(t *testing.T) {
	got := AuthoritiesFromClaims(map[string]any{
		"iss": "Hono", "sub": "x", "exp": 1.0, "r:telemetry/*": "W", "o:tenant/*:*": "E", "r:bad": 3.0,
	})
	want := Authorities{"r:telemetry/*": "W", "o:tenant/*:*": "E"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

func TestAddressAuthz(t *testing.T) {
	p := mustPermissions(t)
	got := p.principal(p.users["consumer@HONO"], "").Authorities.AddressAuthz()
	want := map[string][]string{
		"telemetry/*": {"recv"},
		"event/*":     {"recv"},
		"control/*":   {"recv", "send"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("consumer's address-authz = %v, want %v", got, want)
	}
	got = p.principal(p.users["http-adapter@HONO"], "").Authorities.AddressAuthz()
	if len(got["telemetry/*"]) != 1 || got["telemetry/*"][0] != "send" {
		t.Errorf("adapter's telemetry/* = %v, want [send]", got["telemetry/*"])
	}
	for addr := range got {
		if addr[:2] == "o:" || addr == "registration/*:assert" {
			t.Errorf("operation %q leaked into address-authz", addr)
		}
	}
}
