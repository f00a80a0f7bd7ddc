package render

import (
	"github.com/compose-spec/compose-go/v2/types"
	"slices"
	"strings"
	"testing"

	"github.com/honoctl/honoctl/orchestrator/topology"
)

const (
	authCfg  = "config/hono-service-auth-config.yml"
	regCfg   = "config/hono-service-device-registry-config.yml"
	msgCfg   = "config/hono-service-messaging-config.yml"
	httpCfg  = "config/hono-adapter-http-vertx-config.yml"
	mqttCfg  = "config/hono-adapter-mqtt-vertx-config.yml"
	kuraCfg  = "config/hono-adapter-kura-config.yml"
	routeCfg = "config/qdrouterd.json"
	perms    = "config/permissions.json"
)

// TestOptionChangesOnlyWhatItShould renders the default stack and one
// option at a time: exactly the listed files change, and the change is the
// one the option is for.
func TestOptionChangesOnlyWhatItShould(t *testing.T) {
	tests := []struct {
		name    string
		edit    func(*topology.Options)
		opt     Options
		changed []string
		// in: file -> text the changed file must contain
		in map[string]string
	}{
		{name: "adapters to router",
			edit:    func(o *topology.Options) { o.AdaptersToRouter = true },
			changed: []string{ComposeFile, httpCfg, mqttCfg},
			in:      map[string]string{httpCfg: "host: hono-dispatch-router.hono\n    port: 5673\n    amqpHostname: hono-internal\n    keyPath: /run/secrets/http-adapter-key.pem"}},
		{name: "plaintext opens every plain port",
			edit:    func(o *topology.Options) { o.Plaintext = true },
			changed: []string{ComposeFile, authCfg, regCfg, msgCfg, httpCfg, mqttCfg, kuraCfg, routeCfg},
			in: map[string]string{authCfg: "insecurePort: 5672", regCfg: "insecurePort: 8080",
				httpCfg: "insecurePort: 8080", kuraCfg: "insecurePort: 1883", routeCfg: `"port": 5672`,
				ComposeFile: `"127.0.0.1:28080:8080/tcp"`}},
		{name: "TLS off on channel 3 touches auth and messaging only",
			edit:    func(o *topology.Options) { o.TLSOff = []topology.Channel{topology.ChannelMessagingAuth} },
			changed: []string{authCfg, msgCfg},
			in:      map[string]string{authCfg: "insecurePortEnabled: true", msgCfg: "port: 5672\n    tlsEnabled: false"}},
		{name: "TLS off on the internal channel: PLAIN for Hono Messaging and commands",
			edit: func(o *topology.Options) { o.TLSOff = []topology.Channel{topology.ChannelMessagingRouter} },
			changed: []string{"+config/hono-messaging.credentials", ComposeFile, perms,
				httpCfg, kuraCfg, mqttCfg, msgCfg, routeCfg},
			in: map[string]string{
				routeCfg:    "\"port\": 5673,\n      \"saslMechanisms\": \"PLAIN\"",
				msgCfg:      "credentialsPath: /run/secrets/hono-messaging.credentials",
				perms:       "hono-messaging@HONO",
				ComposeFile: "source: ./config/hono-messaging.credentials",
				httpCfg:     "amqpHostname: hono-http-internal\n    credentialsPath: /run/secrets/http-adapter.credentials",
			}},
		{name: "TLS off from adapters to the router and on the internal channel",
			edit: func(o *topology.Options) {
				o.AdaptersToRouter = true
				o.TLSOff = []topology.Channel{topology.ChannelAdapterMessaging, topology.ChannelMessagingRouter}
			},
			changed: []string{"+config/hono-messaging.credentials", ComposeFile, perms,
				httpCfg, kuraCfg, mqttCfg, msgCfg, routeCfg},
			in: map[string]string{httpCfg: "port: 5673\n    amqpHostname: hono-internal\n    credentialsPath: /run/secrets/http-adapter.credentials\n    tlsEnabled: false"}},
		{name: "OpenSSL for the HTTP adapter",
			edit: func(o *topology.Options) {
				o.Engines = map[string]topology.Engine{"hono-adapter-http-vertx": topology.EngineOpenSSL}
			},
			changed: []string{httpCfg},
			in:      map[string]string{httpCfg: "nativeTlsRequired: true"}},
		{name: "bind address",
			edit:    func(o *topology.Options) { o.BindAddress = "0.0.0.0" },
			changed: []string{ComposeFile},
			in:      map[string]string{ComposeFile: `"0.0.0.0:15671:5671/tcp"`}},
		{name: "port offset",
			edit:    func(o *topology.Options) { o.PortOffset = 100 },
			changed: []string{ComposeFile},
			in:      map[string]string{ComposeFile: `"127.0.0.1:15771:5671/tcp"`}},
		{name: "no publish",
			edit:    func(o *topology.Options) { o.NoPublish = true },
			changed: []string{ComposeFile}},
		{name: "upstream images, same configuration files",
			edit:    func(o *topology.Options) { o.Flavor = topology.FlavorUpstream },
			changed: []string{ComposeFile},
			in:      map[string]string{ComposeFile: "image: eclipse/hono-service-auth:0.7"}},
		{name: "swarm target",
			opt:     Options{Target: TargetSwarm},
			changed: []string{ComposeFile},
			in:      map[string]string{ComposeFile: "driver: overlay"}},
		{name: "extensions volume means nothing to sim",
			opt: Options{Extensions: ExtensionsVolume}},
		{name: "user",
			opt:     Options{User: "1000:1000"},
			changed: []string{ComposeFile},
			in:      map[string]string{ComposeFile: "user: 1000:1000"}},
		{name: "shared secret",
			opt:     Options{SharedSecret: strings.Repeat("s", 32)},
			changed: []string{msgCfg, regCfg},
			in:      map[string]string{regCfg: "sharedSecret: " + strings.Repeat("s", 32)}},
		{name: "only the HTTP adapter",
			edit: func(o *topology.Options) { o.Adapters = []topology.Role{topology.RoleHTTPAdapter} },
			changed: []string{"-config/hono-adapter-kura-config.yml", "-config/hono-adapter-mqtt-vertx-config.yml",
				"-config/kura-adapter.credentials", "-config/mqtt-adapter.credentials",
				ComposeFile, perms, routeCfg}},
	}
	base := filesOf(mustRender(t, nil, Options{}))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := filesOf(mustRender(t, tt.edit, tt.opt))
			diff := changed(base, got)
			want := slices.Clone(tt.changed)
			slices.Sort(want)
			if !slices.Equal(diff, want) {
				t.Errorf("changed files = %v, want %v", diff, want)
			}
			for file, text := range tt.in {
				if !strings.Contains(got[file], text) {
					t.Errorf("%s lacks %q:\n%s", file, text, got[file])
				}
				if strings.Contains(base[file], text) {
					t.Errorf("%s of the default stack has %q already: the check proves nothing", file, text)
				}
			}
		})
	}
}

func TestUpstreamExtensions(t *testing.T) {
	up := func(o *topology.Options) { o.Flavor = topology.FlavorUpstream }
	bind := mustRender(t, up, Options{})
	vol := mustRender(t, up, Options{Extensions: ExtensionsVolume})

	for _, st := range []*Stack{bind, vol} {
		for name, s := range st.Project.Services {
			has := slices.ContainsFunc(s.Volumes, func(v types.ServiceVolumeConfig) bool {
				return v.Target == ExtensionsPath && v.ReadOnly
			})
			if java := name != "hono-dispatch-router"; has != java {
				t.Errorf("%s: read-only %s mounted = %v, want %v", name, ExtensionsPath, has, java)
			}
		}
	}
	v := mustService(t, vol, "hono-service-auth").Volumes
	if i := slices.IndexFunc(v, func(v types.ServiceVolumeConfig) bool { return v.Target == ExtensionsPath }); v[i].Type != "volume" ||
		v[i].Source != "hono-extensions" {
		t.Errorf("volume mode mounts %+v, want the hono-extensions volume", v[i])
	}
	if _, ok := vol.Project.Volumes["hono-extensions"]; !ok {
		t.Error("volume mode declares no hono-extensions volume")
	}
	if diff := changed(filesOf(bind), filesOf(vol)); !slices.Equal(diff, []string{ComposeFile}) {
		t.Errorf("changed files = %v, want only %s", diff, ComposeFile)
	}
}

func TestExtensionsDir(t *testing.T) {
	up := func(o *topology.Options) { o.Flavor = topology.FlavorUpstream }
	for in, want := range map[string]string{
		"":                 "./extensions",
		"ext":              "./ext",
		"../../extensions": "../../extensions",
		"/opt/ext":         "/opt/ext",
	} {
		st := mustRender(t, up, Options{ExtensionsDir: in})
		v := mustService(t, st, "hono-service-auth").Volumes
		i := slices.IndexFunc(v, func(v types.ServiceVolumeConfig) bool { return v.Target == ExtensionsPath })
		if i < 0 || v[i].Source != want {
			t.Errorf("ExtensionsDir %q: mounts %+v, want source %s", in, v, want)
		}
	}
}

func TestSharedListenerNeedsOneTLSSetting(t *testing.T) {
	o := topology.DefaultOptions()
	o.AdaptersToRouter = true
	o.TLSOff = []topology.Channel{topology.ChannelAdapterMessaging}
	top, err := topology.New(o)
	if err != nil {
		t.Fatal(err)
	}
	_, err = Render(top, Options{})
	want := "channel messaging-router (hono-service-messaging -> hono-dispatch-router.hono:5673) keeps TLS " +
		"while adapter-messaging turns it off on the same listener, hono-dispatch-router:5673; turn TLS off " +
		"on all of them or on none (--tls-off messaging-router --tls-off adapter-messaging)"
	if err == nil || err.Error() != want {
		t.Errorf("err = %v\nwant  %s", err, want)
	}
}
