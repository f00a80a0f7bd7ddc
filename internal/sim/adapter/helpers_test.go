package adapter

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/honoctl/honoctl/internal/sim/config"
	"github.com/honoctl/honoctl/internal/sim/health"
	"github.com/honoctl/honoctl/internal/sim/hono"
	"github.com/honoctl/honoctl/internal/sim/tlsconf/testpki"
	"github.com/honoctl/honoctl/orchestrator/topology"
)

// registryData is the rendered demo data: sensor1 and gw in DEFAULT_TENANT,
// HTTP_TENANT with only the HTTP adapter enabled.
const registryData = "../../../compose/sim/registry-data/"

// fakeRegistry answers from the demo data, in process.
type fakeRegistry struct {
	creds   *hono.CredentialsStore
	tenants *hono.TenantStore
	devices *hono.DeviceStore
	key     *hono.Key

	mu   sync.Mutex
	down error // when set, credentials calls fail with it
}

func (f *fakeRegistry) setDown(err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.down = err
}

func newFakeRegistry(t testing.TB) *fakeRegistry {
	t.Helper()
	creds, err := hono.LoadCredentials(registryData + "credentials.json")
	if err != nil {
		t.Fatal(err)
	}
	tenants, err := hono.LoadTenants(registryData + "tenants.json")
	if err != nil {
		t.Fatal(err)
	}
	devices, err := hono.LoadDevices(registryData + "device-identities.json")
	if err != nil {
		t.Fatal(err)
	}
	key, err := hono.SecretKey("g#aWO!BUm7aj*#%X*VGXKFhxkhNrMNj0")
	if err != nil {
		t.Fatal(err)
	}
	return &fakeRegistry{creds: creds, tenants: tenants, devices: devices, key: key}
}

func (f *fakeRegistry) Credentials(_ context.Context, tenant, authID string) (hono.Credential, error) {
	f.mu.Lock()
	down := f.down
	f.mu.Unlock()
	if down != nil {
		return hono.Credential{}, down
	}
	c, ok := f.creds.Get(tenant, hono.TypeHashedPassword, authID, nil)
	if !ok {
		return hono.Credential{}, &StatusError{Op: "credentials get", Status: 404}
	}
	return c, nil
}

func (f *fakeRegistry) Assert(_ context.Context, tenant, device, gateway string) (*hono.Assertion, error) {
	code, a, err := f.devices.Assert(f.key, 10*time.Minute, tenant, device, gateway, time.Now())
	if err != nil {
		return nil, err
	}
	if code != 200 {
		return nil, &StatusError{Op: "registration assert", Status: code}
	}
	return a, nil
}

func (f *fakeRegistry) Tenant(_ context.Context, tenant string) (hono.Tenant, error) {
	t, ok := f.tenants.Get(tenant)
	if !ok {
		return hono.Tenant{}, &StatusError{Op: "tenant get", Status: 404}
	}
	return t, nil
}

// fakeDownstream records messages and opened links; err makes Send
// fail, openErr Open.
type fakeDownstream struct {
	mu      sync.Mutex
	err     error
	openErr error
	opened  []string
	got     chan *Message
}

func (f *fakeDownstream) Open(_ context.Context, address string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.openErr != nil {
		return f.openErr
	}
	f.opened = append(f.opened, address)
	return nil
}

func newFakeDownstream() *fakeDownstream { return &fakeDownstream{got: make(chan *Message, 16)} }

func (f *fakeDownstream) Send(_ context.Context, m *Message, _ bool) error {
	f.mu.Lock()
	err := f.err
	f.mu.Unlock()
	if err != nil {
		return err
	}
	f.got <- m
	return nil
}

func (f *fakeDownstream) fail(err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.err = err
}

func (f *fakeDownstream) next(t *testing.T) *Message {
	t.Helper()
	select {
	case m := <-f.got:
		return m
	case <-time.After(5 * time.Second):
		t.Fatal("nothing forwarded downstream")
		return nil
	}
}

// logBuffer collects a role's log for assertions.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// adapterConfig writes a Hono YAML file for role and loads it.
func adapterConfig(t *testing.T, role topology.Role, yaml string) *config.Service {
	t.Helper()
	p := filepath.Join(t.TempDir(), "config.yml")
	if err := os.WriteFile(p, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(role, config.Sources{Location: p})
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Warnings) != 0 {
		t.Fatalf("configuration warnings: %q", cfg.Warnings)
	}
	return cfg
}

// running is an adapter started in a test.
type running struct {
	status *health.Status
	log    *logBuffer
	done   chan error
}

// start runs fn (runHTTP or runMQTT bound to their arguments) and waits
// until its listeners are up.
func start(t testing.TB, fn func(ctx context.Context, st *health.Status, log *slog.Logger) error) *running {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{status: health.NewStatus(), log: &logBuffer{}, done: make(chan error, 1)}
	log := slog.New(slog.NewTextHandler(r.log, &slog.HandlerOptions{Level: slog.LevelDebug}))
	go func() { r.done <- fn(ctx, r.status, log) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-r.done:
			if err != nil {
				t.Errorf("adapter stopped with %v", err)
			}
		case <-time.After(5 * time.Second):
			t.Error("adapter did not stop")
		}
		if t.Failed() {
			t.Logf("adapter log:\n%s", r.log.String())
		}
	})
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if len(r.listeners()) > 0 {
			return r
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("adapter did not listen; log:\n%s", r.log.String())
	return nil
}

// listeners maps listener names to their bound addresses.
func (r *running) listeners() map[string]string {
	out := map[string]string{}
	for _, c := range r.status.Report().Checks {
		if c.Data.Kind == "listener" && c.Data.State == health.Listening {
			out[c.ID] = c.Data.Target
		}
	}
	return out
}

func (r *running) port(t testing.TB, name string) string {
	t.Helper()
	addr, ok := r.listeners()[name]
	if !ok {
		t.Fatalf("no listener %s in %v", name, r.listeners())
	}
	return addr[strings.LastIndex(addr, ":")+1:]
}

// serverYAML is a server block for prefix with the PKI's adapter key.
func serverYAML(prefix string, leaf testpki.Leaf, extra string) string {
	return fmt.Sprintf("hono:\n  %s:\n    keyPath: %s\n    certPath: %s\n%s", prefix, leaf.KeyPath, leaf.CertPath, extra)
}

// peerTool runs a Debian tool, failing (not skipping) when it is missing.
func peerTool(t *testing.T, pkg, name string, args ...string) (string, error) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		t.Fatalf("%s not found: install Debian package %s", name, pkg)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, name, args...).CombinedOutput()
	return string(out), err
}

// method is the HTTP adapter's method for path: PUT with tenant and
// device in the path, POST without.
func method(path string) string {
	if strings.Count(path, "/") == 3 {
		return "PUT"
	}
	return "POST"
}
