package engine

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/mount"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/go-connections/nat"
)

// spec is everything the engine needs to create one service's container.
type spec struct {
	service string
	name    string
	hash    string
	config  *container.Config
	host    *container.HostConfig
	net     *network.NetworkingConfig
}

// MissingFileError names a file a service mounts that is not there.
type MissingFileError struct {
	Service, Path string
}

func (e *MissingFileError) Error() string {
	msg := fmt.Sprintf("service %s mounts %s, which is missing", e.Service, e.Path)
	if filepath.Base(filepath.Dir(e.Path)) == "certs" {
		return msg + "; create the certificates with: honoctl certs --dir " +
			filepath.Dir(filepath.Dir(e.Path))
	}
	return msg + "; render the stack again (honoctl render)"
}

// newSpec maps compose service s of project p to a container. imageID is
// the ID of its image on the engine: a rebuilt image changes the hash.
func newSpec(p *types.Project, s types.ServiceConfig, imageID string) (*spec, error) {
	mounts, contents, err := mountsOf(p, s)
	if err != nil {
		return nil, err
	}
	hash, err := configHash(s, imageID, contents)
	if err != nil {
		return nil, err
	}
	exposed, bindings, err := portsOf(s)
	if err != nil {
		return nil, err
	}

	labels := map[string]string{}
	for k, v := range s.Labels {
		labels[k] = v
	}
	for k, v := range projectLabels(p) {
		labels[k] = v
	}
	labels[LabelService] = s.Name
	labels[LabelNumber] = "1"
	labels[LabelOneoff] = "False"
	labels[LabelConfigHash] = hash
	labels[LabelImage] = imageID
	labels[LabelDependsOn] = dependsOnLabel(s)

	cfg := &container.Config{
		Image:        s.Image,
		Cmd:          []string(s.Command),
		Entrypoint:   []string(s.Entrypoint),
		Env:          envOf(s),
		Labels:       labels,
		User:         s.User,
		WorkingDir:   s.WorkingDir,
		Hostname:     s.Hostname,
		ExposedPorts: exposed,
		Healthcheck:  healthOf(s.HealthCheck),
	}
	if s.StopGracePeriod != nil {
		secs := int(time.Duration(*s.StopGracePeriod).Seconds())
		cfg.StopTimeout = &secs
	}

	host := &container.HostConfig{
		Mounts:         mounts,
		PortBindings:   bindings,
		RestartPolicy:  container.RestartPolicy{Name: container.RestartPolicyMode(s.Restart)},
		ReadonlyRootfs: s.ReadOnly,
		CapDrop:        s.CapDrop,
		Init:           s.Init,
	}
	host.Memory = int64(s.MemLimit)
	if d := s.Deploy; d != nil && d.Resources.Limits != nil && d.Resources.Limits.MemoryBytes > 0 {
		host.Memory = int64(d.Resources.Limits.MemoryBytes)
	}

	endpoints := map[string]*network.EndpointSettings{}
	for key, sn := range s.Networks {
		n, ok := p.Networks[key]
		if !ok {
			return nil, fmt.Errorf("service %s: network %s is not declared", s.Name, key)
		}
		ep := &network.EndpointSettings{Aliases: []string{s.Name}}
		if sn != nil {
			ep.Aliases = append(ep.Aliases, sn.Aliases...)
		}
		endpoints[n.Name] = ep
		if host.NetworkMode == "" {
			host.NetworkMode = container.NetworkMode(n.Name)
		}
	}
	// NOTE: the API attaches a container to one network at create time;
	// render gives every service exactly one.
	if len(endpoints) > 1 {
		return nil, fmt.Errorf("service %s: %d networks; honoctl up attaches one", s.Name, len(endpoints))
	}

	return &spec{service: s.Name, name: ContainerName(p, s.Name), hash: hash,
		config: cfg, host: host, net: &network.NetworkingConfig{EndpointsConfig: endpoints}}, nil
}

// projectLabels are the labels of everything in project p.
func projectLabels(p *types.Project) map[string]string {
	files := make([]string, 0, len(p.ComposeFiles))
	files = append(files, p.ComposeFiles...)
	return map[string]string{
		LabelProject:     p.Name,
		LabelWorkingDir:  p.WorkingDir,
		LabelConfigFiles: strings.Join(files, ","),
		LabelVersion:     composeVersion,
	}
}

func dependsOnLabel(s types.ServiceConfig) string {
	var deps []string
	for name, d := range s.DependsOn {
		deps = append(deps, fmt.Sprintf("%s:%s:%t", name, d.Condition, d.Restart))
	}
	sort.Strings(deps)
	return strings.Join(deps, ",")
}

func envOf(s types.ServiceConfig) []string {
	env := make([]string, 0, len(s.Environment))
	for k, v := range s.Environment {
		if v == nil {
			env = append(env, k)
			continue
		}
		env = append(env, k+"="+*v)
	}
	sort.Strings(env)
	return env
}

func healthOf(h *types.HealthCheckConfig) *container.HealthConfig {
	if h == nil {
		return nil
	}
	if h.Disable {
		return &container.HealthConfig{Test: []string{"NONE"}}
	}
	hc := &container.HealthConfig{Test: []string(h.Test)}
	if h.Interval != nil {
		hc.Interval = time.Duration(*h.Interval)
	}
	if h.Timeout != nil {
		hc.Timeout = time.Duration(*h.Timeout)
	}
	if h.StartPeriod != nil {
		hc.StartPeriod = time.Duration(*h.StartPeriod)
	}
	if h.Retries != nil {
		hc.Retries = int(*h.Retries)
	}
	return hc
}

// portsOf maps published ports, each bound to the rendered host address.
func portsOf(s types.ServiceConfig) (nat.PortSet, nat.PortMap, error) {
	exposed, bindings := nat.PortSet{}, nat.PortMap{}
	for _, pc := range s.Ports {
		proto := pc.Protocol
		if proto == "" {
			proto = "tcp"
		}
		port, err := nat.NewPort(proto, strconv.Itoa(int(pc.Target)))
		if err != nil {
			return nil, nil, fmt.Errorf("service %s: port %d: %w", s.Name, pc.Target, err)
		}
		exposed[port] = struct{}{}
		if pc.Published != "" {
			bindings[port] = append(bindings[port], nat.PortBinding{HostIP: pc.HostIP, HostPort: pc.Published})
		}
	}
	return exposed, bindings, nil
}

// mountsOf maps bind mounts (sources absolute, read-only as rendered) and
// named volumes, and returns the contents' digests of the files bound:
// a changed configuration file replaces the container that reads it.
func mountsOf(p *types.Project, s types.ServiceConfig) ([]mount.Mount, map[string]string, error) {
	var mounts []mount.Mount
	contents := map[string]string{}
	for _, v := range s.Volumes {
		m := mount.Mount{Target: v.Target, ReadOnly: v.ReadOnly}
		switch v.Type {
		case types.VolumeTypeBind:
			m.Type, m.Source = mount.TypeBind, v.Source
			d, err := digestOf(v.Source)
			if errors.Is(err, fs.ErrNotExist) {
				return nil, nil, &MissingFileError{Service: s.Name, Path: v.Source}
			}
			if err != nil {
				return nil, nil, fmt.Errorf("service %s: mount %s: %w", s.Name, v.Source, err)
			}
			contents[v.Target] = d
		case types.VolumeTypeVolume:
			vol, ok := p.Volumes[v.Source]
			if !ok {
				return nil, nil, fmt.Errorf("service %s: volume %s is not declared", s.Name, v.Source)
			}
			m.Type, m.Source = mount.TypeVolume, vol.Name
		default:
			return nil, nil, fmt.Errorf("service %s: %s mounts are not supported by honoctl up", s.Name, v.Type)
		}
		mounts = append(mounts, m)
	}
	return mounts, contents, nil
}

// digestOf is the SHA-256 of a regular file. A folder the service writes to
// (the registry's data) has no digest: its changes are the service's own.
// A file that cannot be read (a key owned by the container's user) is
// known by its size and time.
func digestOf(path string) (string, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return "", err
	}
	if fi.IsDir() {
		return "dir", nil
	}
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrPermission) {
		return fmt.Sprintf("%d@%d", fi.Size(), fi.ModTime().UnixNano()), nil
	}
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// configHash identifies what a container of service s runs: its
// configuration (not its place in the start order), its image and the
// files it reads. Same hash, same container.
func configHash(s types.ServiceConfig, imageID string, contents map[string]string) (string, error) {
	s.DependsOn = nil
	s.Build = nil
	s.Scale = nil
	data, err := json.Marshal(struct {
		Service types.ServiceConfig
		Image   string
		Files   map[string]string
	}{s, imageID, contents})
	if err != nil {
		return "", fmt.Errorf("service %s: hash: %w", s.Name, err)
	}
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:]), nil
}
