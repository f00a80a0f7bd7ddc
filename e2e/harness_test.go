package e2e

import (
	"bytes"
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/api/types/volume"

	"github.com/honoctl/honoctl/orchestrator/engine"
)

// LabelTest marks everything an e2e test creates, with the test's name.
const LabelTest = "org.honoctl.test"

var binaries struct {
	once sync.Once
	dir  string
	err  error
}

// binary is the path of one of the suite's binaries, built once per run
// with go build, static (CGO_ENABLED=0) as the images need them:
// "honoctl", "hono-sim" beside it (where honoctl up looks, as after make
// build), and "standin/hono-sim", the engine tests' pinger named so that
// it answers the rendered sim stack's /hono-sim health checks.
func binary(t testing.TB, name string) string {
	t.Helper()
	binaries.once.Do(func() {
		binaries.dir, binaries.err = os.MkdirTemp("", "honoctl-e2e-bin-")
		if binaries.err != nil {
			return
		}
		for name, pkg := range map[string]string{
			"honoctl":          "../cmd/honoctl",
			"hono-sim":         "../cmd/hono-sim",
			"standin/hono-sim": "../orchestrator/engine/testdata/pinger",
		} {
			cmd := exec.Command("go", "build", "-o", filepath.Join(binaries.dir, name), pkg)
			cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
			if out, err := cmd.CombinedOutput(); err != nil {
				binaries.err = &buildError{pkg: pkg, out: string(out), err: err}
				return
			}
		}
	})
	if binaries.err != nil {
		t.Fatalf("build the e2e binaries: %v", binaries.err)
	}
	return filepath.Join(binaries.dir, name)
}

func removeBinaries() {
	if binaries.dir != "" {
		os.RemoveAll(binaries.dir)
	}
}

type buildError struct {
	pkg, out string
	err      error
}

func (e *buildError) Error() string { return "go build " + e.pkg + ": " + e.err.Error() + "\n" + e.out }

// needDocker skips a Docker test under -short; TestMain has made sure an
// engine answers otherwise.
func needDocker(t testing.TB) *engine.Engine {
	t.Helper()
	if testing.Short() {
		t.Skip("needs a Docker engine; skipped under -short")
	}
	e, err := engine.Connect(context.Background())
	if err != nil {
		t.Fatalf("Docker: %v", err)
	}
	t.Cleanup(func() { e.Close() })
	return e
}

// stack is one test's stack folder; its Compose project is named after
// the test.
type stack struct {
	t       testing.TB
	e       *engine.Engine
	dir     string
	project string
	name    string
}

// newStack makes an empty stack folder named after t.Name() and removes
// the project's leftovers before and after the test; with E2E_KEEP=1 a
// failed test's stack stays.
func newStack(t testing.TB, e *engine.Engine) *stack {
	t.Helper()
	return newStackNamed(t, e, loader.NormalizeProjectName("e2e-"+strings.ReplaceAll(t.Name(), "/", "-")))
}

// newStackNamed is newStack with the folder and project called name.
func newStackNamed(t testing.TB, e *engine.Engine, name string) *stack {
	t.Helper()
	s := &stack{t: t, e: e, dir: filepath.Join(t.TempDir(), name), project: name, name: name}
	if err := os.MkdirAll(s.dir, 0o755); err != nil {
		t.Fatal(err)
	}
	s.down()
	t.Cleanup(func() {
		if t.Failed() && os.Getenv("E2E_KEEP") == "1" {
			t.Logf("E2E_KEEP=1: stack %s kept in %s; remove it with: docker compose -p %s down -v",
				s.project, s.dir, s.project)
			return
		}
		s.down()
	})
	return s
}

func (s *stack) down() {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := s.e.Down(ctx, s.project, engine.DownOptions{Volumes: true}); err != nil {
		s.t.Errorf("remove stack %s: %v", s.project, err)
	}
}

// honoctl runs the honoctl binary on the stack folder; verb's flags come
// after --dir.
func (s *stack) honoctl(args ...string) (code int, stdout, stderr string) {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	args = append([]string{args[0], "--dir", s.dir}, args[1:]...)
	if args[0] == "up" {
		args = append(args, "--progress", "plain", "--label", LabelTest+"="+s.name)
	}
	cmd := exec.CommandContext(ctx, binary(s.t, "honoctl"), args...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	code = cmd.ProcessState.ExitCode()
	if err != nil && code == -1 {
		s.t.Fatalf("honoctl %s: %v", strings.Join(args, " "), err)
	}
	return code, out.String(), errOut.String()
}

// mustHonoctl runs honoctl and fails the test unless it exits 0.
func (s *stack) mustHonoctl(args ...string) (stdout, stderr string) {
	s.t.Helper()
	code, stdout, stderr := s.honoctl(args...)
	if code != 0 {
		s.t.Fatalf("honoctl %s: exit %d\n%s", strings.Join(args, " "), code, stderr)
	}
	return stdout, stderr
}

// labeled counts what carries the project's label.
func (s *stack) labeled() (containers, networks, volumes int) {
	s.t.Helper()
	ctx := context.Background()
	f := filters.NewArgs(filters.Arg("label", engine.LabelProject+"="+s.project))
	cli := s.e.Client()
	cs, err := cli.ContainerList(ctx, container.ListOptions{All: true, Filters: f})
	if err != nil {
		s.t.Fatal(err)
	}
	ns, err := cli.NetworkList(ctx, network.ListOptions{Filters: f})
	if err != nil {
		s.t.Fatal(err)
	}
	vs, err := cli.VolumeList(ctx, volume.ListOptions{Filters: f})
	if err != nil {
		s.t.Fatal(err)
	}
	return len(cs), len(ns), len(vs.Volumes)
}

// containerIDs maps each service of the project to its container's ID.
func (s *stack) containerIDs() map[string]string {
	s.t.Helper()
	st, err := s.e.Status(context.Background(), s.project)
	if err != nil {
		s.t.Fatal(err)
	}
	ids := map[string]string{}
	for _, svc := range st.Services {
		ids[svc.Service] = svc.ID
	}
	return ids
}

// freeOffset is a --port-offset under which every port of ports is free
// on 127.0.0.1, so that stacks of parallel tests (and of other people's
// stacks on default ports) do not collide.
func freeOffset(t testing.TB, ports []int) int {
	t.Helper()
	for offset := 20000 + os.Getpid()%5000; offset < 36000; offset += 211 {
		if allFree(ports, offset) {
			return offset
		}
	}
	t.Fatal("no port offset with all stack ports free")
	return 0
}

func allFree(ports []int, offset int) bool {
	for _, p := range ports {
		l, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(p+offset))
		if err != nil {
			return false
		}
		l.Close()
	}
	return true
}
