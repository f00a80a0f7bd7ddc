package e2e

import (
	"bytes"
	"context"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/honoctl/honoctl/orchestrator/render"
)

// dockerCompose runs Debian's docker-compose (1.29, Compose's Python
// engine) on the stack's compose.yaml as project s.project.
func (s *stack) dockerCompose(args ...string) string {
	s.t.Helper()
	bin, err := exec.LookPath("docker-compose")
	if err != nil {
		s.t.Fatalf("docker-compose is missing: install the Debian package docker-compose")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, append([]string{"-p", s.project, "-f",
		filepath.Join(s.dir, render.ComposeFile)}, args...)...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		s.t.Fatalf("docker-compose %s: %v\n%s", strings.Join(args, " "), err, errOut.String())
	}
	return out.String()
}

// waitReady polls the engine until n services of the project are healthy.
func (s *stack) waitReady(n int, timeout time.Duration) {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	for {
		st, err := s.e.Status(ctx, s.project)
		if err == nil {
			ready := 0
			for _, svc := range st.Services {
				if svc.Ready() {
					ready++
				}
			}
			if ready == n {
				return
			}
		}
		select {
		case <-ctx.Done():
			s.t.Fatalf("stack %s: not all %d services healthy after %s", s.project, n, timeout)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// TestDockerComposeRunsRenderedSimStack brings the rendered file up with
// docker-compose, on hono-sim and on the stand-in, and checks that honoctl
// sees and removes that stack: the labels are Compose's in both directions.
func TestDockerComposeRunsRenderedSimStack(t *testing.T) {
	e := needDocker(t)
	for _, kind := range []string{imageHonoSim} {
		t.Run(kind, func(t *testing.T) {
			s := newStack(t, e)
			s.renderSim(freeOffset(t, simPorts()))
			s.useImage(kind)

			s.dockerCompose("up", "-d")
			services := strings.Fields(s.dockerCompose("config", "--services"))
			s.waitReady(len(services), 2*time.Minute)

			stdout, _ := s.mustHonoctl("status")
			if n := strings.Count(stdout, "running (healthy)"); n != len(services) {
				t.Errorf("honoctl status of docker-compose's stack: %d healthy of %d:\n%s", n, len(services), stdout)
			}
			s.mustHonoctl("down")
			if c, n, v := s.labeled(); c+n+v != 0 {
				t.Errorf("after honoctl down of docker-compose's stack: %d containers, %d networks, %d volumes", c, n, v)
			}
		})
	}
}

// mustComposeSeesOurs checks that docker-compose ps lists the containers
// honoctl up made.
func mustComposeSeesOurs(t *testing.T, s *stack) {
	t.Helper()
	ids := strings.Fields(s.dockerCompose("ps", "-q"))
	var ours []string
	for _, id := range s.containerIDs() {
		ours = append(ours, id)
	}
	sort.Strings(ids)
	sort.Strings(ours)
	if strings.Join(ids, " ") != strings.Join(ours, " ") {
		t.Errorf("docker-compose ps -q: %v; honoctl's containers: %v", ids, ours)
	}
}
