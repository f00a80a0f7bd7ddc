package main

import (
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/honoctl/honoctl/orchestrator/engine"
	"github.com/honoctl/honoctl/orchestrator/render"
)

func TestLifecycleWithoutEngineSaysWhereItLooked(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "docker.sock")
	t.Setenv("DOCKER_HOST", "unix://"+sock)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, render.ComposeFile), []byte("services: {}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, verb := range []string{"up", "down", "status", "logs"} {
		t.Run(verb, func(t *testing.T) {
			code, _, stderr := runRenderCLI(t, verb, "--dir", dir)
			if code != exitCannot {
				t.Errorf("exit %d, want %d", code, exitCannot)
			}
			for _, want := range []string{"no Docker engine at unix://" + sock, "(from DOCKER_HOST)", "start Docker"} {
				if !strings.Contains(stderr, want) {
					t.Errorf("stderr %q lacks %q", stderr, want)
				}
			}
		})
	}
}

func TestUpWithoutCertsNamesTheFix(t *testing.T) {
	dir := t.TempDir()
	code, _, stderr := runRenderCLI(t, "up", "--dir", dir)
	if code != exitCannot || !strings.Contains(stderr, "honoctl certs --dir "+dir) {
		t.Errorf("exit %d, stderr %q; want 2 and the certs command", code, stderr)
	}
}

// needDocker skips under -short; without an engine the test fails.
func needDocker(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("needs a Docker engine; skipped under -short")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	e, err := engine.Connect(ctx)
	if err != nil {
		t.Fatalf("Docker tests need a running engine: %v", err)
	}
	e.Close()
}

func TestUpWithoutSimBinaryNamesTheFix(t *testing.T) {
	needDocker(t)
	dir := t.TempDir()
	mustFakeCerts(t, dir)
	code, _, stderr := runRenderCLI(t, "up", "--dir", dir, "--sim-binary", filepath.Join(dir, "no-hono-sim"))
	if code != exitCannot || !strings.Contains(stderr, "hono-sim binary, not found at "+dir+"/no-hono-sim: build it with make build") {
		t.Errorf("exit %d, stderr %q; want 2 and make build", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, render.ComposeFile)); err != nil {
		t.Errorf("up without a rendered stack did not render the defaults: %v", err)
	}
}

// pingerStack is a one-service stack of the engine tests' image.
const pingerStack = `services:
  echo:
    image: IMAGE
    command: [serve]
    environment:
      NAME: echo
    networks:
      hono: {}
    healthcheck:
      test: [CMD, /pinger, health]
      interval: 250ms
      retries: 20
    ports:
      - "127.0.0.1:PORT:7000"
networks:
  hono: {}
`

func mustPingerImage(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "pinger")
	cmd := exec.Command("go", "build", "-o", bin, "../../orchestrator/engine/testdata/pinger")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build pinger: %v\n%s", err, out)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	e, err := engine.Connect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	img, err := engine.BuildImage(ctx, e.Client(), bin, "honoctl-test/pinger")
	if err != nil {
		t.Fatal(err)
	}
	return img.Ref
}

func TestUpStatusLogsDown(t *testing.T) {
	needDocker(t)
	img := mustPingerImage(t)
	dir := filepath.Join(t.TempDir(), "cli-lifecycle")
	project := render.ProjectName(dir)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	yaml := strings.NewReplacer("IMAGE", img, "PORT", strconv.Itoa(port)).Replace(pingerStack)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, render.ComposeFile), []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { runRenderCLI(t, "down", "--dir", dir) })

	code, stdout, stderr := runRenderCLI(t, "up", "--dir", dir, "--progress", "plain")
	if code != exitOK {
		t.Fatalf("up: exit %d\n%s", code, stderr)
	}
	row := "echo     " + project + "-echo-1  running (healthy)  127.0.0.1:" + strconv.Itoa(port) + "->7000/tcp"
	if !strings.Contains(stdout, row) {
		t.Errorf("up's table:\n%s\nwant a row %q", stdout, row)
	}
	for _, want := range []string{"echo: healthy", "stack " + project + " is up (1 created)", "honoctl down   --dir " + dir} {
		if !strings.Contains(stderr, want) {
			t.Errorf("up's narration lacks %q:\n%s", want, stderr)
		}
	}

	if code, _, stderr = runRenderCLI(t, "up", "--dir", dir, "--progress", "plain"); code != exitOK ||
		!strings.Contains(stderr, "is up (1 kept)") {
		t.Errorf("second up: exit %d\n%s", code, stderr)
	}
	if code, stdout, _ = runRenderCLI(t, "status", "--dir", dir); code != exitOK || !strings.Contains(stdout, "running (healthy)") {
		t.Errorf("status: exit %d\n%s", code, stdout)
	}
	if code, stdout, _ = runRenderCLI(t, "logs", "--dir", dir, "echo"); code != exitOK || !strings.Contains(stdout, "pinger echo: listening") {
		t.Errorf("logs: exit %d\n%s", code, stdout)
	}
	if code, _, stderr = runRenderCLI(t, "down", "--dir", dir); code != exitOK ||
		!strings.Contains(stderr, "removed stack "+project+": 1 containers, 1 networks, 0 volumes") {
		t.Errorf("down: exit %d\n%s", code, stderr)
	}
	if code, stdout, stderr = runRenderCLI(t, "status", "--dir", dir); code != exitOK ||
		!strings.Contains(stdout, project+"-echo-1  not created") ||
		!strings.Contains(stderr, "stack "+project+" has no containers; start it with: honoctl up --dir "+dir) {
		t.Errorf("status after down: exit %d\n%s%s", code, stdout, stderr)
	}
}

// TestStatusOfAnUndeployedSwarmFolder: before docker stack deploy, each
// row names the swarm service, and the hint is the deploy command, under
// the folder's name or, when that is too long for a stack, the one render
// chose.
func TestStatusOfAnUndeployedSwarmFolder(t *testing.T) {
	needDocker(t)
	for folder, stack := range map[string]string{
		"swarm-undeployed":          "swarm-undeployed",
		"a-folder-name-of-25-chars": "hono",
	} {
		dir := filepath.Join(t.TempDir(), folder)
		mustFakeCerts(t, dir)
		if code, _, stderr := runRenderCLI(t, "render", "--dir", dir, "--target", "swarm"); code != exitOK {
			t.Fatalf("render %s: exit %d: %s", folder, code, stderr)
		}
		code, stdout, stderr := runRenderCLI(t, "status", "--dir", dir)
		if code != exitOK {
			t.Fatalf("status %s: exit %d: %s", folder, code, stderr)
		}
		row := regexp.MustCompile(`(?m)^hono-service-auth +` + stack + `_hono-service-auth +not deployed +-$`)
		if !row.MatchString(stdout) {
			t.Errorf("status table of %s, want the services of stack %s:\n%s", folder, stack, stdout)
		}
		want := "start it with: docker stack deploy --resolve-image never -c " +
			filepath.Join(dir, render.ComposeFile) + " " + stack + "\n"
		if !strings.Contains(stderr, want) {
			t.Errorf("status of %s lacks %q:\n%s", folder, want, stderr)
		}
	}
}
