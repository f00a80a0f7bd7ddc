package e2e

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/honoctl/honoctl/orchestrator/engine"
	"github.com/honoctl/honoctl/orchestrator/render"
	"github.com/honoctl/honoctl/orchestrator/topology"
)

// standinRepo is the image of the stand-in for hono-sim: the engine tests'
// pinger as /hono-sim, which starts for every role and answers
// "hono-sim health". It runs the rendered sim stack with its files, mounts,
// users, health checks and start order while hono-sim is not there.
const standinRepo = "honoctl-test/hono-sim-standin"

// simPorts are the host ports the default stack publishes.
func simPorts() []int {
	var ports []int
	for _, s := range topology.Default().Services {
		for _, p := range s.Ports {
			if p.Host != 0 {
				ports = append(ports, p.Host)
			}
		}
	}
	return ports
}

// renderSim makes the PKI (honoctl certs) and renders the default sim
// stack with its ports moved by a free offset, plus render flags extra.
func (s *stack) renderSim(offset int, extra ...string) {
	s.t.Helper()
	if _, err := os.Stat(filepath.Join(s.dir, render.CertsDir, render.TrustedCerts)); err != nil {
		s.mustHonoctl("certs")
	}
	s.mustHonoctl(append([]string{"render", "--port-offset", strconv.Itoa(offset)}, extra...)...)
}

// Images that play the rendered sim stack's services.
const (
	imageHonoSim = "hono-sim" // the real hono-sim, as honoctl/hono-sim:latest
	imageStandin = "standin"  // the pinger as /hono-sim
)

// useImage makes the rendered stack run on kind's image.
func (s *stack) useImage(kind string) {
	s.t.Helper()
	if kind == imageStandin {
		s.useStandin()
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := engine.BuildImage(ctx, s.e.Client(), binary(s.t, "hono-sim"), "honoctl/hono-sim"); err != nil {
		s.t.Fatal(err)
	}
}

// useStandin points the rendered compose.yaml at the stand-in image.
func (s *stack) useStandin() {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	img, err := engine.BuildImage(ctx, s.e.Client(), binary(s.t, "standin/hono-sim"), standinRepo)
	if err != nil {
		s.t.Fatal(err)
	}
	file := filepath.Join(s.dir, render.ComposeFile)
	data, err := os.ReadFile(file)
	if err != nil {
		s.t.Fatal(err)
	}
	out := strings.ReplaceAll(string(data), "image: honoctl/hono-sim:latest", "image: "+img.Ref)
	if out == string(data) {
		s.t.Fatalf("%s runs no honoctl/hono-sim:latest", file)
	}
	if err := os.WriteFile(file, []byte(out), 0o644); err != nil {
		s.t.Fatal(err)
	}
}

func TestUpWithPortTakenLeavesNothing(t *testing.T) {
	e := needDocker(t)
	s := newStack(t, e)
	offset := freeOffset(t, simPorts())
	s.renderSim(offset)
	s.useStandin()

	port := 8443 + offset
	l, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(port))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()

	code, _, stderr := s.honoctl("up")
	want := "host port 127.0.0.1:" + strconv.Itoa(port) + "/tcp of service hono-adapter-http-vertx is taken by process " +
		strconv.Itoa(os.Getpid()) + " (e2e.test)"
	if code != 2 || !strings.Contains(stderr, want) {
		t.Errorf("up with port %d taken: exit %d, stderr:\n%s\nwant exit 2 and %q", port, code, stderr, want)
	}
	if c, n, v := s.labeled(); c+n+v != 0 {
		t.Errorf("after the failed up: %d containers, %d networks, %d volumes of %s", c, n, v, s.project)
	}
}

// mustSelfImage checks the honoctl image up built from its own binary:
// non-root, its binary alone.
func mustSelfImage(t *testing.T, s *stack) {
	t.Helper()
	ins, err := s.e.Client().ImageInspect(context.Background(), "honoctl/honoctl:latest")
	if err != nil {
		t.Fatalf("honoctl image: %v", err)
	}
	if ins.Config.User != engine.ImageUser || len(ins.RootFS.Layers) != 1 ||
		!slices.Equal(ins.Config.Entrypoint, []string{"/honoctl"}) {
		t.Errorf("honoctl image: user %q, %d layers, entrypoint %v", ins.Config.User, len(ins.RootFS.Layers),
			ins.Config.Entrypoint)
	}
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}
