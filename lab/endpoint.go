package lab

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"slices"
	"strings"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/mount"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/api/types/volume"
	"github.com/docker/docker/pkg/stdcopy"
	"github.com/docker/go-connections/nat"

	"github.com/honoctl/honoctl/orchestrator/engine"
)

// LabelLab marks what the lab creates, with the lab's name as value, so
// that Down finds it; the Compose project label makes honoctl down (and
// docker compose down) remove it with the stack.
const LabelLab = "org.honoctl.lab"

// Port is the endpoint's TLS port inside its container, as Hono's HTTP
// adapter's.
const Port = 8443

// Files where an endpoint finds its key pair.
const (
	certPath = "/run/secrets/lab-cert.pem"
	keyPath  = "/run/secrets/lab-key.pem"
)

// EndpointSpec is one endpoint to run.
type EndpointSpec struct {
	// Name is the container's service name, and its host name on the
	// network.
	Name string
	// Tcnative puts Debian's tcnative into the endpoint's extensions
	// volume; without it the volume stays empty.
	Tcnative bool
	// NativeTLSRequired is Hono's nativeTlsRequired.
	NativeTLSRequired bool
}

// Endpoint is a started endpoint container and what it logged.
type Endpoint struct {
	Spec EndpointSpec
	ID   string
	// Addr is the TLS port published on 127.0.0.1; empty when the
	// endpoint did not start.
	Addr string
	// Log is what the endpoint printed until it was ready or ended.
	Log string
	// Exited is true when the endpoint ended instead of listening, as
	// Hono's services do when nativeTlsRequired cannot be met.
	Exited   bool
	ExitCode int
}

// runEndpoint creates the endpoint's extensions volume and container,
// starts it and waits until it listens or ends.
func (l *Lab) runEndpoint(ctx context.Context, s EndpointSpec) (*Endpoint, error) {
	vol := l.o.Project + "_lab-extensions-" + s.Name
	if err := l.createVolume(ctx, vol); err != nil {
		return nil, err
	}
	if s.Tcnative {
		if err := l.fillExtensions(ctx, vol); err != nil {
			return nil, err
		}
	}

	port := nat.Port(fmt.Sprintf("%d/tcp", Port))
	env := []string{"LAB_CERT=" + certPath, "LAB_KEY=" + keyPath, fmt.Sprintf("LAB_PORT=%d", Port)}
	if s.NativeTLSRequired {
		env = append(env, "LAB_NATIVE_TLS_REQUIRED=true")
	}
	if l.o.Protocols != "" {
		env = append(env, "LAB_PROTOCOLS="+l.o.Protocols)
	}
	created, err := l.e.Client().ContainerCreate(ctx,
		&container.Config{Image: l.image, Env: env, Labels: l.labels(s.Name),
			ExposedPorts: nat.PortSet{port: {}}},
		&container.HostConfig{
			NetworkMode:  container.NetworkMode(l.network),
			PortBindings: nat.PortMap{port: {{HostIP: "127.0.0.1"}}},
			Mounts: []mount.Mount{
				{Type: mount.TypeBind, Source: l.o.Cert, Target: certPath, ReadOnly: true},
				{Type: mount.TypeBind, Source: l.o.Key, Target: keyPath, ReadOnly: true},
				{Type: mount.TypeVolume, Source: vol, Target: "/opt/hono/extensions", ReadOnly: true},
			},
		},
		&network.NetworkingConfig{EndpointsConfig: map[string]*network.EndpointSettings{
			l.network: {Aliases: []string{s.Name}},
		}}, nil, l.containerName(s.Name))
	if err != nil {
		return nil, fmt.Errorf("create endpoint %s: %w", s.Name, err)
	}
	ep := &Endpoint{Spec: s, ID: created.ID}
	if err := l.e.Client().ContainerStart(ctx, created.ID, container.StartOptions{}); err != nil {
		return nil, fmt.Errorf("start endpoint %s: %w", s.Name, err)
	}
	return ep, l.await(ctx, ep)
}

// readyLine is what the endpoint logs once it listens.
const readyLine = "echoing TLS on port"

// await waits until ep listens or ends, and reads its log. A JVM starts in
// seconds; a minute allows for a busy machine.
func (l *Lab) await(ctx context.Context, ep *Endpoint) error {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	cli := l.e.Client()
	for {
		ins, err := cli.ContainerInspect(ctx, ep.ID)
		if err != nil {
			return fmt.Errorf("endpoint %s: %w", ep.Spec.Name, err)
		}
		logs, err := l.logs(ctx, ep.ID)
		if err != nil {
			return fmt.Errorf("endpoint %s: %w", ep.Spec.Name, err)
		}
		ep.Log = logs
		if !ins.State.Running {
			ep.Exited, ep.ExitCode = true, ins.State.ExitCode
			return nil
		}
		if strings.Contains(logs, readyLine) {
			bound := ins.NetworkSettings.Ports[nat.Port(fmt.Sprintf("%d/tcp", Port))]
			if len(bound) == 0 {
				return fmt.Errorf("endpoint %s: port %d is not published", ep.Spec.Name, Port)
			}
			ep.Addr = net.JoinHostPort(bound[0].HostIP, bound[0].HostPort)
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("endpoint %s: not listening within a minute; its log:\n%s",
				ep.Spec.Name, engine.Tail([]byte(logs), 10))
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func (l *Lab) logs(ctx context.Context, id string) (string, error) {
	rc, err := l.e.Client().ContainerLogs(ctx, id, container.LogsOptions{ShowStdout: true, ShowStderr: true})
	if err != nil {
		return "", err
	}
	defer rc.Close()
	var out bytes.Buffer
	if _, err := stdcopy.StdCopy(&out, &out, rc); err != nil {
		return "", err
	}
	return out.String(), nil
}

// fillExtensions copies the staged tcnative into vol, with a container of
// the endpoint image: what scripts/fetch-tcnative.sh debian does to a host
// folder.
func (l *Lab) fillExtensions(ctx context.Context, vol string) error {
	cli := l.e.Client()
	created, err := cli.ContainerCreate(ctx,
		&container.Config{Image: l.image, Labels: l.labels("lab-fill"),
			Entrypoint: []string{"/bin/sh", "-c", "cp " + StagedTcnative + "/* /ext/"}},
		&container.HostConfig{NetworkMode: "none",
			Mounts: []mount.Mount{{Type: mount.TypeVolume, Source: vol, Target: "/ext"}}},
		nil, nil, "")
	if err != nil {
		return fmt.Errorf("fill %s: %w", vol, err)
	}
	defer cli.ContainerRemove(context.WithoutCancel(ctx), created.ID, container.RemoveOptions{Force: true})
	waitC, errC := cli.ContainerWait(ctx, created.ID, container.WaitConditionNextExit)
	if err := cli.ContainerStart(ctx, created.ID, container.StartOptions{}); err != nil {
		return fmt.Errorf("fill %s: %w", vol, err)
	}
	select {
	case w := <-waitC:
		if w.StatusCode != 0 {
			out, _ := l.logs(ctx, created.ID)
			return fmt.Errorf("fill %s: exit %d: %s", vol, w.StatusCode, out)
		}
		return nil
	case err := <-errC:
		return fmt.Errorf("fill %s: %w", vol, err)
	}
}

func (l *Lab) createVolume(ctx context.Context, name string) error {
	_, err := l.e.Client().VolumeCreate(ctx, volume.CreateOptions{Name: name, Labels: l.labels("")})
	if err != nil {
		return fmt.Errorf("create volume %s: %w", name, err)
	}
	return nil
}

// ensureNetwork joins the stack's network when it exists, else makes the
// lab's own.
func (l *Lab) ensureNetwork(ctx context.Context) error {
	cli := l.e.Client()
	if l.o.Network != "" {
		if _, err := cli.NetworkInspect(ctx, l.o.Network, network.InspectOptions{}); err == nil {
			l.network = l.o.Network
			return nil
		} else if !cerrdefs.IsNotFound(err) {
			return fmt.Errorf("network %s: %w", l.o.Network, err)
		}
	}
	l.network = l.o.Project + "_lab"
	if _, err := cli.NetworkInspect(ctx, l.network, network.InspectOptions{}); err == nil {
		return nil
	}
	_, err := cli.NetworkCreate(ctx, l.network, network.CreateOptions{Labels: l.labels("")})
	if err != nil {
		return fmt.Errorf("create network %s: %w", l.network, err)
	}
	return nil
}

func (l *Lab) labels(service string) map[string]string {
	m := map[string]string{
		engine.LabelProject: l.o.Project,
		engine.LabelManaged: "true",
		LabelLab:            l.o.Project,
	}
	if service != "" {
		m[engine.LabelService] = service
	}
	return m
}

func (l *Lab) containerName(service string) string { return l.o.Project + "-" + service }

// Down removes what the lab of project made: containers, volumes and its
// own network (never the stack's).
func Down(ctx context.Context, e *engine.Engine, project string) error {
	cli := e.Client()
	f := filters.NewArgs(filters.Arg("label", LabelLab+"="+project))
	cs, err := cli.ContainerList(ctx, container.ListOptions{All: true, Filters: f})
	if err != nil {
		return fmt.Errorf("list lab containers: %w", err)
	}
	var errs []string
	for _, c := range cs {
		if err := cli.ContainerRemove(ctx, c.ID, container.RemoveOptions{Force: true}); err != nil &&
			!cerrdefs.IsNotFound(err) {
			errs = append(errs, err.Error())
		}
	}
	vs, err := cli.VolumeList(ctx, volume.ListOptions{Filters: f})
	if err != nil {
		return fmt.Errorf("list lab volumes: %w", err)
	}
	for _, v := range vs.Volumes {
		if err := cli.VolumeRemove(ctx, v.Name, true); err != nil && !cerrdefs.IsNotFound(err) {
			errs = append(errs, err.Error())
		}
	}
	ns, err := cli.NetworkList(ctx, network.ListOptions{Filters: f})
	if err != nil {
		return fmt.Errorf("list lab networks: %w", err)
	}
	for _, n := range ns {
		if err := cli.NetworkRemove(ctx, n.ID); err != nil && !cerrdefs.IsNotFound(err) {
			errs = append(errs, err.Error())
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("remove the lab of %s: %s", project, strings.Join(errs, "; "))
	}
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
