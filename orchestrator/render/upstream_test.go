package render

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v4"

	"github.com/honoctl/honoctl/orchestrator/topology"
)

// swarmService is one row of the table of Hono 0.7's swarm_deploy.sh in
// the facts sheet (section 2): what the upstream render must match.
type swarmService struct {
	image     string
	published []string // "host:container"
	secrets   []string
	env       map[string]string
	memoryMiB int64
}

func honoEnv(config, profiles, xmx string) map[string]string {
	return map[string]string{
		"SPRING_CONFIG_LOCATION": "file:///run/secrets/" + config,
		"SPRING_PROFILES_ACTIVE": profiles,
		"_JAVA_OPTIONS":          xmx,
		"LOGGING_CONFIG":         "classpath:logback-spring.xml",
	}
}

var swarmDeploy = map[string]swarmService{
	"hono-dispatch-router": {
		image:     "enmasseproject/qdrouterd-base:1.1.0",
		published: []string{"15671:5671"},
		secrets:   []string{"qdrouter-key.pem", "qdrouter-cert.pem", "trusted-certs.pem", "qdrouterd.json"},
		memoryMiB: 512,
	},
	"hono-service-auth": {
		image:     "eclipse/hono-service-auth:0.7",
		secrets:   []string{"auth-server-key.pem", "auth-server-cert.pem", "trusted-certs.pem", "permissions.json", "hono-service-auth-config.yml"},
		env:       honoEnv("hono-service-auth-config.yml", "authentication-impl,dev", "-Xmx150m"),
		memoryMiB: 196,
	},
	"hono-service-device-registry": {
		image: "eclipse/hono-service-device-registry:0.7",
		// 28080:8080 is Hono's plain port: only with --plaintext.
		published: []string{"25671:5671", "28443:8443"},
		secrets:   []string{"device-registry-key.pem", "device-registry-cert.pem", "auth-server-cert.pem", "trusted-certs.pem", "hono-service-device-registry-config.yml"},
		env:       honoEnv("hono-service-device-registry-config.yml", "dev", "-Xmx180m"),
		memoryMiB: 256,
	},
	"hono-service-messaging": {
		image:     "eclipse/hono-service-messaging:0.7",
		published: []string{"5671:5671"},
		secrets:   []string{"hono-messaging-key.pem", "hono-messaging-cert.pem", "auth-server-cert.pem", "trusted-certs.pem", "hono-service-messaging-config.yml"},
		env:       honoEnv("hono-service-messaging-config.yml", "dev", "-Xmx180m"),
		memoryMiB: 256,
	},
	"hono-adapter-http-vertx": {
		image:     "eclipse/hono-adapter-http-vertx:0.7",
		published: []string{"8443:8443"},
		secrets:   []string{"http-adapter-key.pem", "http-adapter-cert.pem", "trusted-certs.pem", "http-adapter.credentials", "hono-adapter-http-vertx-config.yml"},
		env:       honoEnv("hono-adapter-http-vertx-config.yml", "dev", "-Xmx180m"),
		memoryMiB: 256,
	},
	"hono-adapter-mqtt-vertx": {
		image:     "eclipse/hono-adapter-mqtt-vertx:0.7",
		published: []string{"8883:8883"},
		secrets:   []string{"mqtt-adapter-key.pem", "mqtt-adapter-cert.pem", "trusted-certs.pem", "mqtt-adapter.credentials", "hono-adapter-mqtt-vertx-config.yml"},
		env:       honoEnv("hono-adapter-mqtt-vertx-config.yml", "dev", "-Xmx180m"),
		memoryMiB: 256,
	},
	"hono-adapter-kura": {
		image:     "eclipse/hono-adapter-kura:0.7",
		published: []string{"8884:8883"},
		secrets:   []string{"kura-adapter-key.pem", "kura-adapter-cert.pem", "trusted-certs.pem", "kura-adapter.credentials", "hono-adapter-kura-config.yml"},
		env:       honoEnv("hono-adapter-kura-config.yml", "prod", "-Xmx180m"),
		memoryMiB: 256,
	},
}

func TestUpstreamMatchesHonoSwarmDeployment(t *testing.T) {
	upstream := func(o *topology.Options) { o.Flavor = topology.FlavorUpstream }
	for _, target := range []Target{TargetCompose, TargetSwarm} {
		st := mustRender(t, upstream, Options{Target: target})
		if len(st.Project.Services) != len(swarmDeploy) {
			t.Errorf("%s: %d services, want %d", target, len(st.Project.Services), len(swarmDeploy))
		}
		for name, want := range swarmDeploy {
			t.Run(string(target)+"/"+name, func(t *testing.T) {
				s := mustService(t, st, name)
				if s.Image != want.image {
					t.Errorf("image %s, want %s", s.Image, want.image)
				}

				var published []string
				for _, p := range s.Ports {
					published = append(published, fmt.Sprintf("%s:%d", p.Published, p.Target))
				}
				if !slices.Equal(published, want.published) {
					t.Errorf("published %v, want %v", published, want.published)
				}

				var files []string
				for _, v := range s.Volumes {
					if strings.HasPrefix(v.Target, SecretsDir+"/") {
						files = append(files, strings.TrimPrefix(v.Target, SecretsDir+"/"))
					}
				}
				for _, sec := range s.Secrets {
					files = append(files, sec.Target)
				}
				if !sameSet(files, want.secrets) {
					t.Errorf("files under /run/secrets %v, want %v", files, want.secrets)
				}

				env := map[string]string{}
				for k, v := range s.Environment {
					env[k] = *v
				}
				if len(env) != len(want.env) {
					t.Errorf("environment %v, want %v", env, want.env)
				}
				for k, v := range want.env {
					if env[k] != v {
						t.Errorf("%s=%q, want %q", k, env[k], v)
					}
				}

				mem := int64(s.MemLimit)
				if target == TargetSwarm {
					mem = int64(s.Deploy.Resources.Limits.MemoryBytes)
				}
				if mem != want.memoryMiB<<20 {
					t.Errorf("memory limit %d MiB, want %d MiB", mem>>20, want.memoryMiB)
				}
			})
		}
		router := mustService(t, st, "hono-dispatch-router")
		if got := strings.Join(router.Command, " "); got != "/sbin/qdrouterd -c /run/secrets/qdrouterd.json" {
			t.Errorf("router command %q", got)
		}
	}
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

// TestHonoConfigKeys reads back each service's YAML and checks the keys of
// the facts sheet (section 2 and 3), one by one.
func TestHonoConfigKeys(t *testing.T) {
	files := filesOf(mustRender(t, nil, Options{}))
	tests := []struct {
		file, key string
		want      any
	}{
		{authCfg, "hono.auth.amqp.bindAddress", "0.0.0.0"},
		{authCfg, "hono.auth.amqp.keyPath", "/run/secrets/auth-server-key.pem"},
		{authCfg, "hono.auth.amqp.certPath", "/run/secrets/auth-server-cert.pem"},
		{authCfg, "hono.auth.amqp.trustStorePath", "/run/secrets/trusted-certs.pem"},
		{authCfg, "hono.auth.amqp.insecurePortEnabled", nil},
		{authCfg, "hono.auth.svc.permissionsPath", "file:///run/secrets/permissions.json"},
		{authCfg, "hono.app.maxInstances", 1},
		{authCfg, "hono.app.healthCheckPort", 8088},

		{regCfg, "hono.auth.host", "hono-service-auth.hono"},
		{regCfg, "hono.auth.port", 5671},
		{regCfg, "hono.auth.name", "Hono Device Registry"},
		{regCfg, "hono.auth.trustStorePath", "/run/secrets/trusted-certs.pem"},
		{regCfg, "hono.auth.hostnameVerificationRequired", true},
		{regCfg, "hono.auth.validation.certPath", "/run/secrets/auth-server-cert.pem"},
		{regCfg, "hono.registry.amqp.keyPath", "/run/secrets/device-registry-key.pem"},
		{regCfg, "hono.registry.amqp.trustStorePath", nil},
		{regCfg, "hono.registry.rest.port", 8443},
		{regCfg, "hono.registry.rest.insecurePortEnabled", nil},
		{regCfg, "hono.registry.svc.filename", "/var/lib/hono/device-registry/device-identities.json"},
		{regCfg, "hono.registry.svc.saveToFile", true},
		{regCfg, "hono.credentials.svc.filename", "/var/lib/hono/device-registry/credentials.json"},
		{regCfg, "hono.tenant.svc.filename", "/var/lib/hono/device-registry/tenants.json"},

		{msgCfg, "hono.auth.name", "Hono Messaging"},
		{msgCfg, "hono.downstream.host", "hono-dispatch-router.hono"},
		{msgCfg, "hono.downstream.port", 5673},
		{msgCfg, "hono.downstream.amqpHostname", "hono-internal"},
		{msgCfg, "hono.downstream.keyPath", "/run/secrets/hono-messaging-key.pem"},
		{msgCfg, "hono.downstream.certPath", "/run/secrets/hono-messaging-cert.pem"},
		{msgCfg, "hono.downstream.trustStorePath", "/run/secrets/trusted-certs.pem"},
		{msgCfg, "hono.messaging.keyPath", "/run/secrets/hono-messaging-key.pem"},
		{msgCfg, "hono.messaging.bindAddress", "0.0.0.0"},

		{httpCfg, "hono.http.port", 8443},
		{httpCfg, "hono.http.keyPath", "/run/secrets/http-adapter-key.pem"},
		{httpCfg, "hono.registration.host", "hono-service-device-registry.hono"},
		{httpCfg, "hono.registration.credentialsPath", "/run/secrets/http-adapter.credentials"},
		{httpCfg, "hono.credentials.credentialsPath", "/run/secrets/http-adapter.credentials"},
		{httpCfg, "hono.tenant.trustStorePath", "/run/secrets/trusted-certs.pem"},
		{httpCfg, "hono.messaging.host", "hono-service-messaging.hono"},
		{httpCfg, "hono.messaging.credentialsPath", "/run/secrets/http-adapter.credentials"},
		{httpCfg, "hono.messaging.keyPath", nil},
		{httpCfg, "hono.command.amqpHostname", "hono-http-internal"},
		{httpCfg, "hono.command.port", 5673},
		{mqttCfg, "hono.mqtt.port", 8883},
		{mqttCfg, "hono.command.amqpHostname", "hono-mqtt-internal"},
		{kuraCfg, "hono.kura.port", 8883},
		{kuraCfg, "hono.messaging.host", "hono-service-messaging.hono"},
		{kuraCfg, "hono.messaging.credentialsPath", "/run/secrets/kura-adapter.credentials"},
		{kuraCfg, "hono.command.amqpHostname", "hono-kura-internal"},
	}
	for _, tt := range tests {
		t.Run(tt.file+":"+tt.key, func(t *testing.T) {
			var doc map[string]any
			if err := yaml.Unmarshal([]byte(files[tt.file]), &doc); err != nil {
				t.Fatal(err)
			}
			got := lookup(doc, tt.key)
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("%s = %v, want %v", tt.key, got, tt.want)
			}
		})
	}
}

// lookup follows a dotted key through nested maps; nil when absent.
func lookup(doc map[string]any, key string) any {
	var cur any = doc
	for _, k := range strings.Split(key, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = m[k]
	}
	return cur
}
