package render

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/honoctl/honoctl/orchestrator/topology"
)

func TestWriteKeepsRegistryData(t *testing.T) {
	dir := t.TempDir()
	st := mustRender(t, nil, Options{})
	if err := st.Write(dir); err != nil {
		t.Fatal(err)
	}
	// The registry saved a device of its own; a new render must keep it.
	saved := filepath.Join(dir, RegistryDir, registryDevices)
	if err := os.WriteFile(saved, []byte("[]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := mustRender(t, func(o *topology.Options) { o.Plaintext = true }, Options{}).Write(dir); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(saved); string(b) != "[]\n" {
		t.Errorf("registry data overwritten: %q", b)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, ComposeFile)); !strings.Contains(string(b), ":28080:8080/tcp") {
		t.Error("compose.yaml was not replaced by the new render")
	}
}

func TestWriteModes(t *testing.T) {
	dir := t.TempDir()
	if err := mustRender(t, nil, Options{}).Write(dir); err != nil {
		t.Fatal(err)
	}
	for file, want := range map[string]os.FileMode{
		ComposeFile:                       0o644,
		"config/qdrouterd.json":           0o644,
		"config/http-adapter.credentials": 0o600,
		"config/permissions.json":         0o600,
		regCfg:                            0o600, // the assertion signing secret
		"registry-data/credentials.json":  0o600,
	} {
		fi, err := os.Stat(filepath.Join(dir, file))
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != want {
			t.Errorf("%s: mode %v, want %v", file, fi.Mode().Perm(), want)
		}
	}
}

// TestWriteIsAllOrNothing: when one file cannot be written, no file of the
// previous render changes and no temporary file stays behind.
func TestWriteIsAllOrNothing(t *testing.T) {
	dir := t.TempDir()
	if err := mustRender(t, nil, Options{}).Write(dir); err != nil {
		t.Fatal(err)
	}
	before := mustReadTree(t, dir)

	blocker := filepath.Join(dir, routeCfg)
	if err := os.Remove(blocker); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(blocker, 0o755); err != nil {
		t.Fatal(err)
	}
	err := mustRender(t, func(o *topology.Options) { o.PortOffset = 7 }, Options{}).Write(dir)
	if err == nil || !strings.Contains(err.Error(), "qdrouterd.json") {
		t.Fatalf("err = %v, want one naming qdrouterd.json", err)
	}
	after := mustReadTree(t, dir)
	delete(before, routeCfg)
	if diff := changed(before, after); len(diff) > 0 {
		t.Errorf("a failed write changed %v", diff)
	}
	entries, _ := filepath.Glob(filepath.Join(dir, "*", ".*"))
	top, _ := filepath.Glob(filepath.Join(dir, ".*"))
	if leftovers := append(entries, top...); len(leftovers) > 0 {
		t.Errorf("temporary files left: %v", leftovers)
	}
}

func TestWriteUpstreamCreatesExtensionsFolder(t *testing.T) {
	dir := t.TempDir()
	st := mustRender(t, func(o *topology.Options) { o.Flavor = topology.FlavorUpstream }, Options{})
	if err := st.Write(dir); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(filepath.Join(dir, ExtensionDir)); err != nil || !fi.IsDir() {
		t.Errorf("extensions folder: %v", err)
	}
}
