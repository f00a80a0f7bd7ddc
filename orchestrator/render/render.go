// Package render turns a topology into the files a stack runs from: a
// compose project built with compose-go's types, each service's Hono YAML
// configuration, the Dispatch Router's qdrouterd.json, the Auth Server's
// permissions, the adapters' credentials and the Device Registry's seed data.
//
// Render never talks to Docker and never reads a private key: it only names
// the files of the PKI that each service mounts.
package render

import (
	"fmt"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/honoctl/honoctl/orchestrator/topology"
)

// Target is what the compose file is written for.
type Target string

// The two targets: Compose (docker compose, honoctl up) or a Swarm stack
// (docker stack deploy), as Hono 0.7's own swarm_deploy.sh ran it.
const (
	TargetCompose Target = "compose"
	TargetSwarm   Target = "swarm"
)

// Extensions says where /opt/hono/extensions comes from in the upstream
// flavor.
type Extensions string

// A bind mount of the stack folder's extensions/ folder, or a named volume as
// Hono's sandbox deployment used (hono-extensions).
const (
	ExtensionsBind   Extensions = "bind"
	ExtensionsVolume Extensions = "volume"
)

// Options shape the rendered files beyond the topology.
type Options struct {
	// Target is the deployment the compose file is for. Default: TargetCompose.
	Target Target
	// Extensions is the source of /opt/hono/extensions for the Java services
	// of the upstream flavor. Default: ExtensionsBind.
	Extensions Extensions
	// ExtensionsDir is the host folder bound at /opt/hono/extensions with
	// ExtensionsBind: relative to the stack folder (the compose file's), or
	// absolute. Default: "./extensions", inside the stack folder.
	ExtensionsDir string
	// ProjectName is the Compose project name; it goes into the Compose
	// labels of the project (types.ServiceConfig.CustomLabels), not into the
	// file, so that "docker compose -p NAME" still chooses. For a swarm it
	// is the stack's name, which Render shortens to DefaultProjectName
	// when the names docker stack deploy makes of it would be too long.
	// Default: DefaultProjectName.
	ProjectName string
	// User is the container user ("uid:gid"). Bind-mounted keys keep their
	// host owner and mode 0600, so a container reads them only as their
	// owner. Default: empty, the image's user (65532 for hono-sim).
	User string
	// SharedSecret signs the Device Registry's registration assertions
	// (HS256, at least 32 bytes). Default: Hono 0.7's demo secret.
	SharedSecret string
}

// honoDemoSecret is hono.regAssertion.sharedSecret of Hono 0.7's deploy/pom.xml.
// It is public: the demo stack is not meant to keep devices' assertions
// from anyone, only to run as Hono did.
const honoDemoSecret = "g#aWO!BUm7aj*#%X*VGXKFhxkhNrMNj0"

func (o Options) withDefaults() (Options, error) {
	if o.Target == "" {
		o.Target = TargetCompose
	}
	if o.Extensions == "" {
		o.Extensions = ExtensionsBind
	}
	if o.ExtensionsDir == "" {
		o.ExtensionsDir = "./" + ExtensionDir
	}
	if !filepath.IsAbs(o.ExtensionsDir) && !strings.HasPrefix(o.ExtensionsDir, ".") {
		// compose reads "name" as a volume name; a folder must look like one.
		o.ExtensionsDir = "./" + o.ExtensionsDir
	}
	o.ExtensionsDir = filepath.ToSlash(o.ExtensionsDir)
	if o.ProjectName == "" {
		o.ProjectName = DefaultProjectName
	}
	if o.SharedSecret == "" {
		o.SharedSecret = honoDemoSecret
	}
	switch {
	case o.Target != TargetCompose && o.Target != TargetSwarm:
		return o, fmt.Errorf("target %q: want %s or %s", o.Target, TargetCompose, TargetSwarm)
	case o.Extensions != ExtensionsBind && o.Extensions != ExtensionsVolume:
		return o, fmt.Errorf("extensions %q: want %s or %s", o.Extensions, ExtensionsBind, ExtensionsVolume)
	case len(o.SharedSecret) < 32:
		return o, fmt.Errorf("shared secret: %d bytes, Hono needs at least 32 for HS256", len(o.SharedSecret))
	}
	return o, nil
}

// Layout of the stack folder, relative to it (the folder of compose.yaml).
const (
	ComposeFile  = "compose.yaml"
	CertsDir     = "certs"
	ConfigDir    = "config"
	RegistryDir  = "registry-data"
	ExtensionDir = "extensions"
)

// Paths inside the containers, as in Hono's Swarm deployment.
const (
	SecretsDir        = "/run/secrets"
	ExtensionsPath    = "/opt/hono/extensions"
	RegistryDataPath  = "/var/lib/hono/device-registry"
	TrustedCerts      = "trusted-certs.pem"
	RouterConfigFile  = "qdrouterd.json"
	PermissionsFile   = "permissions.json"
	ExampleTenants    = "example-tenants.json"
	ExampleCreds      = "example-credentials.json"
	ExampleDevices    = "example-device-identities.json"
	registryCreds     = "credentials.json"
	registryTenants   = "tenants.json"
	registryDevices   = "device-identities.json"
	extensionsVolName = "hono-extensions"
)

// secret is the path of a mounted file inside a container.
func secret(file string) string { return path.Join(SecretsDir, file) }

// ConfigFile is the name of a service's Hono YAML configuration.
func ConfigFile(s topology.Service) string { return s.Name + "-config.yml" }

// CredentialsFile is the name of an adapter's credentials file,
// "http-adapter.credentials" (its certificate name, as Hono's).
func CredentialsFile(s topology.Service) string { return s.CertName + ".credentials" }

// File is one rendered file, its path relative to the stack folder.
type File struct {
	Path string
	Data []byte
	// Seed marks data the running stack owns afterwards (the Device
	// Registry saves to it): written only when missing.
	Seed bool
}

// Stack is the result of a render: the compose project and every file.
type Stack struct {
	Project *types.Project
	// Compose is the compose file as written, validated by compose-go.
	Compose []byte
	// Files are every file a service reads, compose.yaml included.
	Files []File
	// Options are the options it was rendered with, defaults filled in;
	// Options.Save records them beside the files.
	Options Options

	// extensionsDir is the folder the upstream flavor binds at
	// /opt/hono/extensions, "" when nothing is bound.
	extensionsDir string
}

// Render builds the stack of topology t.
func Render(t *topology.Topology, o Options) (*Stack, error) {
	o, err := o.withDefaults()
	if err != nil {
		return nil, err
	}
	r := &renderer{top: t, opt: o}
	if err := r.consistent(); err != nil {
		return nil, err
	}

	files, err := r.configFiles()
	if err != nil {
		return nil, err
	}
	p := r.project()
	// A stack name too long for its secrets' and services' names would
	// fail docker stack deploy half-way, after some secrets exist; the
	// default name fits every stack.
	if o.Target == TargetSwarm && len(o.ProjectName) > MaxStackName(p) {
		o.ProjectName = DefaultProjectName
		r.opt = o
		p = r.project()
	}
	data, err := marshal(p, o.Target)
	if err != nil {
		return nil, err
	}
	if err := validate(data, o.ProjectName); err != nil {
		return nil, err
	}
	files = append([]File{{Path: ComposeFile, Data: data}}, files...)
	return &Stack{Project: p, Compose: data, Files: files, Options: o,
		extensionsDir: r.extensionsBind()}, nil
}

type renderer struct {
	top *topology.Topology
	opt Options
}

func (r *renderer) upstream() bool { return r.top.Options.Flavor == topology.FlavorUpstream }

// consistent checks that every link's TLS setting is the one of the port
// it dials. Two channels can share a listener (the router's internal one
// serves Hono Messaging and, with adapters to the router, the adapters);
// turning TLS off on one of them alone would leave the other speaking TLS
// to a plain port.
func (r *renderer) consistent() error {
	for _, l := range r.top.Links {
		srv, ok := r.top.Service(l.Server)
		if !ok {
			return fmt.Errorf("topology: link %s: no service %s", l, l.Server)
		}
		p, ok := srv.Port(l.Port.Name)
		if !ok || p.TLS == l.TLS {
			continue
		}
		var others []string
		for _, o := range r.top.Links {
			if o.Server == l.Server && o.Port.Name == l.Port.Name && o.TLS != l.TLS {
				others = append(others, o.Channel.Key())
			}
		}
		slices.Sort(others)
		others = slices.Compact(others)
		return fmt.Errorf("channel %s (%s) keeps TLS while %s turns it off on the same listener, "+
			"%s:%d; turn TLS off on all of them or on none (--tls-off %s --tls-off %s)",
			l.Channel.Key(), l, strings.Join(others, ", "), l.Server, p.Container,
			l.Channel.Key(), strings.Join(others, " --tls-off "))
	}
	return nil
}

// extensionsBind is the host folder bound at /opt/hono/extensions, or "".
func (r *renderer) extensionsBind() string {
	if r.upstream() && r.opt.Extensions == ExtensionsBind {
		return r.opt.ExtensionsDir
	}
	return ""
}
