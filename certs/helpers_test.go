package certs

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/honoctl/honoctl/orchestrator/topology"
)

// testNow is the clock of the tests. It is the real time, because the peers
// (openssl verify, crypto/tls) check validity against it; tests that move
// the clock pass Options.Now and openssl -attime.
var testNow = time.Now().UTC().Truncate(time.Second)

// mustGenerate writes the default topology's PKI into a new folder.
func mustGenerate(t testing.TB, o Options) (string, *Summary) {
	t.Helper()
	dir := t.TempDir()
	if o.Now.IsZero() {
		o.Now = testNow
	}
	sum, err := Generate(dir, topology.Default(), o)
	if err != nil {
		t.Fatalf("Generate: %v", err)
	}
	return dir, sum
}

// peerPackages names the Debian package of each real peer the tests run.
var peerPackages = map[string]string{
	"openssl": "openssl",
	"keytool": "default-jdk-headless",
	"bash":    "bash",
	"java":    "default-jdk-headless",
}

// mustRun runs a real peer and returns its combined output; a missing peer
// fails the test with the package to install (make deps does).
func mustRun(t testing.TB, dir string, name string, args ...string) string {
	t.Helper()
	out, err := runPeer(t, dir, name, args...)
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return out
}

// runPeer runs a real peer and returns its output and error.
func runPeer(t testing.TB, dir string, name string, args ...string) (string, error) {
	t.Helper()
	return runPeerFor(t, time.Minute, dir, name, args...)
}

// runPeerFor is runPeer with a time limit of its own.
func runPeerFor(t testing.TB, limit time.Duration, dir string, name string, args ...string) (string, error) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		t.Fatalf("%s not found: install the Debian package %s (make deps)", name, peerPackages[name])
	}
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func mustRead(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func mustWrite(t testing.TB, path string, data []byte) {
	t.Helper()
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

// pemFiles lists the PEM files of dir.
func pemFiles(t testing.TB, dir string) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(dir, "*.pem"))
	if err != nil {
		t.Fatal(err)
	}
	return m
}
