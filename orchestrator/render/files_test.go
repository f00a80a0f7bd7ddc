package render

import (
	"encoding/json"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/honoctl/honoctl/orchestrator/topology"
)

// TestDockerCompose129AcceptsEveryVariant has Debian's docker-compose read
// the rendered file of both flavors, both targets and the options that
// shape the file most.
func TestDockerCompose129AcceptsEveryVariant(t *testing.T) {
	edits := map[string]func(*topology.Options){
		"default":   nil,
		"plaintext": func(o *topology.Options) { o.Plaintext = true },
		"all TLS off": func(o *topology.Options) {
			o.TLSOff = slices.Clone(topology.Channels)
		},
		"adapters to router": func(o *topology.Options) { o.AdaptersToRouter = true },
		"no publish":         func(o *topology.Options) { o.NoPublish = true },
		"IPv6 bind":          func(o *topology.Options) { o.BindAddress = "::1" },
	}
	type variant struct {
		flavor topology.Flavor
		target Target
	}
	all := []variant{
		{topology.FlavorSim, TargetCompose}, {topology.FlavorSim, TargetSwarm},
		{topology.FlavorUpstream, TargetCompose}, {topology.FlavorUpstream, TargetSwarm},
	}
	for name, edit := range edits {
		// Every option on two corners of the matrix, the default on all
		// four: docker-compose takes most of a second per file.
		variants := []variant{all[0], all[3]}
		if edit == nil {
			variants = all
		}
		for _, v := range variants {
			t.Run(name+"/"+string(v.flavor)+"/"+string(v.target), func(t *testing.T) {
				t.Parallel()
				st := mustRender(t, func(o *topology.Options) {
					if edit != nil {
						edit(o)
					}
					o.Flavor = v.flavor
				}, Options{Target: v.target, Extensions: ExtensionsVolume})
				out := mustComposeConfig(t, st)
				// docker-compose resolves the relative sources against
				// the file's folder: every service is there.
				for s := range st.Project.Services {
					if !strings.Contains(out, "  "+s+":\n") {
						t.Errorf("docker-compose config lost service %s", s)
					}
				}
			})
		}
	}
}

// TestDockerCompose129SeesTheSameStack compares what docker-compose
// understood with what we meant, for the points that matter.
func TestDockerCompose129SeesTheSameStack(t *testing.T) {
	out := mustComposeConfig(t, mustRender(t, nil, Options{}))
	for _, want := range []string{
		"- 127.0.0.1:15671:5671/tcp", "- 127.0.0.1:28443:8443/tcp",
		"condition: service_healthy", "read_only: true", "- hono-dispatch-router.hono",
		"target: /run/secrets/qdrouterd.json",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("docker-compose config output lacks %q", want)
		}
	}
}

// TestNoSecretLeaves: no password or key in the environment or the compose
// file, and no CA key in any container.
func TestNoSecretLeaves(t *testing.T) {
	secrets := []string{"verysecret", honoDemoSecret, "PRIVATE KEY", "http-secret", "mqtt-secret", "kura-secret"}
	for _, flavor := range []topology.Flavor{topology.FlavorSim, topology.FlavorUpstream} {
		for _, target := range []Target{TargetCompose, TargetSwarm} {
			st := mustRender(t, func(o *topology.Options) { o.Flavor = flavor }, Options{Target: target})
			for _, word := range secrets {
				if strings.Contains(strings.ToLower(string(st.Compose)), strings.ToLower(word)) {
					t.Errorf("%s/%s: compose file contains %q", flavor, target, word)
				}
			}
			for name, s := range st.Project.Services {
				for k, v := range s.Environment {
					if strings.Contains(strings.ToUpper(k), "PASSWORD") || strings.Contains(strings.ToUpper(k), "SECRET") {
						t.Errorf("%s: environment %s=%v", name, k, *v)
					}
				}
				for _, v := range s.Volumes {
					if v.Target != RegistryDataPath && !v.ReadOnly {
						t.Errorf("%s: %s mounted read-write", name, v.Target)
					}
					if strings.Contains(v.Source, "root-key") || strings.Contains(v.Source, "ca-key") {
						t.Errorf("%s: mounts the CA key %s", name, v.Source)
					}
				}
				for _, sec := range s.Secrets {
					if strings.Contains(sec.Source, "root-key") || strings.Contains(sec.Source, "ca-key") {
						t.Errorf("%s: gets the CA key %s", name, sec.Source)
					}
				}
			}
		}
	}
}

// TestServiceMountsOnlyItsOwnKey: each service gets its own key and no
// other service's.
func TestServiceMountsOnlyItsOwnKey(t *testing.T) {
	top := topology.Default()
	st := mustRender(t, nil, Options{})
	for _, svc := range top.Services {
		var keys []string
		for _, v := range mustService(t, st, svc.Name).Volumes {
			if strings.HasSuffix(v.Source, "-key.pem") {
				keys = append(keys, strings.TrimPrefix(v.Source, "./certs/"))
			}
		}
		if !slices.Equal(keys, []string{svc.KeyFile()}) {
			t.Errorf("%s mounts keys %v, want only %s", svc.Name, keys, svc.KeyFile())
		}
	}
}

func TestRouterConfig(t *testing.T) {
	var cfg [][2]json.RawMessage
	raw := filesOf(mustRender(t, nil, Options{}))[routeCfg]
	if err := json.Unmarshal([]byte(raw), &cfg); err != nil {
		t.Fatalf("qdrouterd.json: %v", err)
	}
	byType := map[string][]map[string]any{}
	for _, e := range cfg {
		var typ string
		var a map[string]any
		if err := json.Unmarshal(e[0], &typ); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(e[1], &a); err != nil {
			t.Fatal(err)
		}
		byType[typ] = append(byType[typ], a)
	}

	profiles := map[string]map[string]any{}
	for _, p := range byType["sslProfile"] {
		profiles[p["name"].(string)] = p
		if p["certDb"] != "/run/secrets/trusted-certs.pem" || p["keyFile"] != "/run/secrets/qdrouter-key.pem" ||
			p["certFile"] != "/run/secrets/qdrouter-cert.pem" {
			t.Errorf("sslProfile %v: wrong files", p)
		}
	}
	if profiles["internal"]["uidFormat"] != "oun" || profiles["external"] == nil {
		t.Errorf("sslProfiles %v, want external and internal with uidFormat oun", profiles)
	}

	ports := map[float64]map[string]any{}
	for _, l := range byType["listener"] {
		ports[l["port"].(float64)] = l
	}
	if len(ports) != 2 || ports[5671]["sslProfile"] != "external" || ports[5671]["saslPlugin"] != "Hono Auth" ||
		ports[5673]["sslProfile"] != "internal" || ports[5673]["saslMechanisms"] != "EXTERNAL" ||
		ports[5673]["requireSsl"] != true {
		t.Errorf("listeners %v, want TLS 5671 (external, PLAIN via Hono Auth) and 5673 (internal, EXTERNAL) only", ports)
	}

	plugin := byType["authServicePlugin"][0]
	if plugin["host"] != "hono-service-auth.hono" || plugin["port"] != float64(5671) || plugin["sslProfile"] != "internal" {
		t.Errorf("authServicePlugin %v", plugin)
	}

	addrs := map[string]any{}
	for _, a := range byType["address"] {
		addrs[a["prefix"].(string)] = a["distribution"]
	}
	if addrs["telemetry/"] != "balanced" || addrs["event/"] != "balanced" || byType["linkRoute"] != nil {
		t.Errorf("addresses %v, link routes %v; want telemetry/ and event/ balanced, no broker", addrs, byType["linkRoute"])
	}

	for _, v := range byType["vhost"] {
		if v["hostname"] != "hono-internal" {
			continue
		}
		users := v["groups"].(map[string]any)["Hono"].(map[string]any)["users"].(string)
		for _, cn := range []string{"hono-messaging", "http-adapter", "mqtt-adapter", "kura-adapter"} {
			if !strings.Contains(users, "Eclipse IoT;Hono;"+cn) {
				t.Errorf("hono-internal users %q lack %s", users, cn)
			}
		}
	}
}

func TestDemoData(t *testing.T) {
	files := filesOf(mustRender(t, nil, Options{}))
	// Hono's own example-credentials.json holds this hash of hono-secret.
	const honoHash = "C9/T62m1tT4ZxxqyIiyN9fvoEqmL0qnM4/+M+GHHDzr0QzzkAUdGYyJBfxRSe4upDzb6TSC4k5cpZG17p4QCvA=="
	if !strings.Contains(files["registry-data/credentials.json"], honoHash) {
		t.Error("sensor1's password hash differs from Hono's")
	}
	if !strings.Contains(files["registry-data/device-identities.json"], `"device-id": "4711"`) {
		t.Error("device 4711 is not registered")
	}
	if got := files["config/http-adapter.credentials"]; got != "username=http-adapter@HONO\npassword=http-secret\n" {
		t.Errorf("http-adapter.credentials = %q", got)
	}
	var p struct {
		Users map[string]struct {
			Mechanism   string
			Password    string
			Authorities []string
		}
	}
	if err := json.Unmarshal([]byte(files[perms]), &p); err != nil {
		t.Fatal(err)
	}
	if u := p.Users["consumer@HONO"]; u.Password != "verysecret" || !slices.Equal(u.Authorities, []string{"application"}) {
		t.Errorf("consumer@HONO = %+v", u)
	}
	if u := p.Users["mqtt-adapter@HONO"]; u.Mechanism != "PLAIN" || u.Password != "mqtt-secret" {
		t.Errorf("mqtt-adapter@HONO = %+v", u)
	}
}

// TestDockerStackConfigAcceptsSwarmFile has the docker CLI's stack loader,
// the one "docker stack deploy" uses, read the swarm file of both flavors.
func TestDockerStackConfigAcceptsSwarmFile(t *testing.T) {
	docker, err := exec.LookPath("docker")
	if err != nil {
		t.Fatalf("the docker CLI is the peer of this test and is missing: %v", err)
	}
	for _, flavor := range []topology.Flavor{topology.FlavorSim, topology.FlavorUpstream} {
		t.Run(string(flavor), func(t *testing.T) {
			st := mustRender(t, func(o *topology.Options) { o.Flavor = flavor }, Options{Target: TargetSwarm})
			dir := t.TempDir()
			if err := st.Write(dir); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(docker, "stack", "config", "-c", ComposeFile)
			cmd.Dir = dir
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("docker stack config rejects the swarm file: %v\n%s", err, out)
			}
			for _, want := range []string{"driver: overlay", "published: 15671", "mode: host", "endpoint_mode: dnsrr", "mode: 256",
				"source: qdrouter-key.pem", "file: " + filepath.Join(dir, "certs", "qdrouter-key.pem")} {
				if !strings.Contains(string(out), want) {
					t.Errorf("docker stack config output lacks %q", want)
				}
			}
		})
	}
}

func TestSwarmSecretsOfKeysArePrivate(t *testing.T) {
	for flavor, owner := range map[topology.Flavor]string{topology.FlavorSim: "65532", topology.FlavorUpstream: "0"} {
		st := mustRender(t, func(o *topology.Options) { o.Flavor = flavor }, Options{Target: TargetSwarm})
		for name, s := range st.Project.Services {
			for _, sec := range s.Secrets {
				priv := strings.HasSuffix(sec.Source, "-key.pem") || strings.HasSuffix(sec.Source, ".credentials")
				switch {
				case priv && (sec.Mode == nil || *sec.Mode != 0o400 || sec.UID != owner || sec.GID != owner):
					t.Errorf("%s/%s: secret %s is not 0400 owned by %s: %+v", flavor, name, sec.Source, owner, sec)
				case !priv && strings.HasSuffix(sec.Source, "-cert.pem") && sec.Mode != nil:
					t.Errorf("%s/%s: certificate %s gets mode %v", flavor, name, sec.Source, *sec.Mode)
				}
			}
		}
	}
}

// TestMaxStackName: the longest secret of the default stack is the Device
// Registry's configuration, 39 characters, which leaves 24 for the stack.
func TestMaxStackName(t *testing.T) {
	st := mustRender(t, nil, Options{Target: TargetSwarm})
	if got := MaxStackName(st.Project); got != 64-1-len("hono-service-device-registry-config.yml") {
		t.Errorf("MaxStackName = %d, want %d", got, 64-1-len("hono-service-device-registry-config.yml"))
	}
}

// TestSwarmStackNameFits: a swarm stack whose name is too long for its
// secrets deploys under the default name, labels included; a name that
// fits, and any name of a Compose stack, stays.
func TestSwarmStackNameFits(t *testing.T) {
	fits := strings.Repeat("x", 24)
	long := fits + "x"
	tests := []struct {
		target     Target
		name, want string
	}{
		{TargetSwarm, fits, fits},
		{TargetSwarm, long, DefaultProjectName},
		{TargetCompose, long, long},
	}
	for _, tt := range tests {
		st := mustRender(t, nil, Options{Target: tt.target, ProjectName: tt.name})
		if st.Options.ProjectName != tt.want {
			t.Errorf("%s %s: stack name %q, want %q", tt.target, tt.name, st.Options.ProjectName, tt.want)
		}
		for name, s := range st.Project.Services {
			if got := s.CustomLabels["com.docker.compose.project"]; got != tt.want {
				t.Errorf("%s %s: %s labeled project %q, want %q", tt.target, tt.name, name, got, tt.want)
			}
		}
	}
}
