package render

import (
	"path"
	"sort"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/honoctl/honoctl/orchestrator/topology"
)

// files gives service s its files: one read-only bind mount per file for
// Compose, one secret per file for a swarm (secrets land at
// /run/secrets/<name> with mode 0444, as in Hono's swarm_deploy.sh).
func (r *renderer) files(s topology.Service, sc *types.ServiceConfig) {
	for _, m := range r.mountsOf(s) {
		if r.opt.Target == TargetSwarm {
			sc.Secrets = append(sc.Secrets, types.ServiceSecretConfig{Source: m.file, Target: m.file})
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
		if s.Role.IsAdapter() {
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
