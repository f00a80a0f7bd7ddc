package engine

import (
	"bytes"
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/compose-spec/compose-go/v2/types"
	gonat "github.com/docker/go-connections/nat"
)

// mustLoadReference loads the rendered sim stack of compose/sim with fake
// certificate files beside it.
func mustLoadReference(t *testing.T) (*types.Project, string) {
	t.Helper()
	dir := t.TempDir()
	ref := filepath.Join("..", "..", "compose", "sim")
	err := filepath.WalkDir(ref, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(ref, p)
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		mustWrite(t, dir, rel, string(data))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"trusted-certs.pem", "auth-server-key.pem", "auth-server-cert.pem",
		"qdrouter-key.pem", "qdrouter-cert.pem", "hono-messaging-key.pem", "hono-messaging-cert.pem",
		"device-registry-key.pem", "device-registry-cert.pem", "http-adapter-key.pem", "http-adapter-cert.pem",
		"mqtt-adapter-key.pem", "mqtt-adapter-cert.pem", "kura-adapter-key.pem", "kura-adapter-cert.pem"} {
		mustWrite(t, dir, "certs/"+f, "fake "+f)
	}
	p, err := Load(context.Background(), dir, "hono")
	if err != nil {
		t.Fatal(err)
	}
	return p, dir
}

func TestSpecOfTheRenderedReference(t *testing.T) {
	p, dir := mustLoadReference(t)
	sp, err := newSpec(p, p.Services["hono-service-device-registry"], "sha256:image")
	if err != nil {
		t.Fatal(err)
	}

	if sp.name != "hono-hono-service-device-registry-1" {
		t.Errorf("container name %s", sp.name)
	}
	want := map[string]string{LabelProject: "hono", LabelService: "hono-service-device-registry",
		LabelNumber: "1", LabelOneoff: "False", LabelWorkingDir: dir, LabelImage: "sha256:image",
		LabelConfigFiles: filepath.Join(dir, ComposeFile), LabelDependsOn: "hono-service-auth:service_healthy:false",
		"org.honoctl.role": "registry", "org.honoctl.managed": "true"}
	for k, v := range want {
		if got := sp.config.Labels[k]; got != v {
			t.Errorf("label %s = %q, want %q", k, got, v)
		}
	}
	if sp.config.Labels[LabelConfigHash] != sp.hash || len(sp.hash) != 64 {
		t.Errorf("config hash label %q, hash %q", sp.config.Labels[LabelConfigHash], sp.hash)
	}
	if strings.Join(sp.config.Cmd, " ") != "registry" || sp.config.Image != "honoctl/hono-sim:latest" {
		t.Errorf("image %s, command %v", sp.config.Image, sp.config.Cmd)
	}
	if hc := sp.config.Healthcheck; hc == nil || strings.Join(hc.Test, " ") != "CMD /hono-sim health" ||
		hc.Interval != time.Second || hc.Timeout != 3*time.Second || hc.Retries != 30 {
		t.Errorf("health check %+v", sp.config.Healthcheck)
	}
	if sp.host.RestartPolicy.Name != "unless-stopped" || sp.host.NetworkMode != "hono_hono" {
		t.Errorf("restart %q, network %q", sp.host.RestartPolicy.Name, sp.host.NetworkMode)
	}
	if ep := sp.net.EndpointsConfig["hono_hono"]; ep == nil ||
		strings.Join(ep.Aliases, ",") != "hono-service-device-registry,hono-service-device-registry.hono" {
		t.Errorf("endpoints %+v", sp.net.EndpointsConfig)
	}
	for port, host := range map[string]string{"5671/tcp": "25671", "8443/tcp": "28443"} {
		b := sp.host.PortBindings[gonat.Port(port)]
		if len(b) != 1 || b[0].HostIP != "127.0.0.1" || b[0].HostPort != host {
			t.Errorf("port %s bound %+v, want 127.0.0.1:%s", port, b, host)
		}
	}
	var readOnly, writable int
	for _, m := range sp.host.Mounts {
		if !filepath.IsAbs(m.Source) || !strings.HasPrefix(m.Source, dir) {
			t.Errorf("mount source %s not absolute in %s", m.Source, dir)
		}
		if m.ReadOnly {
			readOnly++
		} else if m.Target == "/var/lib/hono/device-registry" {
			writable++
		}
	}
	if readOnly != 5 || writable != 1 {
		t.Errorf("%d read-only mounts and %d writable registry data; want 5 and 1", readOnly, writable)
	}
}

func TestConfigHashFollowsWhatTheContainerRuns(t *testing.T) {
	p, dir := mustLoadReference(t)
	svc := p.Services["hono-adapter-http-vertx"]
	hash := func(s types.ServiceConfig, image string) string {
		t.Helper()
		sp, err := newSpec(p, s, image)
		if err != nil {
			t.Fatal(err)
		}
		return sp.hash
	}
	base := hash(svc, "sha256:one")

	if hash(svc, "sha256:one") != base {
		t.Error("the same service hashes differently twice")
	}
	moved := svc
	moved.DependsOn = nil
	if hash(moved, "sha256:one") != base {
		t.Error("depends_on changed the hash; the container itself is the same")
	}
	if hash(svc, "sha256:two") == base {
		t.Error("a rebuilt image left the hash alone")
	}
	env := svc
	env.Environment = types.MappingWithEquals{"X": new(string)}
	if hash(env, "sha256:one") == base {
		t.Error("another environment left the hash alone")
	}
	mustWrite(t, dir, "config/hono-adapter-http-vertx-config.yml", "changed: true\n")
	if hash(svc, "sha256:one") == base {
		t.Error("a changed mounted configuration file left the hash alone")
	}
}

func TestSpecNamesMissingFiles(t *testing.T) {
	p, dir := mustLoadReference(t)
	os.Remove(filepath.Join(dir, "certs", "auth-server-key.pem"))
	_, err := newSpec(p, p.Services["hono-service-auth"], "sha256:image")
	var mf *MissingFileError
	if !errors.As(err, &mf) {
		t.Fatalf("newSpec: %v; want a MissingFileError", err)
	}
	want := "service hono-service-auth mounts " + dir + "/certs/auth-server-key.pem, which is missing; " +
		"create the certificates with: honoctl certs --dir " + dir
	if err.Error() != want {
		t.Errorf("error\n%s\nwant\n%s", err, want)
	}
}

func TestLoadSaysRenderFirst(t *testing.T) {
	dir := t.TempDir()
	_, err := Load(context.Background(), dir, "x")
	if err == nil || !strings.Contains(err.Error(), "render the stack first (honoctl render --dir "+dir+")") {
		t.Errorf("Load of an empty folder: %v", err)
	}
}

func TestLoadRefusesSwarmFiles(t *testing.T) {
	dir := t.TempDir()
	mustWrite(t, dir, "s.txt", "x")
	mustWrite(t, dir, ComposeFile, "services:\n  a:\n    image: x\n    secrets: [s]\nsecrets:\n  s:\n    file: ./s.txt\n")
	_, err := Load(context.Background(), dir, "x")
	if err == nil || !strings.Contains(err.Error(), "render it with --target compose") {
		t.Errorf("Load of a swarm file: %v", err)
	}
}

func TestConnectNamesTheHost(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "docker.sock")
	t.Setenv("DOCKER_HOST", "unix://"+sock)
	_, err := Connect(context.Background())
	var ne *NoEngineError
	if !errors.As(err, &ne) || ne.Host != "unix://"+sock || !ne.FromEnv {
		t.Fatalf("Connect: %v; want a NoEngineError for %s", err, sock)
	}
	if !strings.Contains(err.Error(), "start Docker") {
		t.Errorf("error %q says not what to do", err)
	}
}

func TestProcessListeningNamesUs(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	port := l.Addr().(*net.TCPAddr).Port
	got := processListening(port)
	if want := "process " + itoa(os.Getpid()) + " ("; !strings.HasPrefix(got, want) {
		t.Errorf("processListening(%d) = %q, want %q...", port, got, want)
	}
	l.Close()
	if got := processListening(port); got != "" {
		t.Errorf("after close, processListening(%d) = %q", port, got)
	}
}

func TestCheckStaticRefusesDynamicBinaries(t *testing.T) {
	self, err := os.ReadFile("/bin/true")
	if err != nil {
		t.Skip("no /bin/true to read") // TODO: a dynamic ELF fixture would make this run everywhere
	}
	if err := checkStatic("/bin/true", self); err == nil || !strings.Contains(err.Error(), "CGO_ENABLED=0") {
		t.Errorf("checkStatic(/bin/true) = %v; want a refusal naming CGO_ENABLED=0", err)
	}
	if err := checkStatic("notes.txt", []byte("hello")); err == nil || !strings.Contains(err.Error(), "not a Linux executable") {
		t.Errorf("checkStatic(text) = %v", err)
	}
}

func TestProgressRenderers(t *testing.T) {
	var plainOut bytes.Buffer
	p := NewPlainProgress(&plainOut)
	p.Event(Event{Name: "auth", Step: StepFailed, Detail: "exited with code 1", Logs: []string{"boom"}})
	if got := plainOut.String(); !strings.Contains(got, "auth: failed (exited with code 1)\n") ||
		!strings.Contains(got, "| boom\n") {
		t.Errorf("plain:\n%s", got)
	}

	var ttyOut bytes.Buffer
	tty := NewTTYProgress(&ttyOut)
	tty.Event(Event{Name: "auth", Step: StepStarting})
	tty.Event(Event{Name: "registry", Step: StepWaiting, Detail: "for auth"})
	tty.Event(Event{Name: "auth", Step: StepFailed, Detail: "unhealthy", Logs: []string{"last words"}})
	tty.Close()
	got := ttyOut.String()
	if strings.Count(got, "\x1b[2A") != 1 || strings.Count(got, "\x1b[3A") != 1 {
		t.Errorf("tty output does not redraw its lines in place: %q", got)
	}
	if !strings.Contains(got, "✘ auth      failed (unhealthy)") || !strings.Contains(got, "last lines of auth:\n  | last words") {
		t.Errorf("tty output: %q", got)
	}
}
