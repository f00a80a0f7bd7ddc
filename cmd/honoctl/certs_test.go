package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/honoctl/honoctl/certs"
	"github.com/honoctl/honoctl/orchestrator/render"
)

func runCertsCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = run(append([]string{"honoctl"}, args...), &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestCertsWritesThePKIAndSaysWhere(t *testing.T) {
	dir := t.TempDir()
	code, _, stderr := runCertsCLI(t, "certs", "--dir", dir, "--days", "30")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	pki := filepath.Join(dir, render.CertsDir)
	for _, want := range []string{"wrote 26 files (new)", "the PKI is in " + pki,
		"service certificates expire on", "(in 30 days)", "next: honoctl render --dir " + dir} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	if _, err := os.Stat(filepath.Join(pki, certs.TrustStore)); err != nil {
		t.Error(err)
	}

	code, _, stderr = runCertsCLI(t, "certs", "--dir", dir)
	if code != exitOK || !strings.Contains(stderr, "kept 26 files") {
		t.Errorf("re-run: exit %d:\n%s", code, stderr)
	}
}

// TestCertsThenRender: render accepts the folder honoctl certs wrote, and
// mounts the files it wrote.
func TestCertsThenRender(t *testing.T) {
	dir := t.TempDir()
	if code, _, stderr := runCertsCLI(t, "certs", "--dir", dir); code != exitOK {
		t.Fatalf("certs: exit %d: %s", code, stderr)
	}
	code, _, stderr := runCertsCLI(t, "render", "--dir", dir)
	if code != exitOK {
		t.Fatalf("render: exit %d: %s", code, stderr)
	}
	compose := string(mustReadFile(t, filepath.Join(dir, render.ComposeFile)))
	if !strings.Contains(compose, "./certs/qdrouter-cert.pem") || strings.Contains(compose, certs.CAKey) {
		t.Errorf("compose.yaml does not mount the router's certificate, or mounts the CA key")
	}
	// The recorded topology is the one a re-run of certs uses.
	if code, _, stderr := runCertsCLI(t, "certs", "--dir", dir); code != exitOK ||
		!strings.Contains(stderr, "kept 26 files") {
		t.Errorf("certs after render: exit %d:\n%s", code, stderr)
	}
}

func TestCertsRejectsBadFlags(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--key-type", "dsa"}, `--key-type: key type "dsa": want one of ecdsa-p256`},
		{[]string{"--days", "0"}, "validity of 0 days"},
		{[]string{"extra"}, `unexpected argument "extra"`},
	} {
		dir := t.TempDir()
		code, _, stderr := runCertsCLI(t, append([]string{"certs", "--dir", dir}, tt.args...)...)
		if code != exitCannot || !strings.Contains(stderr, tt.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", tt.args, code, stderr, tt.want)
		}
	}
}

func mustReadFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestCertsLint(t *testing.T) {
	dir := t.TempDir()
	if code, _, stderr := runCertsCLI(t, "certs", "--dir", dir); code != exitOK {
		t.Fatalf("certs: exit %d: %s", code, stderr)
	}
	pki := filepath.Join(dir, render.CertsDir)

	// A fresh PKI passes, whether named by its stack folder, by itself or
	// by --dir.
	for _, args := range [][]string{{"certs", "lint", dir}, {"certs", "lint", pki}, {"certs", "lint", "--dir", dir}} {
		code, stdout, stderr := runCertsCLI(t, args...)
		if code != exitOK || stdout != "" || !strings.Contains(stderr, pki+": ") || !strings.Contains(stderr, "0 failed, 0 warnings: ok") {
			t.Errorf("%v: exit %d\nstdout: %s\nstderr: %s", args, code, stdout, stderr)
		}
	}

	// A broken one fails with the finding and its hint on stdout.
	if err := os.Remove(filepath.Join(pki, "mqtt-adapter-key.pem")); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runCertsCLI(t, "certs", "lint", pki)
	if code != exitFailed {
		t.Errorf("exit %d, want 1", code)
	}
	if !strings.Contains(stdout, "fail  pki.missing       mqtt-adapter-key.pem: missing in "+pki) ||
		!strings.Contains(stdout, "hint: put the service's private key there") ||
		!strings.Contains(stdout, "honoctl certs --dir "+dir+" (keeps the CA") {
		t.Errorf("stdout:\n%s", stdout)
	}
	if !strings.Contains(stderr, "1 failed") {
		t.Errorf("stderr: %s", stderr)
	}
}

func TestCertsLintCannot(t *testing.T) {
	code, _, stderr := runCertsCLI(t, "certs", "lint", filepath.Join(t.TempDir(), "nothing"))
	if code != exitCannot || !strings.Contains(stderr, "is not a folder; create the PKI with: honoctl certs") {
		t.Errorf("exit %d: %s", code, stderr)
	}
}
