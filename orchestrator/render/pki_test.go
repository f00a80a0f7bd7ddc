package render

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/honoctl/honoctl/orchestrator/topology"
)

// mustFakePKI creates the PKI's file names with placeholder content: render
// only looks at names, owners and modes.
func mustFakePKI(t *testing.T, dir string, top *topology.Topology, keyMode os.FileMode) {
	t.Helper()
	if err := os.MkdirAll(filepath.Join(dir, CertsDir), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range PKIFiles(top) {
		mode := os.FileMode(0o644)
		if strings.HasSuffix(f, "-key.pem") {
			mode = keyMode
		}
		if err := os.WriteFile(filepath.Join(dir, CertsDir, f), nil, mode); err != nil {
			t.Fatal(err)
		}
	}
}

func TestCheckPKI(t *testing.T) {
	top := topology.Default()
	dir := t.TempDir()

	var missing *MissingPKIError
	err := CheckPKI(dir, top)
	if !errors.As(err, &missing) || !missing.All ||
		!strings.Contains(err.Error(), "honoctl certs --dir "+dir) {
		t.Fatalf("err = %v, want no certificates and the command that makes them", err)
	}

	mustFakePKI(t, dir, top, 0o600)
	if err := CheckPKI(dir, top); err != nil {
		t.Fatalf("complete PKI: %v", err)
	}

	os.Remove(filepath.Join(dir, CertsDir, "kura-adapter-cert.pem"))
	err = CheckPKI(dir, top)
	want := fmt.Sprintf("certificate files missing in %s: kura-adapter-cert.pem; create them with: honoctl certs --dir %s",
		filepath.Join(dir, CertsDir), dir)
	if err == nil || err.Error() != want {
		t.Errorf("err = %v\nwant  %s", err, want)
	}
}

func TestPKIFilesHaveNoCAKey(t *testing.T) {
	for _, f := range PKIFiles(topology.Default()) {
		if f == "root-key.pem" || f == "ca-key.pem" {
			t.Errorf("PKIFiles lists %s", f)
		}
	}
}

func TestKeyUser(t *testing.T) {
	top := topology.Default()

	private := t.TempDir()
	mustFakePKI(t, private, top, 0o600)
	got, err := KeyUser(private, top)
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("%d:%d", os.Getuid(), os.Getgid())
	if os.Getuid() == SimUser {
		want = ""
	}
	if got != want {
		t.Errorf("0600 keys: user %q, want %q", got, want)
	}

	readable := t.TempDir()
	mustFakePKI(t, readable, top, 0o644)
	if got, err := KeyUser(readable, top); err != nil || got != "" {
		t.Errorf("world-readable keys: user %q, %v; want the image's own", got, err)
	}
}

func TestProjectName(t *testing.T) {
	for dir, want := range map[string]string{
		"./hono-stack":   "hono-stack",
		"/tmp/My Stack/": "mystack",
		"/tmp/x.y":       "xy",
	} {
		if got := ProjectName(dir); got != want {
			t.Errorf("ProjectName(%q) = %q, want %q", dir, got, want)
		}
	}
}
