package adapter

import (
	"context"
	"log/slog"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/honoctl/honoctl/internal/sim/health"
	"github.com/honoctl/honoctl/internal/sim/tlsconf/testpki"
	"github.com/honoctl/honoctl/orchestrator/topology"
)

// sClient runs openssl s_client against localhost:port with extra args.
func sClient(t *testing.T, port, cafile string, args ...string) (string, error) {
	t.Helper()
	if _, err := exec.LookPath("openssl"); err != nil {
		t.Fatal("openssl not found: install Debian package openssl")
	}
	all := append([]string{"s_client", "-connect", "localhost:" + port, "-servername", "localhost",
		"-verify_hostname", "localhost", "-CAfile", cafile, "-verify_return_error"}, args...)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "openssl", all...)
	cmd.Stdin = strings.NewReader("")
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// TestAdapterSecureProtocols: the adapters' listeners offer what
// secureProtocols says, seen by openssl s_client.
func TestAdapterSecureProtocols(t *testing.T) {
	for _, tt := range []struct {
		name      string
		protocols string // YAML
		tls12     bool
		tls13     bool
	}{
		{"Hono's default TLSv1.2", "", true, false},
		{"TLSv1.3 only", "    secureProtocols: [TLSv1.3]\n", false, true},
		{"both", "    secureProtocols: [TLSv1.2, TLSv1.3]\n", true, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			pki := testpki.New(t)
			leaf := pki.Leaf(t, "mqtt-adapter", []string{"localhost"})
			cfg := adapterConfig(t, topology.RoleMQTTAdapter, serverYAML("mqtt", leaf, tt.protocols))
			run := start(t, func(ctx context.Context, st *health.Status, log *slog.Logger) error {
				return runMQTT(ctx, "hono.mqtt", nil, cfg, st, log,
					runOptions{peers: &Peers{newFakeRegistry(t), newFakeDownstream()}, anyPort: true})
			})
			port := run.port(t, "hono.mqtt (TLS)")
			for _, v := range []struct {
				flag string
				want bool
			}{{"-tls1_2", tt.tls12}, {"-tls1_3", tt.tls13}} {
				out, err := sClient(t, port, pki.TrustedCerts, v.flag)
				if ok := err == nil && strings.Contains(out, "Verify return code: 0 (ok)"); ok != v.want {
					t.Errorf("s_client %s: handshake %v, want %v (err %v)\n%s", v.flag, ok, v.want, err, out)
				}
			}
		})
	}
}

// TestMQTTTLSFailureLogged: a device that does not trust the adapter's
// CA fails, and the adapter says why in one line.
func TestMQTTTLSFailureLogged(t *testing.T) {
	f := startMQTT(t, false)
	out, err := peerTool(t, "mosquitto-clients", "mosquitto_pub", "-h", "localhost", "-p", f.port,
		"--cafile", testpki.New(t).TrustedCerts, "-u", "sensor1@DEFAULT_TENANT", "-P", "hono-secret",
		"-t", "telemetry", "-m", "x")
	if err == nil {
		t.Fatalf("mosquitto_pub trusted a foreign CA:\n%s", out)
	}
	deadline := time.Now().Add(3 * time.Second)
	for !strings.Contains(f.run.log.String(), `msg="TLS handshake failed" listener=hono.mqtt`) {
		if time.Now().After(deadline) {
			t.Fatalf("no handshake failure in the log:\n%s", f.run.log.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if !strings.Contains(f.run.log.String(), `cause="unknown authority"`) {
		t.Errorf("the log should give the cause:\n%s", f.run.log.String())
	}
}
