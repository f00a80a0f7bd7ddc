package adapter

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/honoctl/honoctl/internal/sim/health"
	"github.com/honoctl/honoctl/internal/sim/tlsconf/testpki"
	"github.com/honoctl/honoctl/orchestrator/topology"
)

type httpFixture struct {
	pki  *testpki.PKI
	reg  *fakeRegistry
	down *fakeDownstream
	run  *running
	url  string // https://localhost:<port>
}

func startHTTP(t *testing.T, extra string) *httpFixture {
	t.Helper()
	f := &httpFixture{pki: testpki.New(t), reg: newFakeRegistry(t), down: newFakeDownstream()}
	leaf := f.pki.Leaf(t, "http-adapter", []string{"hono-adapter-http-vertx.hono", "localhost"})
	cfg := adapterConfig(t, topology.RoleHTTPAdapter, serverYAML("http", leaf,
		"    insecurePortEnabled: true\n"+extra))
	f.run = start(t, func(ctx context.Context, st *health.Status, log *slog.Logger) error {
		return runHTTP(ctx, cfg, st, log, runOptions{peers: &Peers{f.reg, f.down}, anyPort: true})
	})
	f.url = "https://localhost:" + f.run.port(t, "hono.http (TLS)")
	return f
}

// curl posts like Hono's getting-started guide and returns status line,
// headers and body.
func (f *httpFixture) curl(t *testing.T, args ...string) string {
	t.Helper()
	all := append([]string{"-sS", "-i", "--cacert", f.pki.TrustedCerts}, args...)
	out, err := peerTool(t, "curl", "curl", all...)
	if err != nil {
		t.Fatalf("curl %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

func statusLine(out string) string { line, _, _ := strings.Cut(out, "\r\n"); return line }

func TestHTTPAdapterWithCurl(t *testing.T) {
	f := startHTTP(t, "")
	json := []string{"-H", "Content-Type: application/json", "--data-binary", `{"temp": 5}`}
	tests := []struct {
		name   string
		args   []string
		status string
		header string // a header line that must be there
	}{
		{"telemetry accepted", append([]string{"-u", "sensor1@DEFAULT_TENANT:hono-secret", f.url + "/telemetry"}, json...),
			"HTTP/1.1 202 Accepted", ""},
		{"event accepted", append([]string{"-u", "sensor1@DEFAULT_TENANT:hono-secret", f.url + "/event"}, json...),
			"HTTP/1.1 202 Accepted", ""},
		{"second secret accepted", append([]string{"-u", "sensor1@DEFAULT_TENANT:hono-secret2", f.url + "/telemetry"}, json...),
			"HTTP/1.1 202 Accepted", ""},
		{"wrong password", append([]string{"-u", "sensor1@DEFAULT_TENANT:wrong", f.url + "/telemetry"}, json...),
			"HTTP/1.1 401 Unauthorized", `Www-Authenticate: Basic realm="Hono"`},
		{"unknown auth-id", append([]string{"-u", "nobody@DEFAULT_TENANT:x", f.url + "/telemetry"}, json...),
			"HTTP/1.1 401 Unauthorized", ""},
		{"user name without tenant", append([]string{"-u", "sensor1:hono-secret", f.url + "/telemetry"}, json...),
			"HTTP/1.1 401 Unauthorized", ""},
		{"no credentials", append([]string{f.url + "/telemetry"}, json...), "HTTP/1.1 401 Unauthorized", ""},
		{"no content type", []string{"-u", "sensor1@DEFAULT_TENANT:hono-secret", "-H", "Content-Type:",
			"--data-binary", "x", f.url + "/telemetry"}, "HTTP/1.1 202 Accepted", ""},
		{"empty body", []string{"-u", "sensor1@DEFAULT_TENANT:hono-secret", "-H", "Content-Type: text/plain",
			"-X", "POST", f.url + "/telemetry"}, "HTTP/1.1 400 Bad Request", ""},
		{"empty notification", []string{"-u", "sensor1@DEFAULT_TENANT:hono-secret", "-X", "POST", "-H",
			"Content-Type: application/vnd.eclipse-hono-empty-notification", f.url + "/event"}, "HTTP/1.1 202 Accepted", ""},
		{"QoS-Level 1", append([]string{"-u", "sensor1@DEFAULT_TENANT:hono-secret", "-H", "QoS-Level: 1",
			f.url + "/telemetry"}, json...), "HTTP/1.1 202 Accepted", ""},
		{"QoS-Level 2", append([]string{"-u", "sensor1@DEFAULT_TENANT:hono-secret", "-H", "QoS-Level: 2",
			f.url + "/telemetry"}, json...), "HTTP/1.1 400 Bad Request", ""},
		{"payload over maxPayloadSize", []string{"-u", "sensor1@DEFAULT_TENANT:hono-secret", "-H",
			"Content-Type: text/plain", "--data-binary", strings.Repeat("x", 2049), f.url + "/telemetry"},
			"HTTP/1.1 413 Request Entity Too Large", ""},
		{"gateway for its device", append([]string{"-X", "PUT", "-u", "gw@DEFAULT_TENANT:gw-secret",
			f.url + "/telemetry/DEFAULT_TENANT/4712"}, json...), "HTTP/1.1 202 Accepted", ""},
		{"gateway for a device not behind it", append([]string{"-X", "PUT", "-u", "gw@DEFAULT_TENANT:gw-secret",
			f.url + "/telemetry/DEFAULT_TENANT/4711"}, json...), "HTTP/1.1 403 Forbidden", ""},
		{"other tenant in path", append([]string{"-X", "PUT", "-u", "sensor1@DEFAULT_TENANT:hono-secret",
			f.url + "/telemetry/HTTP_TENANT/4711"}, json...), "HTTP/1.1 403 Forbidden", ""},
		{"unknown path", append([]string{"-u", "sensor1@DEFAULT_TENANT:hono-secret", f.url + "/control"}, json...),
			"HTTP/1.1 404 Not Found", ""},
		{"GET is no route", []string{"-u", "sensor1@DEFAULT_TENANT:hono-secret", f.url + "/telemetry"},
			"HTTP/1.1 404 Not Found", ""},
		{"POST with tenant and device is no route", append([]string{"-u", "sensor1@DEFAULT_TENANT:hono-secret",
			f.url + "/telemetry/DEFAULT_TENANT/4711"}, json...), "HTTP/1.1 404 Not Found", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := f.curl(t, tt.args...)
			if got := statusLine(out); got != tt.status {
				t.Errorf("status %q, want %q\n%s", got, tt.status, out)
			}
			if tt.header != "" && !strings.Contains(out, tt.header+"\r\n") {
				t.Errorf("response lacks %q:\n%s", tt.header, out)
			}
			if tt.status == "HTTP/1.1 202 Accepted" {
				f.down.next(t)
			}
		})
	}
}

func TestHTTPWithoutAuthentication(t *testing.T) {
	f := startHTTP(t, "    authenticationRequired: false\n")
	out := f.curl(t, "-X", "PUT", "-H", "Content-Type: text/plain", "--data-binary", "x",
		f.url+"/telemetry/DEFAULT_TENANT/4711")
	if statusLine(out) != "HTTP/1.1 202 Accepted" {
		t.Errorf("anonymous PUT: %s", out)
	}
	if m := f.down.next(t); m.DeviceID != "4711" || m.ContentType != "text/plain" {
		t.Errorf("message = %+v", m)
	}
	out = f.curl(t, "-u", "sensor1@DEFAULT_TENANT:hono-secret", "-H", "Content-Type: text/plain",
		"--data-binary", "x", f.url+"/telemetry")
	if statusLine(out) != "HTTP/1.1 404 Not Found" {
		t.Errorf("POST /telemetry exists only with authentication: %s", out)
	}
}

func TestHTTPMessage(t *testing.T) {
	f := startHTTP(t, "")
	f.curl(t, "-u", "sensor1@DEFAULT_TENANT:hono-secret", "-H", "Content-Type: application/json",
		"--data-binary", `{"temp": 5}`, f.url+"/telemetry")
	m := f.down.next(t)
	if m.Address() != "telemetry/DEFAULT_TENANT" || m.DeviceID != "4711" || m.OrigAdapter != "hono-http" ||
		m.OrigAddress != "/telemetry" || m.ContentType != "application/json" || string(m.Payload) != `{"temp": 5}` {
		t.Errorf("message = %+v", m)
	}
	if m.Assertion == "" || m.Properties["importance"] != "high" {
		t.Errorf("want the assertion and the device's defaults, got %q, %v", m.Assertion, m.Properties)
	}

	// Without a content type the device's default applies.
	f.curl(t, "-u", "sensor1@DEFAULT_TENANT:hono-secret", "-H", "Content-Type:", "--data-binary", "x", f.url+"/telemetry")
	if m := f.down.next(t); m.ContentType != "application/vnd.bumlux" {
		t.Errorf("content type %q, want the registered default application/vnd.bumlux", m.ContentType)
	}
	if m.Assertion == "" {
		t.Errorf("want the assertion and the device's defaults, got %q, %v", m.Assertion, m.Properties)
	}
	if err := f.reg.key.CheckAssertion(m.Assertion, "DEFAULT_TENANT", "4711", m.Created); err != nil {
		t.Errorf("assertion does not verify: %v", err)
	}
}

func TestHTTPNoConsumer(t *testing.T) {
	f := startHTTP(t, "")
	f.down.fail(fmt.Errorf("telemetry/DEFAULT_TENANT: %w", ErrNoCredit))
	out := f.curl(t, "-u", "sensor1@DEFAULT_TENANT:hono-secret", "-H", "Content-Type: application/json",
		"--data-binary", `{"temp": 5}`, f.url+"/telemetry")
	if statusLine(out) != "HTTP/1.1 503 Service Unavailable" || !strings.Contains(out, "Retry-After: 2\r\n") {
		t.Errorf("no credit: want 503 with Retry-After: 2, got\n%s", out)
	}

	f.reg.setDown(fmt.Errorf("credentials get: %w", ErrUnavailable))
	out = f.curl(t, "-u", "sensor1@DEFAULT_TENANT:hono-secret", "-H", "Content-Type: application/json",
		"--data-binary", `{"temp": 5}`, f.url+"/telemetry")
	if statusLine(out) != "HTTP/1.1 503 Service Unavailable" {
		t.Errorf("registry down: want 503, got\n%s", out)
	}
}

func TestHTTPPlainPortAndTLSLog(t *testing.T) {
	f := startHTTP(t, "")
	plain := "http://localhost:" + f.run.port(t, "hono.http (plain)")
	out, err := peerTool(t, "curl", "curl", "-sS", "-i", "-u", "sensor1@DEFAULT_TENANT:hono-secret",
		"-H", "Content-Type: text/plain", "--data-binary", "x", plain+"/telemetry")
	if err != nil || statusLine(out) != "HTTP/1.1 202 Accepted" {
		t.Errorf("plain port: %v\n%s", err, out)
	}

	// A client that does not trust the adapter: curl fails, the adapter
	// logs the handshake failure with its cause.
	if out, err := peerTool(t, "curl", "curl", "-sS", "--cacert", testpki.New(t).TrustedCerts,
		f.url+"/telemetry"); err == nil {
		t.Errorf("curl trusted an unknown CA:\n%s", out)
	}
	// NOTE: curl may end before the adapter's handshake goroutine logs.
	failure := "cause=\"unknown authority\" error=\"remote error: tls: unknown certificate authority\""
	for deadline := time.Now().Add(5 * time.Second); !strings.Contains(f.run.log.String(), failure) &&
		time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	log := f.run.log.String()
	for _, want := range []string{"msg=\"TLS server\" name=hono.http", "engine=\"Go crypto/tls (hono-sim stand-in)\"",
		"client_auth=none", "protocols=TLSv1.2", "msg=\"TLS handshake failed\"", failure} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %q:\n%s", want, log)
		}
	}
}
