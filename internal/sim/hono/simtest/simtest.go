// Package simtest sets up what the hono-sim role tests share: a demo PKI
// from certs.Generate, the rendered reference configuration of each role
// (compose/sim/config) with its /run/secrets paths pointed at the PKI,
// loopback listeners and a logger into the test's log.
package simtest

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"log/slog"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/honoctl/honoctl/certs"
	"github.com/honoctl/honoctl/internal/sim/config"
	"github.com/honoctl/honoctl/orchestrator/topology"
)

// Stack is a folder laid out like a container's /run/secrets (PKI, data
// files, configuration) plus a registry data folder.
type Stack struct {
	// Secrets holds the PKI, permissions.json, credentials files and the
	// rendered YAML configurations.
	Secrets string
	// Data is the registry's /var/lib/hono/device-registry.
	Data string
}

// repoRoot is the repository's top folder, found from this file.
func repoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "..", "..")
}

// The demo PKI is generated once per test binary (six RSA 2048 keys take
// seconds on a loaded machine) and copied into every stack; Main removes it.
var (
	pkiOnce sync.Once
	pkiDir  string
	pkiErr  error
)

// Main runs a package's tests and removes the shared PKI afterwards; call
// it from TestMain: os.Exit(simtest.Main(m)).
func Main(m *testing.M) int {
	code := m.Run()
	if pkiDir != "" {
		os.RemoveAll(pkiDir)
	}
	return code
}

// NewStack copies the shared demo PKI (RSA for the Java services and the
// Auth Server's token key, as Hono needs) and the reference configuration
// into a fresh folder.
func NewStack(t testing.TB) *Stack {
	t.Helper()
	pkiOnce.Do(func() {
		if pkiDir, pkiErr = os.MkdirTemp("", "simtest-pki-"); pkiErr == nil {
			_, pkiErr = certs.Generate(pkiDir, topology.Default(), certs.Options{})
		}
	})
	if pkiErr != nil {
		t.Fatalf("demo PKI: %v", pkiErr)
	}
	s := &Stack{Secrets: t.TempDir(), Data: t.TempDir()}
	copyDir(t, pkiDir, s.Secrets, nil)
	s.copyConfig(t)
	return s
}

// NewForeignStack is NewStack with a PKI of its own: another CA, whose
// certificates the other stacks do not trust.
func NewForeignStack(t testing.TB) *Stack {
	t.Helper()
	s := &Stack{Secrets: t.TempDir(), Data: t.TempDir()}
	if _, err := certs.Generate(s.Secrets, topology.Default(), certs.Options{}); err != nil {
		t.Fatalf("demo PKI: %v", err)
	}
	s.copyConfig(t)
	return s
}

func (s *Stack) copyConfig(t testing.TB) {
	t.Helper()
	copyDir(t, filepath.Join(repoRoot(), "compose", "sim", "config"), s.Secrets, s.rewrite)
	copyDir(t, filepath.Join(repoRoot(), "compose", "sim", "registry-data"), s.Data, nil)
}

// rewrite points the container paths of a configuration file at the stack.
func (s *Stack) rewrite(b []byte) []byte {
	b = bytes.ReplaceAll(b, []byte("/run/secrets/"), []byte(s.Secrets+"/"))
	return bytes.ReplaceAll(b, []byte("/var/lib/hono/device-registry/"), []byte(s.Data+"/"))
}

func copyDir(t testing.TB, from, to string, edit func([]byte) []byte) {
	t.Helper()
	ents, err := os.ReadDir(from)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if e.IsDir() {
			continue
		}
		b, err := os.ReadFile(filepath.Join(from, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if edit != nil {
			b = edit(b)
		}
		if err := os.WriteFile(filepath.Join(to, e.Name()), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

// File is the path of a file in the secrets folder.
func (s *Stack) File(name string) string { return filepath.Join(s.Secrets, name) }

// Config loads the role's rendered configuration, with env (KEY=value,
// Spring's relaxed names) overriding it as a container's environment would.
func (s *Stack) Config(t testing.TB, role topology.Role, service string, env ...string) *config.Service {
	t.Helper()
	cfg, err := config.Load(role, config.Sources{Location: "file://" + s.File(service+"-config.yml"), Env: env})
	if err != nil {
		t.Fatalf("load %s configuration: %v", role, err)
	}
	return cfg
}

// Router loads the rendered qdrouterd.json.
func (s *Stack) Router(t testing.TB) *config.Router {
	t.Helper()
	r, err := config.LoadRouter(s.File("qdrouterd.json"))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// Listen opens a TCP listener on an ephemeral port of host (127.0.0.1
// unless given).
func Listen(t testing.TB, host ...string) net.Listener {
	t.Helper()
	h := "127.0.0.1"
	if len(host) > 0 {
		h = host[0]
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(h, "0"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	return ln
}

// Port is a listener's port as a string.
func Port(ln net.Listener) string {
	_, p, _ := net.SplitHostPort(ln.Addr().String())
	return p
}

// Logger writes a role's log lines into the test log and keeps them for
// assertions.
type Logger struct {
	*slog.Logger
	mu  sync.Mutex
	buf bytes.Buffer
}

// NewLogger returns a debug-level logger into t's log.
func NewLogger(t testing.TB) *Logger {
	l := &Logger{}
	w := writerFunc(func(p []byte) (int, error) {
		l.mu.Lock()
		l.buf.Write(p)
		l.mu.Unlock()
		t.Log(strings.TrimRight(string(p), "\n"))
		return len(p), nil
	})
	l.Logger = slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
	return l
}

// Contains reports whether any line logged so far contains s.
func (l *Logger) Contains(s string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Contains(l.buf.String(), s)
}

// WaitFor waits up to d for a line containing s.
func (l *Logger) WaitFor(s string, d time.Duration) bool {
	end := time.Now().Add(d)
	for time.Now().Before(end) {
		if l.Contains(s) {
			return true
		}
		time.Sleep(10 * time.Millisecond)
	}
	return l.Contains(s)
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

// ClientTLS is a TLS client configuration trusting the stack's CA, for
// server name, with the named service's client certificate when certName
// is not empty ("hono-messaging").
func (s *Stack) ClientTLS(t testing.TB, serverName, certName string) *tls.Config {
	t.Helper()
	pool := x509.NewCertPool()
	b, err := os.ReadFile(s.File(certs.TrustedCerts))
	if err != nil {
		t.Fatal(err)
	}
	if !pool.AppendCertsFromPEM(b) {
		t.Fatal("no certificates in trusted-certs.pem")
	}
	conf := &tls.Config{RootCAs: pool, ServerName: serverName, MinVersion: tls.VersionTLS12}
	if certName != "" {
		pair, err := tls.LoadX509KeyPair(s.File(certName+"-cert.pem"), s.File(certName+"-key.pem"))
		if err != nil {
			t.Fatal(err)
		}
		conf.Certificates = []tls.Certificate{pair}
	}
	return conf
}

// Run starts serve in a goroutine and stops it when the test ends,
// failing the test if it returned an error other than at shutdown.
func Run(t testing.TB, serve func(ctx context.Context) error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- serve(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("role ended with: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Error("role did not stop within 10s")
		}
	})
}

// ReissueLeaf replaces a service's key and certificate with new ones from
// the stack's CA, valid from notBefore to notAfter: an expired or
// not-yet-valid certificate with the right names.
func (s *Stack) ReissueLeaf(t testing.TB, certName string, dns []string, notBefore, notAfter time.Time) {
	t.Helper()
	caCert := readCert(t, s.File(certs.CACert))
	caKey := readKey(t, s.File(certs.CAKey))
	key := readKey(t, s.File(certName+"-key.pem"))
	serial, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      certs.Subject(certName),
		NotBefore:    notBefore,
		NotAfter:     notAfter,
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		DNSNames:     dns,
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, key.(crypto.Signer).Public(), caKey)
	if err != nil {
		t.Fatal(err)
	}
	out := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	out = append(out, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caCert.Raw})...)
	if err := os.WriteFile(s.File(certName+"-cert.pem"), out, 0o600); err != nil {
		t.Fatal(err)
	}
}

func readCert(t testing.TB, path string) *x509.Certificate {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	blk, _ := pem.Decode(b)
	if blk == nil {
		t.Fatalf("%s: no PEM", path)
	}
	c, err := x509.ParseCertificate(blk.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func readKey(t testing.TB, path string) any {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	blk, _ := pem.Decode(b)
	if blk == nil {
		t.Fatalf("%s: no PEM", path)
	}
	k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return k
}
