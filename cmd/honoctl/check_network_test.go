package main

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/honoctl/honoctl/certs"
	"github.com/honoctl/honoctl/orchestrator/check"
	"github.com/honoctl/honoctl/orchestrator/render"
	"github.com/honoctl/honoctl/orchestrator/topology"
)

// TestProbeFilesOneByOneNoCAKey: the probe container gets the files its
// checks read, each named, and never a CA's key nor a key of a service
// that presents none as a client.
func TestProbeFilesOneByOneNoCAKey(t *testing.T) {
	dir := t.TempDir()
	top := topology.Default()
	if _, err := certs.Generate(filepath.Join(dir, render.CertsDir), top, certs.Options{}); err != nil {
		t.Fatal(err)
	}
	rs, err := render.Render(top, render.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := rs.Write(dir); err != nil {
		t.Fatal(err)
	}
	pki, err := check.LoadPKI(filepath.Join(dir, render.CertsDir))
	if err != nil {
		t.Fatal(err)
	}
	files, err := probeFiles(&check.Stack{Dir: dir, Top: top, PKI: pki})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"topology.json", "certs/trusted-certs.pem", "certs/auth-server-cert.pem",
		"certs/qdrouter-key.pem", "certs/hono-messaging-key.pem", "config/http-adapter.credentials",
		"config/permissions.json", "config/hono-service-messaging-config.yml"} {
		if !slices.Contains(files, filepath.FromSlash(want)) {
			t.Errorf("probe files lack %s: %v", want, files)
		}
	}
	for _, f := range files {
		base := filepath.Base(f)
		if base == "" || strings.HasSuffix(f, string(filepath.Separator)) {
			t.Errorf("a folder in the probe files: %q", f)
		}
		switch base {
		case "ca-key.pem", "root-key.pem", "auth-server-key.pem", "http-adapter-key.pem":
			t.Errorf("probe files hold %s", f)
		}
	}
}
