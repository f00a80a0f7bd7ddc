package config

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/honoctl/honoctl/orchestrator/topology"
)

// reference is the folder of the rendered reference configuration.
const reference = "../../../compose/sim/config/"

func mustLoad(t *testing.T, role topology.Role, src Sources) *Service {
	t.Helper()
	svc, err := Load(role, src)
	if err != nil {
		t.Fatalf("Load(%s): %v", role, err)
	}
	return svc
}

func TestLoadReferenceConfigs(t *testing.T) {
	tests := []struct {
		role topology.Role
		file string
	}{
		{topology.RoleAuth, "hono-service-auth-config.yml"},
		{topology.RoleRegistry, "hono-service-device-registry-config.yml"},
		{topology.RoleMessaging, "hono-service-messaging-config.yml"},
		{topology.RoleHTTPAdapter, "hono-adapter-http-vertx-config.yml"},
		{topology.RoleMQTTAdapter, "hono-adapter-mqtt-vertx-config.yml"},
		{topology.RoleKuraAdapter, "hono-adapter-kura-config.yml"},
	}
	for _, tt := range tests {
		t.Run(string(tt.role), func(t *testing.T) {
			abs, _ := filepath.Abs(reference + tt.file)
			svc := mustLoad(t, tt.role, Sources{Location: "file://" + abs})
			if len(svc.Warnings) != 0 {
				t.Errorf("the rendered file should bind without warnings, got:\n%s",
					strings.Join(svc.Warnings, "\n"))
			}
			if svc.App.HealthCheckPort != 8088 || svc.App.HealthCheckBindAddress != "0.0.0.0" {
				t.Errorf("hono.app = %+v, want health check on 0.0.0.0:8088", svc.App)
			}
			if !slices.Equal(svc.Files, []string{abs}) {
				t.Errorf("Files = %v, want [%s]", svc.Files, abs)
			}
		})
	}
}

func TestLoadReferenceValues(t *testing.T) {
	msg := mustLoad(t, topology.RoleMessaging, Sources{Location: reference + "hono-service-messaging-config.yml"})
	down := msg.Client("hono.downstream")
	if down.Host != "hono-dispatch-router.hono" || down.Port != 5673 || down.AmqpHostname != "hono-internal" {
		t.Errorf("hono.downstream = %s:%d %q", down.Host, down.Port, down.AmqpHostname)
	}
	if down.KeyPath != "/run/secrets/hono-messaging-key.pem" || !down.UsesTLS() || !down.HostnameVerificationRequired {
		t.Errorf("hono.downstream TLS = %+v", down.TLS)
	}
	if got := msg.MessagingValidation.SharedSecret; got != "g#aWO!BUm7aj*#%X*VGXKFhxkhNrMNj0" {
		t.Errorf("hono.messaging.validation.sharedSecret = %q", got)
	}
	if got := msg.AuthValidation.CertPath; got != "/run/secrets/auth-server-cert.pem" {
		t.Errorf("hono.auth.validation.certPath = %q", got)
	}
	srv := msg.Server("hono.messaging")
	if srv.BindAddress != "0.0.0.0" || srv.SecurePort(0) != 5671 || srv.InsecureEnabled() {
		t.Errorf("hono.messaging server = %+v", srv)
	}

	reg := mustLoad(t, topology.RoleRegistry, Sources{Location: reference + "hono-service-device-registry-config.yml"})
	if reg.Registry.Filename != "/var/lib/hono/device-registry/device-identities.json" || !reg.Registry.SaveToFile {
		t.Errorf("hono.registry.svc = %+v", reg.Registry)
	}
	if reg.Registry.Signing.SharedSecret == "" || reg.Registry.Signing.TokenExpiration != 600 {
		t.Errorf("hono.registry.svc.signing = %+v", reg.Registry.Signing)
	}
	if reg.Credentials.Filename != "/var/lib/hono/device-registry/credentials.json" {
		t.Errorf("hono.credentials.svc.filename = %q", reg.Credentials.Filename)
	}

	auth := mustLoad(t, topology.RoleAuth, Sources{Location: reference + "hono-service-auth-config.yml"})
	p, err := ResourcePath(auth.AuthService.PermissionsPath)
	if err != nil || p != "/run/secrets/permissions.json" {
		t.Errorf("permissionsPath resolves to %q, %v", p, err)
	}

	http := mustLoad(t, topology.RoleHTTPAdapter, Sources{Location: reference + "hono-adapter-http-vertx-config.yml"})
	m := http.Client("hono.messaging")
	if m.CredentialsPath != "/run/secrets/http-adapter.credentials" || !http.Adapter.AuthenticationRequired {
		t.Errorf("adapter config: messaging %+v, adapter %+v", m, http.Adapter)
	}
}

func TestDefaults(t *testing.T) {
	svc := mustLoad(t, topology.RoleAuth, Sources{})
	s := svc.Server("hono.auth.amqp")
	if s.BindAddress != "127.0.0.1" || !slices.Equal(s.SecureProtocols, []string{"TLSv1.2"}) ||
		s.MaxPayloadSize != 2048 || s.SecurePort(5671) != 5671 || s.InsecureEnabled() {
		t.Errorf("server defaults = %+v", s)
	}
	c := mustLoad(t, topology.RoleMessaging, Sources{}).Client("hono.downstream")
	if c.Host != "localhost" || c.Port != 5671 || !c.HostnameVerificationRequired || c.UsesTLS() {
		t.Errorf("client defaults = %+v", c)
	}
	if len(svc.Warnings) != 1 || !strings.Contains(svc.Warnings[0], "SPRING_CONFIG_LOCATION is not set") {
		t.Errorf("want one warning about SPRING_CONFIG_LOCATION, got %q", svc.Warnings)
	}
}

func writeConfig(t *testing.T, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "config.yml")
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestRelaxedBinding(t *testing.T) {
	file := writeConfig(t, "hono:\n  auth:\n    amqp:\n      keyPath: /from/file.pem\n      port: 5671\n")
	tests := []struct {
		name string
		env  []string
		args []string
		want string
	}{
		{"file alone", nil, nil, "/from/file.pem"},
		{"split env name overrides the file", []string{"HONO_AUTH_AMQP_KEY_PATH=/split.pem"}, nil, "/split.pem"},
		{"unsplit env name overrides the file", []string{"HONO_AUTH_AMQP_KEYPATH=/unsplit.pem"}, nil, "/unsplit.pem"},
		{"argument overrides env", []string{"HONO_AUTH_AMQP_KEY_PATH=/env.pem"},
			[]string{"--hono.auth.amqp.keyPath=/arg.pem"}, "/arg.pem"},
		{"dashed argument", nil, []string{"--hono.auth.amqp.key-path=/dash.pem"}, "/dash.pem"},
		{"other variables are not read", []string{"PATH=/bin", "KEY_PATH=/x"}, nil, "/from/file.pem"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			svc := mustLoad(t, topology.RoleAuth, Sources{Location: file, Env: tt.env, Args: tt.args})
			if got := svc.Server("hono.auth.amqp").KeyPath; got != tt.want {
				t.Errorf("keyPath = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestEnvLists(t *testing.T) {
	svc := mustLoad(t, topology.RoleHTTPAdapter, Sources{Env: []string{
		"HONO_HTTP_SECURE_PROTOCOLS=TLSv1.2, TLSv1.3",
		"HONO_HTTP_INSECURE_PORT=8080",
		"HONO_MESSAGING_HOSTNAME_VERIFICATION_REQUIRED=false",
	}})
	s := svc.Server("hono.http")
	if !slices.Equal(s.SecureProtocols, []string{"TLSv1.2", "TLSv1.3"}) {
		t.Errorf("secureProtocols = %q", s.SecureProtocols)
	}
	if !s.InsecureEnabled() || s.PlainPort(0) != 8080 {
		t.Errorf("insecurePort 8080 should enable the plain port: %+v", s)
	}
	if svc.Client("hono.messaging").HostnameVerificationRequired {
		t.Error("hostnameVerificationRequired=false from the environment was not applied")
	}
}

func TestWarnings(t *testing.T) {
	file := writeConfig(t, `hono:
  http:
    nativeTlsRequired: true
    keyPath: /k.pem
    bogusKey: 1
  metric:
    reporter:
      graphite:
        host: influxdb.hono
`)
	svc := mustLoad(t, topology.RoleHTTPAdapter, Sources{
		Location: file,
		Env:      []string{"HONO_HTTP_NO_SUCH_THING=x", "SPRING_PROFILES_ACTIVE=dev"},
	})
	want := []string{
		"hono.http.nativeTlsRequired (" + file + ") is not supported: hono-sim has no OpenSSL engine",
		"hono.http.bogusKey (" + file + ") is not a setting hono-sim reads for role http-adapter",
		"hono.metric.reporter.graphite.host (" + file + ") is not a setting",
		"HONO_HTTP_NO_SUCH_THING (environment) is not a setting",
		"SPRING_PROFILES_ACTIVE (environment) is not read: hono-sim has no Spring profiles",
		"hono.http: keyPath and certPath must be set together",
	}
	all := strings.Join(svc.Warnings, "\n")
	for _, w := range want {
		if !strings.Contains(all, w) {
			t.Errorf("warnings lack %q; got:\n%s", w, all)
		}
	}
	if len(svc.Warnings) != len(want) {
		t.Errorf("got %d warnings, want %d:\n%s", len(svc.Warnings), len(want), all)
	}
}

func TestLoadErrors(t *testing.T) {
	tests := []struct {
		name, yaml, want string
		location         string
	}{
		{name: "bad number", yaml: "hono:\n  http:\n    port: eighty\n",
			want: `hono.http.port (%s): want a whole number, got "eighty"`},
		{name: "bad bool", yaml: "hono:\n  http:\n    insecurePortEnabled: maybe\n",
			want: `hono.http.insecurePortEnabled (%s): want true or false`},
		{name: "list for a scalar", yaml: "hono:\n  http:\n    port: [1, 2]\n",
			want: "hono.http.port (%s): want one value, got a list of 2"},
		{name: "bad YAML", yaml: "hono: [\n", want: "%s: go-yaml"},
		{name: "missing file", location: "file:///no/such/config.yml",
			want: "read configuration: open /no/such/config.yml"},
		{name: "classpath", location: "classpath:/application.yml", want: "classpath resources are inside Hono's jars"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			loc := tt.location
			if loc == "" {
				loc = writeConfig(t, tt.yaml)
			}
			_, err := Load(topology.RoleHTTPAdapter, Sources{Location: loc})
			want := strings.ReplaceAll(tt.want, "%s", loc)
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Fatalf("err = %v, want it to contain %q", err, want)
			}
		})
	}
}

func TestSchemasHaveNoCollisions(t *testing.T) {
	for role := range blocks {
		if _, _, err := newService(role); err != nil {
			t.Errorf("role %s: %v", role, err)
		}
	}
	if _, err := Load(topology.RoleRouter, Sources{}); err == nil {
		t.Error("the router has no Hono YAML; Load should say so")
	}
}

func TestLocationFolderAndList(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "application.yml"), []byte("hono:\n  http:\n    port: 1\n    bindAddress: a\n"), 0o644)
	second := writeConfig(t, "hono:\n  http:\n    port: 2\n")
	svc := mustLoad(t, topology.RoleHTTPAdapter, Sources{Location: "file://" + dir + "/," + second})
	s := svc.Server("hono.http")
	if s.Port != 2 || s.BindAddress != "a" {
		t.Errorf("later location should win key by key: port %d, bindAddress %q", s.Port, s.BindAddress)
	}
}

func TestCredentials(t *testing.T) {
	c := NewClientConfig()
	c.CredentialsPath = reference + "http-adapter.credentials"
	u, p, ok, err := c.Credentials()
	if err != nil || !ok || u != "http-adapter@HONO" || p != "http-secret" {
		t.Fatalf("Credentials() = %q %q %v %v", u, p, ok, err)
	}

	props, err := parseProperties([]byte("# comment\n! other\nusername : a\\u0041\\\n  b\npassword=x=y\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := [][2]string{{"username", "aAb"}, {"password", "x=y"}}
	if !slices.Equal(props, want) {
		t.Errorf("parseProperties = %q, want %q", props, want)
	}

	bad := filepath.Join(t.TempDir(), "x.credentials")
	os.WriteFile(bad, []byte("username=only\n"), 0o600)
	if _, _, err := ReadCredentials(bad); err == nil || !strings.Contains(err.Error(), "want both username and password") {
		t.Errorf("ReadCredentials without password: %v", err)
	}
}
