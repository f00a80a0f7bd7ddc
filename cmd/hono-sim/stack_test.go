package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	goamqp "github.com/Azure/go-amqp"

	"github.com/honoctl/honoctl/internal/sim/hono/simtest"
)

// buildBinary compiles hono-sim as the image does (static, no cgo).
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "hono-sim")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// process is one role running as its own hono-sim process.
type process struct {
	name   string
	cmd    *exec.Cmd
	log    string // file with the process's stdout and stderr
	health string // readiness URL
}

// output is what the process has logged so far. The log is a file, not a
// pipe: a write the process made is there, with no copying goroutine in
// between.
func (p *process) output() string {
	b, _ := os.ReadFile(p.log)
	return string(b)
}

// startRole runs bin with args and env (on top of a clean environment).
func startRole(t *testing.T, bin, name string, args, env []string, healthPort int) *process {
	t.Helper()
	p := &process{name: name, log: filepath.Join(t.TempDir(), name+".log"),
		health: fmt.Sprintf("http://127.0.0.1:%d/readiness", healthPort)}
	f, err := os.Create(p.log)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close() // the child has its own descriptor
	p.cmd = exec.Command(bin, args...)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "HONO_") && !strings.HasPrefix(kv, "SPRING_") {
			p.cmd.Env = append(p.cmd.Env, kv)
		}
	}
	p.cmd.Env = append(p.cmd.Env, env...)
	p.cmd.Env = append(p.cmd.Env, "HONO_APP_HEALTH_CHECK_BIND_ADDRESS=127.0.0.1",
		"HONO_APP_HEALTH_CHECK_PORT="+strconv.Itoa(healthPort))
	p.cmd.Stdout, p.cmd.Stderr = f, f
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		p.cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan error, 1)
		go func() { done <- p.cmd.Wait() }()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("%s did not stop cleanly on SIGTERM: %v", name, err)
			}
		case <-time.After(10 * time.Second):
			p.cmd.Process.Kill()
			t.Errorf("%s did not stop within 10 s of SIGTERM", name)
		}
		if t.Failed() {
			t.Logf("%s log:\n%s", name, p.output())
		}
	})
	return p
}

// ready waits until `hono-sim health URL` exits 0 for p.
func (p *process) ready(t *testing.T, bin string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if exec.Command(bin, "health", p.health).Run() == nil {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("%s never ready; log:\n%s", p.name, p.output())
}

// routerConfig rewrites qdrouterd.json for loopback: listeners on the
// given ports, the auth plugin at authPort.
func routerConfig(t *testing.T, path string, external, internal, authPort int) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var ents [][2]any
	if err := json.Unmarshal(b, &ents); err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		a := e[1].(map[string]any)
		switch e[0] {
		case "listener":
			a["host"] = "127.0.0.1"
			if a["port"].(float64) == 5673 {
				a["port"] = internal
			} else {
				a["port"] = external
			}
		case "authServicePlugin":
			a["host"], a["port"] = "localhost", authPort
		}
	}
	if b, err = json.Marshal(ents); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestStackOfProcesses runs all seven roles as hono-sim processes from the
// rendered configuration (ports moved by environment variables, as compose
// could), checks each with `hono-sim health`, and sends telemetry from curl
// to an application on the router.
func TestStackOfProcesses(t *testing.T) {
	bin := buildBinary(t)
	st := simtest.NewStack(t)
	port := func() int { return freePort(t) }
	pAuth, pExt, pInt, pMsg, pReg, pHTTP := port(), port(), port(), port(), port(), port()
	routerConfig(t, st.File("qdrouterd.json"), pExt, pInt, pAuth)

	loc := func(svc string) string { return "SPRING_CONFIG_LOCATION=file://" + st.File(svc+"-config.yml") }
	authClient := []string{"HONO_AUTH_HOST=localhost", "HONO_AUTH_PORT=" + strconv.Itoa(pAuth)}
	var procs []*process
	run := func(name string, args []string, env ...string) {
		procs = append(procs, startRole(t, bin, name, args, env, port()))
	}
	run("auth", []string{"auth"}, loc("hono-service-auth"),
		"HONO_AUTH_AMQP_BIND_ADDRESS=127.0.0.1", "HONO_AUTH_AMQP_PORT="+strconv.Itoa(pAuth))
	run("router", []string{"router", "-c", st.File("qdrouterd.json")})
	run("messaging", []string{"messaging"}, append(authClient, loc("hono-service-messaging"),
		"HONO_MESSAGING_BIND_ADDRESS=127.0.0.1", "HONO_MESSAGING_PORT="+strconv.Itoa(pMsg),
		"HONO_DOWNSTREAM_HOST=localhost", "HONO_DOWNSTREAM_PORT="+strconv.Itoa(pInt))...)
	run("registry", []string{"registry"}, append(authClient, loc("hono-service-device-registry"),
		"HONO_REGISTRY_AMQP_BIND_ADDRESS=127.0.0.1", "HONO_REGISTRY_AMQP_PORT="+strconv.Itoa(pReg),
		"HONO_REGISTRY_REST_BIND_ADDRESS=127.0.0.1", "HONO_REGISTRY_REST_PORT="+strconv.Itoa(port()))...)
	adapterEnv := []string{"HONO_MESSAGING_HOST=localhost", "HONO_MESSAGING_PORT=" + strconv.Itoa(pMsg)}
	for _, api := range []string{"REGISTRATION", "CREDENTIALS", "TENANT"} {
		adapterEnv = append(adapterEnv, "HONO_"+api+"_HOST=localhost", "HONO_"+api+"_PORT="+strconv.Itoa(pReg))
	}
	run("http-adapter", []string{"http-adapter"}, append(adapterEnv, loc("hono-adapter-http-vertx"),
		"HONO_HTTP_BIND_ADDRESS=127.0.0.1", "HONO_HTTP_PORT="+strconv.Itoa(pHTTP))...)
	run("mqtt-adapter", []string{"mqtt-adapter"}, append(adapterEnv, loc("hono-adapter-mqtt-vertx"),
		"HONO_MQTT_BIND_ADDRESS=127.0.0.1", "HONO_MQTT_PORT="+strconv.Itoa(port()))...)
	run("kura-adapter", []string{"kura-adapter"}, append(adapterEnv, loc("hono-adapter-kura"),
		"HONO_KURA_BIND_ADDRESS=127.0.0.1", "HONO_KURA_PORT="+strconv.Itoa(port()))...)

	for _, p := range procs {
		p.ready(t, bin)
		first, _, _ := strings.Cut(p.output(), "\n")
		if !strings.Contains(first, "hono-sim: a stand-in, not Eclipse Hono") ||
			!strings.Contains(first, "role="+p.name) {
			t.Errorf("%s: first log line %q", p.name, first)
		}
	}

	// An application on the router, then a device on the HTTP adapter.
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	conn, err := goamqp.Dial(ctx, "amqps://localhost:"+strconv.Itoa(pExt), &goamqp.ConnOptions{
		TLSConfig: st.ClientTLS(t, "localhost", ""), SASLType: goamqp.SASLTypePlain("consumer@HONO", "verysecret")})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	sess, err := conn.NewSession(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	rcv, err := sess.NewReceiver(ctx, "telemetry/DEFAULT_TENANT", &goamqp.ReceiverOptions{Credit: 10})
	if err != nil {
		t.Fatal(err)
	}
	var out string
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		o, err := exec.Command("curl", "-sS", "-i", "--cacert", st.File("trusted-certs.pem"),
			"-u", "sensor1@DEFAULT_TENANT:hono-secret", "-H", "Content-Type: application/json",
			"--data-binary", `{"temp": 5}`, "https://localhost:"+strconv.Itoa(pHTTP)+"/telemetry").CombinedOutput()
		if out = string(o); err == nil && strings.HasPrefix(out, "HTTP/1.1 202") {
			break
		}
	}
	if !strings.HasPrefix(out, "HTTP/1.1 202") {
		t.Fatalf("curl never got 202:\n%s", out)
	}
	m, err := rcv.Receive(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if string(m.GetData()) != `{"temp": 5}` || m.ApplicationProperties["orig_adapter"] != "hono-http" {
		t.Errorf("application got %q %v", m.GetData(), m.ApplicationProperties)
	}
}
