package render

import (
	"path"
	"sort"
	"strconv"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/honoctl/honoctl/orchestrator/topology"
)

// files gives service s its files: one read-only bind mount per file for
// Compose, one secret per file for a swarm (secrets land at
// /run/secrets/<name> with mode 0444, as in Hono's swarm_deploy.sh).
func (r *renderer) files(s topology.Service, sc *types.ServiceConfig) {
	for _, m := range r.mountsOf(s) {
		if r.opt.Target == TargetSwarm {
			sec := types.ServiceSecretConfig{Source: m.file, Target: m.file}
			if private(m.file) {
				// Readable by the service's user only, not 0444.
				mode := types.FileMode(0o400)
				sec.UID, sec.GID = r.secretOwner()
				sec.Mode = &mode
			}
			sc.Secrets = append(sc.Secrets, sec)
			continue
		}
		sc.Volumes = append(sc.Volumes, types.ServiceVolumeConfig{
			Type: types.VolumeTypeBind, Source: m.source(), Target: secret(m.file), ReadOnly: true,
		})
	}
	if s.Role == topology.RoleRegistry {
		// The registry saves devices and credentials here: read-write.
		sc.Volumes = append(sc.Volumes, types.ServiceVolumeConfig{
			Type: types.VolumeTypeBind, Source: "./" + RegistryDir, Target: RegistryDataPath,
		})
	}
	if r.upstream() && s.IsJava() {
		// Hono's PropertiesLauncher puts the jars of /opt/hono/extensions on
		// the class path: a tcnative jar there switches on OpenSSL.
		v := types.ServiceVolumeConfig{Type: types.VolumeTypeBind, Source: r.opt.ExtensionsDir,
			Target: ExtensionsPath, ReadOnly: true}
		if r.opt.Extensions == ExtensionsVolume {
			v.Type, v.Source = types.VolumeTypeVolume, extensionsVolName
		}
		sc.Volumes = append(sc.Volumes, v)
	}
}

// private reports whether a mounted file holds a key or a password.
func private(file string) bool {
	return strings.HasSuffix(file, "-key.pem") || modeOf(File{Path: file}) == 0o600
}

// secretOwner is the owner of private secrets in a swarm: the container's
// user (hono-sim's 65532, root in Hono's images, or Options.User).
func (r *renderer) secretOwner() (uid, gid string) {
	if r.opt.User != "" {
		uid, gid, _ = strings.Cut(r.opt.User, ":")
		if gid == "" {
			gid = uid
		}
		return uid, gid
	}
	if r.upstream() {
		return "0", "0"
	}
	return strconv.Itoa(SimUser), strconv.Itoa(SimUser)
}

// secrets declares every mounted file once, for a swarm.
func (r *renderer) secrets() types.Secrets {
	out := types.Secrets{}
	for _, s := range r.top.Services {
		for _, m := range r.mountsOf(s) {
			out[m.file] = types.SecretConfig{File: m.source(), Labels: r.labels(nil)}
		}
	}
	return out
}

// configFiles renders every file under config/ and the registry's seed.
func (r *renderer) configFiles() ([]File, error) {
	var out []File
	add := func(p string, b []byte, err error) error {
		if err == nil {
			out = append(out, File{Path: p, Data: b})
		}
		return err
	}
	cfg := func(f string) string { return path.Join(ConfigDir, f) }

	for _, s := range r.top.Services {
		var err error
		switch {
		case s.Role == topology.RoleRouter:
			b, e := r.routerConfig(s)
			err = add(cfg(RouterConfigFile), b, e)
		default:
			b, e := r.honoConfig(s)
			err = add(cfg(ConfigFile(s)), b, e)
		}
		if err != nil {
			return nil, err
		}
		if r.needsCredentials(s) {
			out = append(out, File{Path: cfg(CredentialsFile(s)), Data: credentialsFile(s)})
		}
	}

	perms, err := r.permissions()
	if err := add(cfg(PermissionsFile), perms, err); err != nil {
		return nil, err
	}
	ten, err := tenants()
	if err != nil {
		return nil, err
	}
	creds, err := credentials()
	if err != nil {
		return nil, err
	}
	devs, err := devices()
	if err != nil {
		return nil, err
	}
	out = append(out,
		File{Path: cfg(ExampleTenants), Data: ten},
		File{Path: cfg(ExampleCreds), Data: creds},
		File{Path: cfg(ExampleDevices), Data: devs},
		// The registry's files: seeded once, then the registry's own.
		File{Path: path.Join(RegistryDir, registryTenants), Data: ten, Seed: true},
		File{Path: path.Join(RegistryDir, registryCreds), Data: creds, Seed: true},
		File{Path: path.Join(RegistryDir, registryDevices), Data: devs, Seed: true},
	)
	sort.SliceStable(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out, nil
}

// Limits of the names docker stack deploy makes: a secret is
// "<stack>_<file>" and a service "<stack>_<service>".
const (
	maxSecretName  = 64 // swarmkit's limit on object names
	maxServiceName = 63 // a service's name is a DNS label
)

// MaxStackName is the longest stack name under which docker stack deploy
// accepts project p: longer ones make a secret's or a service's name too
// long, and the deploy fails half-way.
func MaxStackName(p *types.Project) int {
	most := maxSecretName
	for name := range p.Secrets {
		most = min(most, maxSecretName-1-len(name))
	}
	for name := range p.Services {
		most = min(most, maxServiceName-1-len(name))
	}
	return most
}
