package e2e

import (
	"bytes"
	"context"
	"net"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/api/types/swarm"

	"github.com/honoctl/honoctl/orchestrator/check"
	"github.com/honoctl/honoctl/orchestrator/render"
	"github.com/honoctl/honoctl/orchestrator/topology"
)

// labelStack is the label docker stack deploy puts on a stack's objects.
const labelStack = "com.docker.stack.namespace"

// TestSwarmStackDeploys deploys the rendered swarm file with the docker
// CLI's docker stack deploy on a single-node swarm, waits until every
// service's container is healthy, and sends telemetry from curl through
// the HTTP adapter, Hono Messaging and the router to a Qpid Proton
// consumer: every hop crosses the overlay network with TLS.
//
// The stack's name is as long as MaxStackName allows, so that a limit
// render gets wrong makes the deploy fail here.
//
// NOTE: docker swarm leave breaks the name resolution of the bridge
// networks that exist meanwhile (see singleNodeSwarm), so make test runs
// this test alone, before all the others.
func TestSwarmStackDeploys(t *testing.T) {
	e := needDocker(t)
	docker, err := exec.LookPath("docker")
	if err != nil {
		t.Fatalf("the docker CLI is the peer of this test and is missing: %v", err)
	}
	longest := 64 - 1 - len("hono-service-device-registry-config.yml")
	name := "e2e-swarm-" + strings.Repeat("x", longest-len("e2e-swarm-"))
	s := newStackNamed(t, e, name)
	offset := freeOffset(t, simPorts())
	s.mustHonoctl("certs")
	_, stderr := s.mustHonoctl("render", "--port-offset", strconv.Itoa(offset), "--target", "swarm")
	if !strings.HasSuffix(stderr, " "+name+"\n") {
		t.Fatalf("render does not deploy as %s (%d characters):\n%s", name, len(name), stderr)
	}
	s.useImage(imageHonoSim)

	singleNodeSwarm(t, s)
	cli := func(args ...string) string {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, docker, args...)
		cmd.Dir = s.dir
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Run(); err != nil {
			t.Fatalf("docker %s: %v\n%s", strings.Join(args, " "), err, out.String())
		}
		return out.String()
	}
	t.Cleanup(func() { removeSwarmStack(t, s, cli) })
	// No registry to ask for digests: the image is local.
	cli("stack", "deploy", "--resolve-image", "never", "-c", render.ComposeFile, name)

	services := len(topology.Default().Services)
	if !waitSwarmHealthy(t, s, services, 2*time.Minute) {
		var logs strings.Builder
		for _, svc := range topology.Default().Services {
			logs.WriteString(cli("service", "logs", "--tail", "5", name+"_"+svc.Name))
		}
		t.Fatalf("stack %s: not all %d services healthy after 2m:\n%s\nlast log lines:\n%s", name, services,
			cli("stack", "ps", "--no-trunc", "--format", "{{.Name}} {{.CurrentState}} {{.Error}}", name), logs.String())
	}

	// honoctl sees the swarm's task containers as the stack's services,
	// and checks every channel across the overlay network.
	if stdout, _ := s.mustHonoctl("status"); strings.Count(stdout, "running (healthy)") != services {
		t.Errorf("honoctl status of the swarm stack: want %d healthy:\n%s", services, stdout)
	}
	code, r := s.check()
	if code != 0 || len(red(r)) > 0 {
		t.Errorf("honoctl check of the swarm stack: exit %d:%s", code, failures(r))
	}
	t.Logf("check of the swarm stack: %d findings", len(r.Findings))
	for _, id := range []string{check.IDHandshake, check.IDAMQPAttach, check.IDServiceReady, check.IDTLSEngine,
		check.IDDataHTTP, check.IDDataMQTT, check.IDDataKura} {
		if !slices.ContainsFunc(r.Findings, func(f check.Finding) bool { return f.Check == id && f.Status == check.Pass }) {
			t.Errorf("check of the swarm stack: no passing %s finding", id)
		}
	}

	// down is Compose's: it leaves the swarm's tasks and says what removes them.
	if _, stderr := s.mustHonoctl("down"); !strings.Contains(stderr, "docker stack rm "+name) {
		t.Errorf("honoctl down of a swarm folder does not name docker stack rm:\n%s", stderr)
	}

	// The application on the router's published port, then a device.
	certs := filepath.Join(s.dir, render.CertsDir)
	ca := filepath.Join(certs, render.TrustedCerts)
	p := startConsumer(t, ca, 15671+offset)
	if resp := postTelemetry(t, ca, 8443+offset, "sensor1@DEFAULT_TENANT:hono-secret", `{"temp": 5}`); !strings.HasPrefix(resp, "HTTP/1.1 202") {
		t.Fatalf("telemetry through the swarm's HTTP adapter: want 202, got\n%s", resp)
	}
	got := nextReceived(t, p)
	if got.Body != `{"temp": 5}` || got.Properties["orig_adapter"] != "hono-http" {
		t.Errorf("the consumer got %q %v", got.Body, got.Properties)
	}
}

// singleNodeSwarm makes the engine a single-node swarm manager on
// loopback for the test and leaves it afterwards. An engine that already
// is in a swarm is used as it is and stays in it.
func singleNodeSwarm(t *testing.T, s *stack) {
	t.Helper()
	ctx := context.Background()
	cli := s.e.Client()
	info, err := cli.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	switch info.Swarm.LocalNodeState {
	case swarm.LocalNodeStateActive:
		if !info.Swarm.ControlAvailable {
			t.Fatalf("the engine is a swarm worker; docker stack deploy needs a manager")
		}
		return
	case swarm.LocalNodeStateInactive:
	default:
		t.Fatalf("the engine's swarm is %s; wait, or run docker swarm leave --force", info.Swarm.LocalNodeState)
	}
	// NOTE: docker swarm leave breaks name resolution on the bridge
	// networks that exist meanwhile until they are made anew (seen with
	// Docker 20.10; moby/moby#45144): a stack running beside this test, the
	// demo's say, would lose its service names. So the test does not make a
	// swarm next to one.
	if busy := busyNetworks(t, s); len(busy) > 0 {
		t.Fatalf("networks %v have running containers; docker swarm leave, which this test ends with, would "+
			"break their name resolution: stop those stacks (honoctl down, make down) and run the test again",
			busy)
	}
	hadBridge := networkExists(t, s, "docker_gwbridge")
	addr := "127.0.0.1:" + strconv.Itoa(freePort(t))
	// A long task history, so that a failure shows every failed task.
	keep := int64(50)
	req := swarm.InitRequest{ListenAddr: addr, AdvertiseAddr: addr,
		Spec: swarm.Spec{Orchestration: swarm.OrchestrationConfig{TaskHistoryRetentionLimit: &keep}}}
	if _, err := cli.SwarmInit(ctx, req); err != nil {
		t.Fatalf("docker swarm init on %s: %v", addr, err)
	}
	t.Cleanup(func() {
		if err := cli.SwarmLeave(context.Background(), true); err != nil {
			t.Errorf("docker swarm leave --force: %v", err)
		}
		// Swarm made this bridge for the tasks' published ports; it
		// outlives the swarm.
		if !hadBridge && networkExists(t, s, "docker_gwbridge") {
			if err := cli.NetworkRemove(context.Background(), "docker_gwbridge"); err != nil {
				t.Errorf("remove docker_gwbridge: %v", err)
			}
		}
	})
}

// busyNetworks are the user-defined bridge networks with containers.
func busyNetworks(t *testing.T, s *stack) []string {
	t.Helper()
	ctx := context.Background()
	nets, err := s.e.Client().NetworkList(ctx, network.ListOptions{Filters: filters.NewArgs(filters.Arg("driver", "bridge"))})
	if err != nil {
		t.Fatal(err)
	}
	var busy []string
	for _, n := range nets {
		if n.Name == "bridge" || n.Name == "docker_gwbridge" {
			continue
		}
		ins, err := s.e.Client().NetworkInspect(ctx, n.ID, network.InspectOptions{})
		if err == nil && len(ins.Containers) > 0 {
			busy = append(busy, n.Name)
		}
	}
	return busy
}

func networkExists(t *testing.T, s *stack, name string) bool {
	t.Helper()
	_, err := s.e.Client().NetworkInspect(context.Background(), name, network.InspectOptions{})
	return err == nil
}

// freePort is a TCP port nobody listens on at 127.0.0.1 just now.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// stackContainers lists the stack's task containers.
func stackContainers(t *testing.T, s *stack) []container.Summary {
	t.Helper()
	cs, err := s.e.Client().ContainerList(context.Background(), container.ListOptions{All: true,
		Filters: filters.NewArgs(filters.Arg("label", labelStack+"="+s.project))})
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

// waitSwarmHealthy waits until n of the stack's containers run healthy.
func waitSwarmHealthy(t *testing.T, s *stack, n int, timeout time.Duration) bool {
	t.Helper()
	for deadline := time.Now().Add(timeout); time.Now().Before(deadline); time.Sleep(500 * time.Millisecond) {
		healthy := 0
		for _, c := range stackContainers(t, s) {
			if c.State == container.StateRunning && strings.Contains(c.Status, "(healthy)") {
				healthy++
			}
		}
		if healthy == n {
			return true
		}
	}
	return false
}

// removeSwarmStack removes the stack (services, secrets, network) and
// waits until its containers are gone, as docker stack rm does not.
func removeSwarmStack(t *testing.T, s *stack, cli func(...string) string) {
	t.Helper()
	cli("stack", "rm", s.project)
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(500 * time.Millisecond) {
		if len(stackContainers(t, s)) == 0 {
			return
		}
	}
	t.Errorf("stack %s: containers left a minute after docker stack rm", s.project)
}
