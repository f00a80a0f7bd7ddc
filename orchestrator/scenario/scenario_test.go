package scenario

import (
	"bytes"
	"crypto/rsa"
	"crypto/x509"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/honoctl/honoctl/certs"
	"github.com/honoctl/honoctl/orchestrator/check"
	"github.com/honoctl/honoctl/orchestrator/render"
	"github.com/honoctl/honoctl/orchestrator/topology"
)

// mustStack writes a healthy stack folder: the PKI and the rendered files
// of the default sim topology.
// The PKI is made once (RSA keys are slow) and copied into each test's
// folder.
var pki struct {
	once sync.Once
	dir  string
	err  error
}

func mustStack(t *testing.T) (string, *topology.Topology) {
	t.Helper()
	top := topology.Default()
	pki.once.Do(func() {
		if pki.dir, pki.err = os.MkdirTemp("", "scenario-pki-"); pki.err == nil {
			_, pki.err = certs.Generate(pki.dir, top, certs.Options{})
		}
	})
	if pki.err != nil {
		t.Fatal(pki.err)
	}
	dir := t.TempDir()
	entries, err := os.ReadDir(pki.dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "certs"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(pki.dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		fi, err := e.Info()
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "certs", e.Name()), data, fi.Mode().Perm()); err != nil {
			t.Fatal(err)
		}
	}
	mustRender(t, dir, top)
	return dir, top
}

func TestMain(m *testing.M) {
	code := m.Run()
	if pki.dir != "" {
		os.RemoveAll(pki.dir)
	}
	os.Exit(code)
}

func mustRender(t *testing.T, dir string, top *topology.Topology) {
	t.Helper()
	st, err := render.Render(top, render.Options{ProjectName: "test"})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Write(dir); err != nil {
		t.Fatal(err)
	}
}

// snapshot is every file of the folder's certs/ and config/.
func snapshot(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	for _, sub := range []string{"certs", "config"} {
		entries, err := os.ReadDir(filepath.Join(dir, sub))
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			data, err := os.ReadFile(filepath.Join(dir, sub, e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			out[filepath.Join(sub, e.Name())] = data
		}
	}
	return out
}

// TestApplyChangesOnlyItsFiles applies every breakage that applies to sim
// and wants exactly the files it reports changed, then a restore (certs and
// render, as a plain honoctl up does) that leaves the certificates valid
// for certs lint and the configuration as rendered.
func TestApplyChangesOnlyItsFiles(t *testing.T) {
	for _, s := range Catalogue() {
		t.Run(s.Name, func(t *testing.T) {
			dir, top := mustStack(t)
			before := snapshot(t, dir)
			a, err := Apply(dir, top, s.Name, time.Now())
			if s.Upstream {
				if !errors.Is(err, ErrNotApplicable) {
					t.Fatalf("Apply on sim: %v; want ErrNotApplicable", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			after := snapshot(t, dir)
			var changed []string
			for f, data := range after {
				if !bytes.Equal(before[f], data) {
					changed = append(changed, f)
				}
			}
			if strings.Join(sorted(changed), " ") != strings.Join(a.Files, " ") {
				t.Errorf("changed %v; Applied.Files %v", sorted(changed), a.Files)
			}
			if len(a.Services) == 0 || a.Detail == "" || a.Target != s.Default {
				t.Errorf("applied %+v", a)
			}

			if _, err := certs.Generate(filepath.Join(dir, "certs"), top, certs.Options{}); err != nil {
				t.Fatal(err)
			}
			mustRender(t, dir, top)
			for _, f := range certs.Lint(filepath.Join(dir, "certs"), top, time.Now()) {
				if f.Status != certs.Pass {
					t.Errorf("after the restore, certs lint: %s %s %s: %s", f.Check, f.Status, f.File, f.Message)
				}
			}
			restored := snapshot(t, dir)
			for f, data := range before {
				if strings.HasPrefix(f, "config/") && !bytes.Equal(restored[f], data) {
					t.Errorf("after the restore, %s differs from the rendered one", f)
				}
			}
		})
	}
}

func sorted(s []string) []string {
	out := append([]string(nil), s...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}

func TestCertificatesAreBrokenAsSaid(t *testing.T) {
	now := time.Now()
	leafOf := func(t *testing.T, dir, file string) []*x509.Certificate {
		data, err := os.ReadFile(filepath.Join(dir, "certs", file))
		if err != nil {
			t.Fatal(err)
		}
		cs, err := certs.ParseCerts(data)
		if err != nil {
			t.Fatal(err)
		}
		return cs
	}
	tests := []struct {
		spec, file string
		broken     func([]*x509.Certificate) bool
	}{
		{"expired-cert", "http-adapter-cert.pem", func(c []*x509.Certificate) bool { return now.After(c[0].NotAfter) }},
		{"not-yet-valid", "http-adapter-cert.pem", func(c []*x509.Certificate) bool { return now.Before(c[0].NotBefore) }},
		{"expiring-soon", "http-adapter-cert.pem", func(c []*x509.Certificate) bool {
			return c[0].NotAfter.Sub(now) < 6*day && now.Before(c[0].NotAfter)
		}},
		{"san-missing-host", "device-registry-cert.pem", func(c []*x509.Certificate) bool {
			return c[0].VerifyHostname("hono-service-device-registry.hono") != nil
		}},
		{"san-missing-ip", "http-adapter-cert.pem", func(c []*x509.Certificate) bool {
			return c[0].VerifyHostname("127.0.0.1") != nil && c[0].VerifyHostname("localhost") == nil
		}},
		{"missing-intermediate", "http-adapter-cert.pem", func(c []*x509.Certificate) bool { return len(c) == 1 }},
		{"untrusted-ca", "mqtt-adapter-cert.pem", func(c []*x509.Certificate) bool {
			return c[0].Issuer.CommonName != "ca"
		}},
		{"weak-key", "http-adapter-cert.pem", func(c []*x509.Certificate) bool {
			k, ok := c[0].PublicKey.(*rsa.PublicKey)
			return ok && k.N.BitLen() == 1024
		}},
	}
	for _, tt := range tests {
		t.Run(tt.spec, func(t *testing.T) {
			dir, top := mustStack(t)
			if _, err := Apply(dir, top, tt.spec, now); err != nil {
				t.Fatal(err)
			}
			if !tt.broken(leafOf(t, dir, tt.file)) {
				t.Errorf("%s is not broken as %s says", tt.file, tt.spec)
			}
		})
	}
}

func TestParseAndTargets(t *testing.T) {
	dir, top := mustStack(t)
	tests := []struct{ spec, want string }{
		{"no-such-thing", "not in the catalogue"},
		{"expired-cert:no-such-service", "not a service of this stack"},
		{"client-cert-missing:hono-service-auth", "mutual TLS"},
		{"tls-versions:hono-dispatch-router", "does not render this setting for the router"},
		{"token-cert-wrong:hono-adapter-kura", "validates the Auth Server's tokens"},
	}
	for _, tt := range tests {
		_, err := Apply(dir, top, tt.spec, time.Now())
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Apply(%q): %v; want an error with %q", tt.spec, err, tt.want)
		}
	}
	// A channel target breaks every server of the channel.
	a, err := Apply(dir, top, "expired-cert:"+topology.ChannelDeviceAdapter.Key(), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Services) != 3 {
		t.Errorf("expired-cert on the device channel changed %v; want the three adapters", a.Services)
	}
}

func TestRecordExplainForget(t *testing.T) {
	dir, top := mustStack(t)
	a, err := Apply(dir, top, "expired-cert", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	b, err := Apply(dir, top, "tls-versions", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := Record(dir, a, b); err != nil {
		t.Fatal(err)
	}
	fs := []check.Finding{
		{Channel: 7, Link: "device -> localhost:8443 (hono-adapter-http-vertx)", Check: check.IDValidity, Status: check.Fail, Hint: "Renew it."},
		{Channel: 7, Link: "device -> localhost:8883 (hono-adapter-mqtt-vertx)", Check: check.IDValidity, Status: check.Fail, Hint: "Renew it."},
		{Channel: 7, Link: "device -> localhost:8443 (hono-adapter-http-vertx)", Check: check.IDHostname, Status: check.Pass},
	}
	if err := Annotate(dir, fs); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(fs[0].Hint, "--break expired-cert:hono-adapter-http-vertx") || !strings.HasPrefix(fs[0].Hint, "Renew it.") {
		t.Errorf("the expired adapter's hint: %q", fs[0].Hint)
	}
	if fs[1].Hint != "Renew it." || fs[2].Hint != "" {
		t.Errorf("unrelated findings got explanations: %q, %q", fs[1].Hint, fs[2].Hint)
	}

	if err := Forget(dir, StageCerts); err != nil {
		t.Fatal(err)
	}
	left, err := Load(dir)
	if err != nil || len(left) != 1 || left[0].Scenario != "tls-versions" {
		t.Fatalf("after forgetting the certs stage: %+v, %v", left, err)
	}
	if err := Forget(dir, StageRender); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, FileName)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("%s is still there with nothing in it: %v", FileName, err)
	}
}

func TestNativeTLSOnUpstream(t *testing.T) {
	dir, _ := mustStack(t)
	o := topology.DefaultOptions()
	o.Flavor = topology.FlavorUpstream
	top, err := topology.New(o)
	if err != nil {
		t.Fatal(err)
	}
	mustRender(t, dir, top)
	a, err := Apply(dir, top, "native-tls-required", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(dir, "config", "hono-adapter-http-vertx-config.yml"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), "nativeTlsRequired: true") || a.Services[0] != "hono-adapter-http-vertx" {
		t.Errorf("applied %+v; the adapter's configuration:\n%s", a, data)
	}
}
