package amqp

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
)

// protonPython is Debian's Python, for which python3-qpid-proton is built.
const protonPython = "/usr/bin/python3"

// requireProton fails (not skips) when the Debian peer is missing, as the
// Makefile installs it.
func requireProton(t *testing.T) {
	t.Helper()
	out, err := exec.Command(protonPython, "-c", "import proton").CombinedOutput()
	if err != nil {
		t.Fatalf("python3-qpid-proton is needed for this test (apt-get install python3-qpid-proton): %v\n%s", err, out)
	}
}

// python-qpid-proton (Qpid Proton-C underneath) as a client of our server,
// over TLS with SASL PLAIN and EXTERNAL.
func TestProtonClient(t *testing.T) {
	checkNoLeaks(t)
	requireProton(t)
	p := mustPKI(t)
	ca, cert, key := p.writePEM(t)
	var mu sync.Mutex
	var opens []*Open
	b := &testBroker{}
	srv := b.server()
	srv.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	srv.Open = func(_ context.Context, req *OpenRequest) error {
		mu.Lock()
		opens = append(opens, req.Remote)
		mu.Unlock()
		return nil
	}
	addr := startServer(t, srv, p.serverConf)
	tests := []struct {
		mech, url string
	}{
		{"PLAIN", "amqps://consumer%40HONO:verysecret@" + addr},
		{"EXTERNAL", "amqps://" + addr},
	}
	for i, tt := range tests {
		t.Run(tt.mech, func(t *testing.T) {
			ctx := testContext(t)
			const n = 6
			address := "telemetry/proton-" + tt.mech
			cmd := exec.CommandContext(ctx, protonPython, "testdata/proton_client.py",
				tt.url, tt.mech, ca, cert, key, address, fmt.Sprint(n))
			cmd.Stderr = os.Stderr
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("proton client: %v\n%s", err, out)
			}
			lines := strings.Split(strings.TrimSpace(string(out)), "\n")
			if len(lines) != n+1 || lines[n] != "done" {
				t.Fatalf("proton client printed:\n%s", out)
			}
			for j, line := range lines[:n] {
				var got struct {
					ID          string
					Props       map[string]any
					Body        any
					Annotations map[string]any
				}
				if err := json.Unmarshal([]byte(line), &got); err != nil {
					t.Fatalf("line %q: %v", line, err)
				}
				if got.Props["device_id"] != "4711" || got.Props["i"] != float64(j) ||
					got.Annotations["x-opt-tenant"] != "DEFAULT_TENANT" ||
					!strings.HasSuffix(got.ID, fmt.Sprintf("%012x", j)) {
					t.Errorf("message %d came back as %s", j, line)
				}
			}
			mu.Lock()
			defer mu.Unlock()
			if o := opens[i]; o.Hostname != "localhost" || len(o.DesiredCapabilities) != 1 ||
				o.DesiredCapabilities[0] != "ADDRESS-AUTHZ" {
				t.Errorf("proton's open: %+v", o)
			}
		})
	}
}
