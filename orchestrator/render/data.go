package render

import (
	"crypto/sha512"
	"encoding/base64"
	"encoding/json"
	"fmt"

	"github.com/honoctl/honoctl/orchestrator/topology"
)

// Demo data of Hono 0.7 (deploy/src/main/deploy, facts sheet section 5).
const (
	DefaultTenant = "DEFAULT_TENANT"
	DemoDevice    = "4711"
	DemoAuthID    = "sensor1"
	DemoPassword  = "hono-secret"
)

// plainSecret is each client's PLAIN password: the adapters' from Hono's
// demo files. Hono Messaging has none in Hono's demo, which gives it only a
// certificate; ours is used when TLS is off on its link to the router and
// there is no certificate to log in with.
var plainSecret = map[topology.Role]string{
	topology.RoleHTTPAdapter: "http-secret",
	topology.RoleMQTTAdapter: "mqtt-secret",
	topology.RoleKuraAdapter: "kura-secret",
	topology.RoleMessaging:   "messaging-secret",
}

// AdapterUser is a service's PLAIN user name, "http-adapter@HONO".
func AdapterUser(s topology.Service) string { return s.CertName + "@HONO" }

// credentialsFile renders a .credentials file: a Java properties file Hono
// reads through credentialsPath, so the password never appears in the
// compose file or the environment.
func credentialsFile(s topology.Service) []byte {
	return fmt.Appendf(nil, "username=%s\npassword=%s\n", AdapterUser(s), plainSecret[s.Role])
}

// needsCredentials reports whether s logs in with PLAIN somewhere: every
// adapter (to the Device Registry), Hono Messaging only when its link to the
// router runs without TLS.
func (r *renderer) needsCredentials(s topology.Service) bool {
	if s.Role.IsAdapter() {
		return true
	}
	if s.Role != topology.RoleMessaging {
		return false
	}
	l, err := r.link(topology.ChannelMessagingRouter, s.Name)
	return err == nil && l.SASL == topology.SASLPlain
}

type authority = map[string]any

// permissions renders the Auth Server's users and roles: Hono's
// example-permissions.json, with users only for the adapters that run.
func (r *renderer) permissions() ([]byte, error) {
	users := map[string]any{
		"hono-client@HONO": plainUser("secret", "protocol-adapter", "device-manager"),
		"consumer@HONO":    plainUser("verysecret", "application"),
		// Hono's own services log in with their certificates; the Auth
		// Server maps SASL EXTERNAL peers by the CN.
		"hono-messaging":  map[string]any{"mechanism": "EXTERNAL", "authorities": []string{}},
		"device-registry": map[string]any{"mechanism": "EXTERNAL", "authorities": []string{}},
		// The router's authServicePlugin connects with its certificate too.
		"qdrouter": map[string]any{"mechanism": "EXTERNAL", "authorities": []string{}},
	}
	for _, s := range r.top.Services {
		switch {
		case s.Role.IsAdapter():
			users[AdapterUser(s)] = plainUser(plainSecret[s.Role], "hono-component", "protocol-adapter")
		case r.needsCredentials(s):
			users[AdapterUser(s)] = plainUser(plainSecret[s.Role], "protocol-adapter")
		}
	}
	rw := func(res string, act ...string) authority { return authority{"resource": res, "activities": act} }
	op := func(res, name string) authority {
		return authority{"operation": res + ":" + name, "activities": []string{"EXECUTE"}}
	}
	doc := map[string]any{
		"roles": map[string]any{
			"protocol-adapter": []authority{
				rw("telemetry/*", "WRITE"), rw("event/*", "WRITE"),
				rw("registration/*", "READ", "WRITE"), op("registration/*", "assert"),
				rw("credentials/*", "READ", "WRITE"), op("credentials/*", "get"),
				rw("tenant", "READ", "WRITE"), op("tenant/*", "*"),
			},
			"device-manager": []authority{rw("registration/*", "READ", "WRITE"), op("registration/*", "*")},
			"application": []authority{
				rw("telemetry/*", "READ"), rw("event/*", "READ"), rw("control/*", "READ", "WRITE"),
			},
		},
		"users": users,
	}
	return jsonFile(doc)
}

func plainUser(password string, roles ...string) map[string]any {
	return map[string]any{"mechanism": "PLAIN", "password": password, "authorities": roles}
}

// tenants are Hono's example tenants.
func tenants() ([]byte, error) {
	adapter := func(typ string, on bool) map[string]any {
		return map[string]any{"type": typ, "enabled": on, "device-authentication-required": true}
	}
	return jsonFile([]map[string]any{
		{"tenant-id": DefaultTenant, "enabled": true},
		{"tenant-id": "HTTP_TENANT", "enabled": true, "adapters": []map[string]any{
			adapter("hono-http", true), adapter("hono-mqtt", false), adapter("hono-kura-mqtt", false),
		}},
	})
}

// credentials are Hono's example credentials: sensor1 of device 4711 with
// two passwords, and the gateway gw-1.
func credentials() ([]byte, error) {
	secret := func(salt, password string) map[string]any {
		return map[string]any{
			"not-before": "2017-05-01T14:00:00+01:00", "not-after": "2037-06-01T14:00:00+01:00",
			"hash-function": "sha-512", "salt": base64.StdEncoding.EncodeToString([]byte(salt)),
			"pwd-hash": pwdHash(salt, password),
		}
	}
	return jsonFile([]map[string]any{{
		"tenant": DefaultTenant,
		"credentials": []map[string]any{
			{"device-id": DemoDevice, "type": "hashed-password", "auth-id": DemoAuthID, "enabled": true,
				"secrets": []any{secret("hono", DemoPassword), secret("hono2", "hono-secret2")}},
			{"device-id": "gw-1", "type": "hashed-password", "auth-id": "gw", "enabled": true,
				"secrets": []any{secret("gwsalt", "gw-secret")}},
		},
	}})
}

// pwdHash is Hono's hashed-password: Base64(SHA-512(salt ‖ password)).
func pwdHash(salt, password string) string {
	sum := sha512.Sum512(append([]byte(salt), password...))
	return base64.StdEncoding.EncodeToString(sum[:])
}

// devices registers 4711 (so telemetry works at once, without the
// getting-started curl to the registry), the gateway gw-1 and 4712 behind it.
func devices() ([]byte, error) {
	return jsonFile([]map[string]any{{
		"tenant": DefaultTenant,
		"devices": []map[string]any{
			{"device-id": DemoDevice, "data": map[string]any{"enabled": true,
				"defaults": map[string]any{"content-type": "application/vnd.bumlux", "importance": "high"}}},
			{"device-id": "4712", "data": map[string]any{"enabled": true, "via": "gw-1"}},
			{"device-id": "gw-1", "data": map[string]any{"enabled": true}},
		},
	}})
}

func jsonFile(v any) ([]byte, error) {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}
