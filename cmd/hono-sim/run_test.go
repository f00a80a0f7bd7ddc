package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/honoctl/honoctl/internal/sim/health"
	"github.com/honoctl/honoctl/internal/sim/tlsconf/testpki"
)

// syncBuffer is a log sink safe for the role's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

func TestUsageAndUnknownRole(t *testing.T) {
	tests := []struct {
		args []string
		code int
		want string
	}{
		{nil, exitUsage, "usage: hono-sim <role>"},
		{[]string{"--help"}, exitOK, "http-adapter"},
		{[]string{"broker"}, exitUsage, `unknown role "broker"`},
		{[]string{"health", "a", "b"}, exitUsage, "usage: hono-sim health [URL]"},
	}
	for _, tt := range tests {
		var stdout, stderr bytes.Buffer
		if code := runContext(context.Background(), tt.args, &stdout, &stderr); code != tt.code {
			t.Errorf("%q: exit %d, want %d", tt.args, code, tt.code)
		}
		if !strings.Contains(stderr.String(), tt.want) {
			t.Errorf("%q: stderr %q lacks %q", tt.args, stderr.String(), tt.want)
		}
	}
}

func TestHealthCommand(t *testing.T) {
	code := http.StatusOK
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(code) }))
	t.Cleanup(srv.Close)
	var out bytes.Buffer
	if got := runContext(context.Background(), []string{"health", srv.URL}, &out, &out); got != exitOK {
		t.Errorf("200: exit %d (%s)", got, out.String())
	}
	code = http.StatusServiceUnavailable
	if got := runContext(context.Background(), []string{"health", srv.URL}, &out, &out); got != exitFailed {
		t.Errorf("503: exit %d", got)
	}
	if !strings.Contains(out.String(), "503 Service Unavailable") {
		t.Errorf("output %q should say why", out.String())
	}
}

// freePort finds a port for a role: Hono's configuration cannot ask for
// port 0. The kernel may hand a just-closed port out again, so ports are
// remembered and never given twice in one test binary.
// TODO: another process can still take the port before the role binds it;
// only an option to listen on port 0 would close that window.
func freePort(t *testing.T) int {
	t.Helper()
	for {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		p := l.Addr().(*net.TCPAddr).Port
		l.Close()
		if _, dup := handedOut.LoadOrStore(p, true); !dup {
			return p
		}
	}
}

// handedOut are the ports freePort gave in this test binary.
var handedOut sync.Map

func writeYAML(t *testing.T, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "config.yml")
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestConfigErrorsExit2(t *testing.T) {
	t.Setenv("SPRING_CONFIG_LOCATION", writeYAML(t, "hono:\n  http:\n    port: many\n"))
	var out bytes.Buffer
	if code := runContext(context.Background(), []string{"http-adapter"}, &out, &out); code != exitUsage {
		t.Errorf("exit %d, want %d:\n%s", code, exitUsage, out.String())
	}
	if !strings.Contains(out.String(), `hono.http.port`) {
		t.Errorf("log should name the setting:\n%s", out.String())
	}
}

// TestHTTPAdapterRole runs the role as the container does, with nothing to
// connect to: the first line says what it is, readiness says why it is
// not ready, SIGTERM-like cancellation stops it with 0.
func TestHTTPAdapterRole(t *testing.T) {
	pki := testpki.New(t)
	leaf := pki.Leaf(t, "http-adapter", []string{"localhost"})
	healthPort, httpsPort, registry := freePort(t), freePort(t), freePort(t)
	client := func(name string) string {
		return fmt.Sprintf("  %s:\n    host: localhost\n    port: %d\n    username: http-adapter@HONO\n"+
			"    password: http-secret\n    trustStorePath: %s\n", name, registry, pki.TrustedCerts)
	}
	yaml := fmt.Sprintf("hono:\n  app:\n    healthCheckPort: %d\n  http:\n    port: %d\n    keyPath: %s\n    certPath: %s\n",
		healthPort, httpsPort, leaf.KeyPath, leaf.CertPath) +
		client("messaging") + client("registration") + client("credentials") + client("tenant") +
		"  metric:\n    reporter: graphite\n"
	t.Setenv("SPRING_CONFIG_LOCATION", "file://"+writeYAML(t, yaml))

	ctx, cancel := context.WithCancel(context.Background())
	var out syncBuffer
	done := make(chan int, 1)
	go func() { done <- runContext(ctx, []string{"http-adapter"}, &out, &out) }()

	url := fmt.Sprintf("http://127.0.0.1:%d/readiness", healthPort)
	var report health.Report
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get(url)
		if err == nil {
			json.NewDecoder(resp.Body).Decode(&report)
			resp.Body.Close()
			if resp.StatusCode != http.StatusServiceUnavailable {
				t.Fatalf("readiness %d with every peer down, want 503", resp.StatusCode)
			}
			if len(report.Checks) == 5 && report.Checks[1].Data.Error != "" {
				break
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	if len(report.Checks) != 5 || report.Checks[0].Status != "UP" || report.Checks[1].Data.State != health.Failed ||
		!strings.Contains(report.Checks[1].Data.Error, "connection refused") {
		t.Errorf("readiness = %+v", report)
	}
	if code := runContext(ctx, []string{"health", url}, &bytes.Buffer{}, &bytes.Buffer{}); code != exitFailed {
		t.Errorf("hono-sim health while not ready: exit %d", code)
	}

	cancel()
	select {
	case code := <-done:
		if code != exitOK {
			t.Errorf("stopped with exit %d, want 0", code)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("role did not stop")
	}
	log := out.String()
	first, _, _ := strings.Cut(log, "\n")
	for _, want := range []string{"hono-sim: a stand-in, not Eclipse Hono", "role=http-adapter",
		"eclipse/hono-adapter-http-vertx:0.7", `tls_engine="Go crypto/tls (hono-sim stand-in)"`} {
		if !strings.Contains(first, want) {
			t.Errorf("first log line %q lacks %q", first, want)
		}
	}
	for _, want := range []string{"hono.metric.reporter", `msg="TLS server" name=hono.http`,
		`msg="TLS client" name=hono.messaging`, "verify=\"chain and host name localhost\"", "msg=stopped"} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %q:\n%s", want, log)
		}
	}
	if strings.Contains(log, "http-secret") {
		t.Error("the log shows a password")
	}
}
