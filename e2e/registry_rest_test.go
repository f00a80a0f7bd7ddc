package e2e

import (
	"encoding/base64"
	"encoding/json"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/honoctl/honoctl/internal/sim/hono"
	"github.com/honoctl/honoctl/orchestrator/render"
)

// restListening is in the registry's log when its REST port is open.
const restListening = "name=hono.registry.rest"

// TestRegistryRESTProvisionsDevice follows Hono 0.7's getting started on
// the running sim stack: device 4712 is registered and given a password
// over the registry's REST API (published HTTPS port, curl verifying the
// registry's certificate), then sends telemetry as sensor2 through the
// HTTP adapter, which finds the new credentials over AMQP, and a Qpid
// Proton consumer on the router receives it.
func TestRegistryRESTProvisionsDevice(t *testing.T) {
	e := needDocker(t)
	needSim(t)
	s := newStack(t, e)
	offset := freeOffset(t, simPorts())
	s.renderSim(offset)
	s.mustHonoctl("up")

	ca := filepath.Join(s.dir, render.CertsDir, render.TrustedCerts)
	registry := "https://localhost:" + strconv.Itoa(28443+offset)
	rest := func(method, path, body string) (int, string) {
		t.Helper()
		args := []string{"-sS", "--max-time", "10", "--cacert", ca, "-X", method, "-o", "/dev/null",
			"-D", "-", "-w", "%{http_code}"}
		if body != "" {
			args = append(args, "-H", "Content-Type: application/json", "--data-binary", body)
		}
		out, err := exec.Command("curl", append(args, registry+path)...).CombinedOutput()
		if err != nil {
			t.Fatalf("curl %s %s: %v\n%s", method, path, err, out)
		}
		code, _ := strconv.Atoi(string(out[len(out)-3:]))
		return code, string(out)
	}

	// The seed already has 4712 (behind gw-1): replace it with a device
	// of its own.
	if code, out := rest("POST", "/registration/DEFAULT_TENANT", `{"device-id":"4712"}`); code != 409 {
		t.Errorf("register the seeded 4712: %d, want 409\n%s", code, out)
	}
	if code, out := rest("DELETE", "/registration/DEFAULT_TENANT/4712", ""); code != 204 {
		t.Fatalf("deregister 4712: %d\n%s", code, out)
	}
	code, out := rest("POST", "/registration/DEFAULT_TENANT", `{"device-id":"4712"}`)
	if code != 201 || !strings.Contains(out, "Location: /registration/DEFAULT_TENANT/4712") {
		t.Fatalf("register 4712: %d, want 201 with its Location\n%s", code, out)
	}
	salt := []byte("sensor2-salt")
	hash, err := hono.HashPassword(hono.HashSHA512, salt, "hono-secret-2")
	if err != nil {
		t.Fatal(err)
	}
	cred, _ := json.Marshal(map[string]any{"device-id": "4712", "auth-id": "sensor2", "type": "hashed-password",
		"secrets": []any{map[string]any{"hash-function": "sha-512", "salt": base64.StdEncoding.EncodeToString(salt), "pwd-hash": hash}}})
	code, out = rest("POST", "/credentials/DEFAULT_TENANT", string(cred))
	if code != 201 || !strings.Contains(out, "Location: /credentials/DEFAULT_TENANT/sensor2/hashed-password") {
		t.Fatalf("add sensor2: %d, want 201 with its Location\n%s", code, out)
	}

	// saveToFile is set: the registry writes the volume's files back.
	_, logs, _ := s.honoctl("logs", "hono-service-device-registry")
	if !strings.Contains(logs, restListening) || strings.Contains(logs, "could not write") {
		t.Errorf("the registry's log does not show the REST port and its saves succeeding:\n%s", logs)
	}

	// The application, then the device.
	p := startConsumer(t, ca, 15671+offset)
	if resp := postTelemetry(t, ca, 8443+offset, "sensor2@DEFAULT_TENANT:hono-secret-2", `{"temp": 7}`); !strings.HasPrefix(resp, "HTTP/1.1 202") {
		_, logs, _ := s.honoctl("logs", "hono-service-device-registry")
		t.Fatalf("telemetry as sensor2: want 202, got\n%s\nregistry log:\n%s", resp, logs)
	}
	got := nextReceived(t, p)
	if got.Body != `{"temp": 7}` || got.Properties["device_id"] != "4712" {
		t.Errorf("the consumer got %q %v, want sensor2's message from device 4712", got.Body, got.Properties)
	}
}
