package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"

	"github.com/honoctl/honoctl/orchestrator/render"
	"github.com/honoctl/honoctl/orchestrator/topology"
)

// mustFakeCerts puts the PKI's file names into dir/certs; render only
// checks that they are there.
func mustFakeCerts(t *testing.T, dir string) {
	t.Helper()
	certs := filepath.Join(dir, render.CertsDir)
	if err := os.MkdirAll(certs, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range render.PKIFiles(topology.Default()) {
		if err := os.WriteFile(filepath.Join(certs, f), nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

func runRenderCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = run(append([]string{"honoctl"}, args...), &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestRenderWithoutCertsNamesTheFix(t *testing.T) {
	dir := t.TempDir()
	code, _, stderr := runRenderCLI(t, "render", "--dir", dir)
	if code != exitCannot || !strings.Contains(stderr, "honoctl certs --dir "+dir) {
		t.Errorf("exit %d, stderr %q; want 2 and the certs command", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, render.ComposeFile)); err == nil {
		t.Error("compose.yaml written without a PKI")
	}
}

func TestRenderWritesTheStack(t *testing.T) {
	dir := t.TempDir()
	mustFakeCerts(t, dir)
	code, _, stderr := runRenderCLI(t, "render", "--dir", dir, "--images", "upstream",
		"--engine", "http=openssl", "--tls-off", "messaging-auth", "--port-offset", "100")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	b, err := os.ReadFile(filepath.Join(dir, render.ConfigDir, "hono-adapter-http-vertx-config.yml"))
	if err != nil || !strings.Contains(string(b), "nativeTlsRequired: true") {
		t.Errorf("HTTP adapter config: %v\n%s", err, b)
	}
	b, _ = os.ReadFile(filepath.Join(dir, render.ComposeFile))
	if !strings.Contains(string(b), `"127.0.0.1:15771:5671/tcp"`) ||
		!strings.Contains(string(b), "eclipse/hono-service-auth:0.7") {
		t.Errorf("compose.yaml lacks the offset router port or the upstream image")
	}
	top, err := topology.Load(dir)
	if err != nil || top.Options.PortOffset != 100 || top.Options.Flavor != topology.FlavorUpstream {
		t.Errorf("recorded topology: %+v, %v", top, err)
	}
	if !strings.Contains(stderr, "next: honoctl up --dir "+dir) {
		t.Errorf("stderr does not end with the next command:\n%s", stderr)
	}
}

func TestRenderRejectsBadFlags(t *testing.T) {
	dir := t.TempDir()
	mustFakeCerts(t, dir)
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--tls-off", "9"}, "--tls-off: channel 9: want a channel from 1 to 7"},
		{[]string{"--tls-off", "nope"}, `--tls-off: channel "nope": want 1 to 7 or one of app-router`},
		{[]string{"--engine", "auth"}, `--engine: engine "auth": want SERVICE=jdk or SERVICE=openssl`},
		{[]string{"--engine", "router=openssl"}, "not a Java service"},
		{[]string{"--adapters", "coap"}, `--adapters: adapter "coap": want http, mqtt or kura`},
		{[]string{"--images", "docker"}, `image flavor "docker": want sim or upstream`},
		{[]string{"--target", "k8s"}, `target "k8s": want compose or swarm`},
		{[]string{"--extensions", "copy"}, `extensions "copy": want bind or volume`},
	} {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			code, _, stderr := runRenderCLI(t, append([]string{"render", "--dir", dir}, tt.args...)...)
			if code != exitCannot || !strings.Contains(stderr, tt.want) {
				t.Errorf("exit %d, stderr %q; want 2 and %q", code, stderr, tt.want)
			}
		})
	}
}

func TestRelativeTo(t *testing.T) {
	for _, tt := range []struct{ dir, p, want string }{
		{"./hono-stack", "./extensions", "../extensions"},
		{"./hono-stack", "hono-stack/extensions", "extensions"},
		{"/tmp/s", "/opt/ext", "/opt/ext"},
	} {
		if got, err := relativeTo(tt.dir, tt.p); err != nil || got != tt.want {
			t.Errorf("relativeTo(%q, %q) = %q, %v; want %q", tt.dir, tt.p, got, err, tt.want)
		}
	}
}

// TestRenderSwarmNamesAStackThatFits: a folder whose name is too long for
// the stack's secrets gets a warning and a deploy command that works.
func TestRenderSwarmNamesAStackThatFits(t *testing.T) {
	for name, want := range map[string]string{
		"swarm-stack":               "compose.yaml swarm-stack\n",
		"a-folder-name-of-25-chars": "compose.yaml hono\n",
		strings.Repeat("x", 24):     "compose.yaml " + strings.Repeat("x", 24) + "\n",
	} {
		dir := filepath.Join(t.TempDir(), name)
		mustFakeCerts(t, dir)
		code, _, stderr := runRenderCLI(t, "render", "--dir", dir, "--target", "swarm")
		if code != exitOK {
			t.Fatalf("%s: exit %d: %s", name, code, stderr)
		}
		if !strings.HasSuffix(stderr, want) {
			t.Errorf("%s: stderr does not end with %q:\n%s", name, want, stderr)
		}
		warned := strings.Contains(stderr, "too long for a stack")
		if warned != (len(name) > 24) {
			t.Errorf("%s (%d characters): warned %v:\n%s", name, len(name), warned, stderr)
		}
	}
}

// TestRestoreRendersWithRecordedOptions: restoring a broken stack, as a
// plain up does, renders it with the options of its last render, not
// with the defaults of the restoring command's flags.
func TestRestoreRendersWithRecordedOptions(t *testing.T) {
	dir := t.TempDir()
	if code, _, stderr := runRenderCLI(t, "certs", "--dir", dir); code != exitOK {
		t.Fatalf("certs: exit %d: %s", code, stderr)
	}
	if code, _, stderr := runRenderCLI(t, "render", "--dir", dir, "--images", "upstream", "--extensions", "volume",
		"--break", "tls-versions:hono-service-device-registry"); code != exitOK {
		t.Fatalf("render --break: exit %d: %s", code, stderr)
	}
	var errOut bytes.Buffer
	app := &cli.App{Name: "up", Flags: append([]cli.Flag{dirFlag()}, renderFlags()...), ErrWriter: &errOut,
		Action: func(c *cli.Context) error { return restoreStack(c, c.String("dir")) }}
	if err := app.Run([]string{"up", "--dir", dir}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(errOut.String(), "restored the healthy stack") {
		t.Errorf("restore says:\n%s", errOut.String())
	}
	b, err := os.ReadFile(filepath.Join(dir, render.ComposeFile))
	if err != nil || !strings.Contains(string(b), "source: hono-extensions") {
		t.Errorf("the restored compose.yaml lost --extensions volume: %v", err)
	}
	reg, _ := os.ReadFile(filepath.Join(dir, render.ConfigDir, "hono-service-device-registry-config.yml"))
	if strings.Contains(string(reg), "TLSv1.3") {
		t.Errorf("the registry's configuration is still broken:\n%s", reg)
	}
}
