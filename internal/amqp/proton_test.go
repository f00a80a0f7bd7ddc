package amqp

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
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
	files := p.writePEM(t)
	var mu sync.Mutex
	var opens []*Open
	b := &testBroker{}
	srv := b.server()
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
				tt.url, tt.mech, files.ca, files.clientCert, files.clientKey, address, fmt.Sprint(n))
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

// Our client against python-qpid-proton's server (proton/reactor), over TLS
// with SASL EXTERNAL and ANONYMOUS: Proton's own SASL offers no PLAIN
// server without Cyrus SASL, which Debian's build does not enable.
func TestProtonServer(t *testing.T) {
	checkNoLeaks(t)
	requireProton(t)
	p := mustPKI(t)
	files := p.writePEM(t)
	ctx := testContext(t)
	cmd := exec.CommandContext(ctx, protonPython, "testdata/proton_server.py",
		files.ca, files.serverCert, files.serverKey)
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	lines := bufio.NewScanner(stdout)
	if !lines.Scan() || !strings.HasPrefix(lines.Text(), "listening ") {
		t.Fatalf("proton server did not start: %q", lines.Text())
	}
	addr := "127.0.0.1:" + strings.TrimPrefix(lines.Text(), "listening ")
	for _, sasl := range []*SASL{SASLExternal(), SASLAnonymous()} {
		t.Run(sasl.Mechanism, func(t *testing.T) {
			conn, err := Dial(ctx, addr, &ConnOptions{TLSConfig: p.clientConf, SASL: sasl, HostName: "localhost"})
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			o := conn.RemoteOpen()
			if len(o.OfferedCapabilities) != 1 || o.OfferedCapabilities[0] != "ADDRESS-AUTHZ" {
				t.Errorf("proton's open: %+v", o)
			}
			ident, _ := o.Properties["authenticated-identity"].(string)
			t.Logf("proton authenticated us as %q", ident)
			if sasl.Mechanism == MechExternal && !strings.Contains(ident, "hono-messaging") {
				t.Errorf("identity %q does not name our certificate", ident)
			}
			sess, err := conn.NewSession(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			address := "telemetry/" + sasl.Mechanism
			snd, err := sess.NewSender(ctx, address, nil)
			if err != nil {
				t.Fatal(err)
			}
			rcv, err := sess.NewReceiver(ctx, address, &ReceiverOptions{Credit: 2})
			if err != nil {
				t.Fatal(err)
			}
			const n = 5
			for i := range n {
				if err := snd.Send(ctx, telemetry(i)); err != nil {
					t.Fatalf("send %d: %v", i, err)
				}
			}
			for i := range n {
				d, err := rcv.Receive(ctx)
				if err != nil {
					t.Fatalf("receive %d: %v", i, err)
				}
				if d.Message.ApplicationProperties["n"] != int64(i) || len(d.Message.Data[0]) != 100 {
					t.Errorf("message %d: %+v", i, d.Message)
				}
				_ = d.Accept()
			}
			for i := range n {
				if !lines.Scan() || !strings.HasPrefix(lines.Text(), "got "+address+" 4711") {
					t.Fatalf("proton reported %q for message %d", lines.Text(), i)
				}
			}
			if err := snd.Close(ctx); err != nil {
				t.Error(err)
			}
			if err := rcv.Close(ctx); err != nil {
				t.Error(err)
			}
			if err := conn.Close(); err != nil {
				t.Error(err)
			}
		})
	}
}
