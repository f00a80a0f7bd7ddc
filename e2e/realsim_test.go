package e2e

import (
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/honoctl/honoctl/orchestrator/topology"
)

// TestUpDefaultStack is the path of a user: honoctl certs, then honoctl up
// with render flags (it renders, builds the hono-sim image from the binary
// beside honoctl and waits for the stack), up again, up with one option
// changed, and down.
func TestUpDefaultStack(t *testing.T) {
	e := needDocker(t)
	s := newStack(t, e)
	binary(t, "hono-sim")
	offset := strconv.Itoa(freeOffset(t, simPorts()))
	services := len(topology.Default().Services)

	s.mustHonoctl("certs")
	stdout, stderr := s.mustHonoctl("up", "--port-offset", offset)
	if n := strings.Count(stdout, "running (healthy)"); n != services {
		t.Fatalf("up: %d of %d services healthy:\n%s\n%s", n, services, stdout, stderr)
	}
	if !strings.Contains(stderr, "image honoctl/hono-sim: ") || !strings.Contains(stderr, "rendered 7 services (sim)") {
		t.Errorf("up did not render and make the hono-sim image:\n%s", stderr)
	}
	mustSelfImage(t, s)
	mustComposeSeesOurs(t, s)

	before := s.containerIDs()
	if _, stderr := s.mustHonoctl("up"); !strings.Contains(stderr, "("+strconv.Itoa(services)+" kept)") {
		t.Errorf("second up changed something:\n%s", stderr)
	}

	// One option changes: up renders again and replaces the services
	// whose files change, here the two ends of channel 4.
	s.mustHonoctl("up", "--port-offset", offset, "--tls-off", "registry-auth")
	var replaced []string
	for svc, id := range s.containerIDs() {
		if before[svc] != id {
			replaced = append(replaced, svc)
		}
	}
	slices.Sort(replaced)
	if want := []string{"hono-service-auth", "hono-service-device-registry"}; !slices.Equal(replaced, want) {
		t.Errorf("after --tls-off registry-auth, replaced %v; want %v", replaced, want)
	}

	if stdout, _ := s.mustHonoctl("status"); strings.Count(stdout, "running (healthy)") != services {
		t.Errorf("status:\n%s", stdout)
	}
	if stdout, _ := s.mustHonoctl("logs", "hono-service-auth"); !strings.Contains(stdout, "a stand-in, not Eclipse Hono") {
		t.Errorf("logs of the auth server:\n%s", stdout)
	}
	s.mustHonoctl("down")
	if c, n, v := s.labeled(); c+n+v != 0 {
		t.Errorf("after down: %d containers, %d networks, %d volumes of %s", c, n, v, s.project)
	}
}
