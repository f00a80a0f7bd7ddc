// Package config reads the configuration of a hono-sim role the way Hono 0.7
// reads it: the YAML (or properties) file that SPRING_CONFIG_LOCATION names,
// then environment variables in Spring Boot's relaxed spelling
// (HONO_AUTH_AMQP_KEY_PATH or HONO_AUTH_AMQP_KEYPATH for
// hono.auth.amqp.keyPath), then --hono.x.y=z program arguments, each
// overriding the one before. It also reads the Dispatch Router's
// qdrouterd.json and the key and trust material both name.
//
// A setting hono-sim does not read, or reads without being able to honour
// it, ends up in Service.Warnings for the role to log at start: nothing is
// ignored silently.
package config

import (
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/honoctl/honoctl/orchestrator/topology"
)

// Service is the configuration of one hono-sim role.
type Service struct {
	Role topology.Role
	// Files are the configuration files read, in the order applied.
	Files []string

	App App
	// Servers holds the role's listeners by prefix ("hono.auth.amqp",
	// "hono.registry.rest", "hono.http", ...).
	Servers map[string]*ServerConfig
	// Adapter is the protocol adapter part of an adapter's server block.
	Adapter AdapterConfig
	// Kura is the Kura adapter's topic scheme (hono.kura).
	Kura KuraConfig
	// Messaging is Hono Messaging's part of hono.messaging.
	Messaging MessagingConfig
	// Clients holds the role's outgoing connections by prefix
	// ("hono.auth", "hono.downstream", "hono.messaging", ...).
	Clients map[string]*ClientConfig

	AuthService         AuthService     // hono.auth.svc (auth)
	AuthValidation      Validation      // hono.auth.validation (registry, messaging)
	MessagingValidation Validation      // hono.messaging.validation (messaging)
	Registry            RegistryService // hono.registry.svc
	Credentials         FileService     // hono.credentials.svc
	Tenant              FileService     // hono.tenant.svc

	// Warnings are settings given but not read, or read without effect.
	Warnings []string
}

// Server returns the server block under prefix, with Hono's defaults when
// the files set nothing there. It panics on a prefix the role does not
// have: that is a programming error.
func (s *Service) Server(prefix string) *ServerConfig {
	c, ok := s.Servers[prefix]
	if !ok {
		panic(fmt.Sprintf("config: role %s has no server block %s", s.Role, prefix))
	}
	return c
}

// Client returns the client block under prefix; see Server.
func (s *Service) Client(prefix string) *ClientConfig {
	c, ok := s.Clients[prefix]
	if !ok {
		panic(fmt.Sprintf("config: role %s has no client block %s", s.Role, prefix))
	}
	return c
}

// Sources says where Load reads from.
type Sources struct {
	// Location is SPRING_CONFIG_LOCATION: comma-separated files or folders,
	// as paths or file: URLs; later ones win.
	Location string
	// Env is the environment as KEY=value; only HONO_* entries are read.
	Env []string
	// Args are program arguments; --name=value ones are read.
	Args []string
}

// FromEnvironment returns the sources of a process: its
// SPRING_CONFIG_LOCATION, its environment and args.
func FromEnvironment(args []string) Sources {
	return Sources{Location: os.Getenv("SPRING_CONFIG_LOCATION"), Env: os.Environ(), Args: args}
}

// blocks names the server and client blocks of each role (facts sheet
// section 2, per-service YAML).
var blocks = map[topology.Role]struct{ servers, clients []string }{
	topology.RoleAuth:        {servers: []string{"hono.auth.amqp"}},
	topology.RoleRegistry:    {servers: []string{"hono.registry.amqp", "hono.registry.rest"}, clients: []string{"hono.auth"}},
	topology.RoleMessaging:   {servers: []string{"hono.messaging"}, clients: []string{"hono.auth", "hono.downstream"}},
	topology.RoleHTTPAdapter: {servers: []string{"hono.http"}, clients: adapterClients},
	topology.RoleMQTTAdapter: {servers: []string{"hono.mqtt"}, clients: adapterClients},
	topology.RoleKuraAdapter: {servers: []string{"hono.kura"}, clients: adapterClients},
}

var adapterClients = []string{"hono.messaging", "hono.registration", "hono.credentials", "hono.tenant", "hono.command"}

// Load reads the configuration of role from src.
func Load(role topology.Role, src Sources) (*Service, error) {
	svc, sch, err := newService(role)
	if err != nil {
		return nil, err
	}

	// Files first, then the environment, then arguments: Spring's order.
	var settings []setting
	if src.Location == "" {
		svc.Warnings = append(svc.Warnings,
			"SPRING_CONFIG_LOCATION is not set: configuration from environment and arguments only")
	}
	for _, loc := range splitList(src.Location) {
		path, err := locationPath(loc)
		if err != nil {
			return nil, fmt.Errorf("SPRING_CONFIG_LOCATION %s: %w", loc, err)
		}
		fileSettings, warnings, err := readFile(path)
		if err != nil {
			return nil, err
		}
		svc.Files = append(svc.Files, path)
		svc.Warnings = append(svc.Warnings, warnings...)
		settings = append(settings, fileSettings...)
	}
	settings = append(settings, envSettings(src.Env)...)
	svc.Warnings = append(svc.Warnings, springEnvWarnings(src.Env)...)
	args, err := argSettings(src.Args)
	if err != nil {
		return nil, err
	}
	settings = append(settings, args...)

	for _, st := range settings {
		f, known, err := sch.bind(st)
		switch {
		case err != nil:
			return nil, err
		case !known:
			svc.Warnings = append(svc.Warnings, fmt.Sprintf(
				"%s is not a setting hono-sim reads for role %s; ignored", st.where(), role))
		case f.inert != "" && !f.value.IsZero():
			svc.Warnings = append(svc.Warnings, fmt.Sprintf(
				"%s is not supported: %s", st.where(), f.inert))
		}
	}
	svc.Warnings = append(svc.Warnings, svc.check()...)
	return svc, nil
}

// newService returns a service with Hono's defaults and the schema that
// binds the role's properties to it.
func newService(role topology.Role) (*Service, schema, error) {
	b, ok := blocks[role]
	if !ok {
		return nil, nil, fmt.Errorf("role %q has no Hono configuration", role)
	}
	svc := &Service{
		Role:    role,
		Servers: map[string]*ServerConfig{},
		Clients: map[string]*ClientConfig{},
		Adapter: AdapterConfig{AuthenticationRequired: true, DefaultsEnabled: true, Realm: "Hono",
			EventLoopBlockedCheckTimeout: 5000, CORSAllowedOrigin: "*"},
		Messaging: MessagingConfig{AssertionValidationRequired: true, MaxSessionWindow: 9830400},
		Kura: KuraConfig{ControlPrefix: "$EDC", CtrlMsgContentType: "application/vnd.eclipse.kura-control",
			DataMsgContentType: "application/vnd.eclipse.kura-data"},
		App: App{HealthCheckBindAddress: "127.0.0.1", MaxInstances: 0},
	}
	svc.AuthService.Signing.TokenExpiration = 600
	svc.Registry.Signing.TokenExpiration = 600
	svc.Registry.MaxDevicesPerTenant = 100 // FileBasedRegistrationConfigProperties
	for _, fs := range []*FileService{&svc.Registry.FileService, &svc.Credentials, &svc.Tenant} {
		fs.ModificationEnabled = true
	}

	secs := []section{{"hono.app", &svc.App}}
	for _, p := range b.servers {
		svc.Servers[p] = NewServerConfig()
		secs = append(secs, section{p, svc.Servers[p]})
	}
	for _, p := range b.clients {
		svc.Clients[p] = NewClientConfig()
		secs = append(secs, section{p, svc.Clients[p]})
	}
	switch role {
	case topology.RoleAuth:
		secs = append(secs, section{"hono.auth.svc", &svc.AuthService})
	case topology.RoleRegistry:
		secs = append(secs,
			section{"hono.auth.validation", &svc.AuthValidation},
			section{"hono.registry.svc", &svc.Registry},
			section{"hono.credentials.svc", &svc.Credentials},
			section{"hono.tenant.svc", &svc.Tenant})
	case topology.RoleMessaging:
		secs = append(secs,
			section{"hono.auth.validation", &svc.AuthValidation},
			section{"hono.messaging.validation", &svc.MessagingValidation},
			section{"hono.messaging", &svc.Messaging})
	case topology.RoleKuraAdapter:
		secs = append(secs, section{b.servers[0], &svc.Adapter}, section{b.servers[0], &svc.Kura})
	default: // the HTTP and MQTT adapters
		secs = append(secs, section{b.servers[0], &svc.Adapter})
	}
	sch, err := newSchema(secs...)
	return svc, sch, err
}

// check reports combinations Hono ignores, so the role can say so.
func (s *Service) check() []string {
	var out []string
	half := func(prefix string, t *TLS) {
		if (t.KeyPath == "") != (t.CertPath == "") {
			out = append(out, fmt.Sprintf(
				"%s: keyPath and certPath must be set together; the one given is ignored, as in Hono", prefix))
		}
	}
	for _, p := range sortedKeys(s.Servers) {
		half(p, &s.Servers[p].TLS)
	}
	for _, p := range sortedKeys(s.Clients) {
		half(p, &s.Clients[p].TLS)
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// envSettings picks the HONO_* variables; others are not Hono's.
func envSettings(env []string) []setting {
	var out []setting
	for _, kv := range env {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || !strings.HasPrefix(k, "HONO_") {
			continue
		}
		out = append(out, setting{key: k, origin: "environment", values: []string{v}})
	}
	return out
}

// springEnv are Spring Boot's own variables that Hono's images are given;
// hono-sim has no profiles, no logback and no JSON properties, so it says
// it does not read them (naming the variable only: values may be secret).
var springEnv = map[string]string{
	"SPRING_PROFILES_ACTIVE":  "hono-sim has no Spring profiles; its log level stays as it is",
	"LOGGING_CONFIG":          "hono-sim logs with log/slog, not logback",
	"SPRING_APPLICATION_JSON": "hono-sim reads only the file SPRING_CONFIG_LOCATION names and HONO_* variables",
}

func springEnvWarnings(env []string) []string {
	var out []string
	for _, kv := range env {
		k, _, _ := strings.Cut(kv, "=")
		if why, ok := springEnv[k]; ok {
			out = append(out, fmt.Sprintf("%s (environment) is not read: %s", k, why))
		}
	}
	return out
}

// argSettings reads Spring's --name=value command line properties.
func argSettings(args []string) ([]setting, error) {
	var out []setting
	for _, a := range args {
		name, ok := strings.CutPrefix(a, "--")
		if !ok {
			return nil, fmt.Errorf("argument %q: want --name=value", a)
		}
		k, v, _ := strings.Cut(name, "=")
		out = append(out, setting{key: k, origin: "command line", values: []string{v}})
	}
	return out, nil
}

func splitList(s string) []string {
	var out []string
	for _, item := range strings.Split(s, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}
