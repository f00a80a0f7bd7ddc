package render

import (
	"fmt"
	"strconv"
	"time"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/honoctl/honoctl/orchestrator/topology"
)

// Images of the two flavors.
const (
	SimImage    = "honoctl/hono-sim:latest"
	RouterImage = "enmasseproject/qdrouterd-base:1.1.0"
)

// upstreamImage is the Eclipse Hono 0.7 image of a service, named after its
// Maven artifact as Hono's pom does ("eclipse/%a:%v").
func upstreamImage(s topology.Service) string {
	if s.Role == topology.RoleRouter {
		return RouterImage
	}
	return "eclipse/" + s.Name + ":0.7"
}

// Labels every resource of a stack carries.
const (
	LabelManaged = "org.honoctl.managed"
	LabelRole    = "org.honoctl.role"
	LabelFlavor  = "org.honoctl.flavor"
	NetworkName  = "hono"
)

// java is the environment and memory of a Hono service in 0.7's Swarm
// deployment (swarm_deploy.sh).
type java struct {
	profiles string
	xmx      string
	memory   types.UnitBytes
}

const mib = 1 << 20

var javaOf = map[topology.Role]java{
	topology.RoleAuth:        {"authentication-impl,dev", "-Xmx150m", 196 * mib},
	topology.RoleRegistry:    {"dev", "-Xmx180m", 256 * mib},
	topology.RoleMessaging:   {"dev", "-Xmx180m", 256 * mib},
	topology.RoleHTTPAdapter: {"dev", "-Xmx180m", 256 * mib},
	topology.RoleMQTTAdapter: {"dev", "-Xmx180m", 256 * mib},
	topology.RoleKuraAdapter: {"prod", "-Xmx180m", 256 * mib},
}

// routerMemory is the Dispatch Router's limit in Hono's Swarm deployment.
const routerMemory = 512 * mib

// project builds the compose project of the stack.
func (r *renderer) project() *types.Project {
	p := &types.Project{
		Services: types.Services{},
		Networks: types.Networks{NetworkName: r.network()},
	}
	for _, s := range r.top.Services {
		p.Services[s.Name] = r.service(s)
	}
	if r.upstream() && r.opt.Extensions == ExtensionsVolume {
		// Hono's sandbox used a volume of this name, filled by the
		// operator; an empty one means the JDK engine.
		p.Volumes = types.Volumes{extensionsVolName: {Labels: r.labels(nil)}}
	}
	if r.opt.Target == TargetSwarm {
		p.Secrets = r.secrets()
	}
	return p
}

func (r *renderer) network() types.NetworkConfig {
	n := types.NetworkConfig{Labels: r.labels(nil)}
	if r.opt.Target == TargetSwarm {
		// As swarm_deploy.sh: an overlay network; attachable so that a
		// probe container can join it.
		n.Driver, n.Attachable = "overlay", true
	}
	return n
}

func (r *renderer) labels(s *topology.Service) types.Labels {
	l := types.Labels{LabelManaged: "true", LabelFlavor: string(r.top.Options.Flavor)}
	if s != nil {
		l[LabelRole] = string(s.Role)
	}
	return l
}

func (r *renderer) service(s topology.Service) types.ServiceConfig {
	sc := types.ServiceConfig{Name: s.Name}
	sc.Image = SimImage
	sc.Command = types.ShellCommand{string(s.Role)}
	if s.Role == topology.RoleRouter {
		sc.Command = append(sc.Command, "-c", secret(RouterConfigFile))
	}
	if r.upstream() {
		sc.Image, sc.Command = upstreamImage(s), nil
		if s.Role == topology.RoleRouter {
			sc.Command = types.ShellCommand{"/sbin/qdrouterd", "-c", secret(RouterConfigFile)}
		}
	}
	sc.Environment = r.environment(s)
	sc.User = r.opt.User
	sc.Labels = r.labels(&s)
	sc.CustomLabels = r.composeLabels(s)
	sc.Networks = map[string]*types.ServiceNetworkConfig{
		NetworkName: {Aliases: []string{s.Alias()}},
	}
	sc.HealthCheck = r.healthCheck(s)
	sc.Ports = r.ports(s)
	r.files(s, &sc)

	if r.opt.Target == TargetSwarm {
		sc.Deploy = r.deploy(s)
		return sc
	}
	sc.Restart = types.RestartPolicyUnlessStopped
	sc.DependsOn = r.dependsOn(s)
	if r.upstream() {
		sc.MemLimit = memoryOf(s)
	}
	return sc
}

// composeLabels are the labels docker compose puts on the containers it
// creates; they are not written to the file (compose adds them itself) but
// carried in the project for engines that create containers from it.
func (r *renderer) composeLabels(s topology.Service) types.Labels {
	return types.Labels{
		"com.docker.compose.project":          r.opt.ProjectName,
		"com.docker.compose.service":          s.Name,
		"com.docker.compose.oneoff":           "False",
		"com.docker.compose.container-number": "1",
	}
}

func memoryOf(s topology.Service) types.UnitBytes {
	if s.Role == topology.RoleRouter {
		return routerMemory
	}
	return javaOf[s.Role].memory
}

// environment names the service's configuration file. Passwords and keys
// stay in mounted files: nothing secret goes into the environment.
func (r *renderer) environment(s topology.Service) types.MappingWithEquals {
	if s.Role == topology.RoleRouter {
		return nil
	}
	env := types.MappingWithEquals{}
	set := func(k, v string) { env[k] = &v }
	set("SPRING_CONFIG_LOCATION", "file://"+secret(ConfigFile(s)))
	if r.upstream() {
		j := javaOf[s.Role]
		set("SPRING_PROFILES_ACTIVE", j.profiles)
		set("_JAVA_OPTIONS", j.xmx)
		set("LOGGING_CONFIG", "classpath:logback-spring.xml")
	}
	return env
}

// ports publishes the ports that have a host port, bound to the topology's
// BindAddress (loopback by default).
func (r *renderer) ports(s topology.Service) []types.ServicePortConfig {
	var out []types.ServicePortConfig
	for _, p := range s.Ports {
		if p.Host == 0 {
			continue
		}
		pc := types.ServicePortConfig{Target: uint32(p.Container), Published: strconv.Itoa(p.Host),
			Protocol: "tcp"}
		if r.opt.Target == TargetSwarm {
			// Published on the node that runs the task, not on the routing
			// mesh: the mesh is IPVS, which kernels without ip_vs (many VMs,
			// rootless engines) lack, and with one replica per service it
			// adds nothing on a single node. The v3 file format has no host
			// address, so BindAddress cannot apply: the port is on every
			// interface of the node.
			pc.Mode = "host"
		} else {
			pc.HostIP = r.top.Options.BindAddress
		}
		out = append(out, pc)
	}
	return out
}

func (r *renderer) deploy(s topology.Service) *types.DeployConfig {
	one := 1
	d := &types.DeployConfig{
		Mode: "replicated", Replicas: &one, Labels: r.labels(&s),
		// The service's name resolves to its task's address, not to a
		// virtual IP: a VIP is IPVS too, and without ip_vs every connection
		// to one ends in "no route to host".
		EndpointMode: "dnsrr",
		// As docker service create's default, which swarm_deploy.sh kept:
		// a task that fails its health check is stopped and exits 0, and
		// "on-failure" would leave it stopped for good.
		RestartPolicy: &types.RestartPolicy{Condition: "any"},
	}
	if r.upstream() {
		d.Resources.Limits = &types.Resource{MemoryBytes: memoryOf(s)}
	}
	return d
}

// dependsOn starts each service after the servers it is a client of are
// healthy, following the topology's links.
func (r *renderer) dependsOn(s topology.Service) types.DependsOnConfig {
	deps := types.DependsOnConfig{}
	for _, l := range r.top.Links {
		if l.Client != s.Name || l.Server == s.Name {
			continue
		}
		deps[l.Server] = types.ServiceDependency{Condition: types.ServiceConditionHealthy, Required: true}
	}
	if s.Role.IsAdapter() {
		// The command connection of Hono 0.7's adapters goes to the router.
		router := r.top.ByRole(topology.RoleRouter)[0]
		deps[router.Name] = types.ServiceDependency{Condition: types.ServiceConditionHealthy, Required: true}
	}
	if len(deps) == 0 {
		return nil
	}
	return deps
}

func (r *renderer) healthCheck(s topology.Service) *types.HealthCheckConfig {
	d := func(v time.Duration) *types.Duration { x := types.Duration(v); return &x }
	n := func(v uint64) *uint64 { return &v }
	if !r.upstream() {
		// hono-sim starts in well under a second; a scratch image has no
		// shell or curl, so the binary asks its own readiness endpoint.
		return &types.HealthCheckConfig{
			Test:     types.HealthCheckTest{"CMD", "/hono-sim", "health"},
			Interval: d(time.Second), Timeout: d(3 * time.Second), Retries: n(30),
		}
	}
	// Hono's images are Debian (openjdk:8u171-jre-slim) with bash but no
	// curl; bash's /dev/tcp asks the readiness endpoint. The Auth Server
	// exposes no health port and the router has none: for them a listener
	// that accepts is the sign of life.
	probe := "exec 3<>/dev/tcp/127.0.0.1/%d && printf 'GET /readiness HTTP/1.0\\r\\n\\r\\n' >&3 && " +
		"head -n 1 <&3 | grep -q ' 200 '"
	cmd := fmt.Sprintf(probe, topology.HealthPort.Container)
	if s.Role == topology.RoleAuth || s.Role == topology.RoleRouter {
		cmd = fmt.Sprintf("exec 3<>/dev/tcp/127.0.0.1/%d", listenPort(s))
	}
	return &types.HealthCheckConfig{
		Test:     types.HealthCheckTest{"CMD", "bash", "-c", cmd},
		Interval: d(5 * time.Second), Timeout: d(3 * time.Second), Retries: n(5),
		StartPeriod: d(60 * time.Second),
	}
}

// listenPort is the first port the service listens on: its TLS port, or
// the plain one when TLS is off.
func listenPort(s topology.Service) int {
	return s.Ports[0].Container
}
