package engine

import (
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
	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/api/types/volume"
)

// mustEngine connects to the Docker engine; Docker tests skip under
// -short and fail, not skip, without an engine.
func mustEngine(t *testing.T) *Engine {
	t.Helper()
	if testing.Short() {
		t.Skip("needs a Docker engine; skipped under -short")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	e, err := Connect(ctx)
	if err != nil {
		t.Fatalf("Docker tests need a running engine: %v", err)
	}
	t.Cleanup(func() { e.Close() })
	return e
}

var pinger struct {
	once sync.Once
	path string
	err  error
}

// mustPingerBinary builds testdata/pinger, static, once per test run.
func mustPingerBinary(t *testing.T) string {
	t.Helper()
	pinger.once.Do(func() {
		dir, err := os.MkdirTemp("", "honoctl-pinger-")
		if err != nil {
			pinger.err = err
			return
		}
		pinger.path = filepath.Join(dir, "pinger")
		cmd := exec.Command("go", "build", "-o", pinger.path, "./testdata/pinger")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			pinger.err = &buildError{out: string(out), err: err}
		}
	})
	if pinger.err != nil {
		t.Fatalf("build testdata/pinger: %v", pinger.err)
	}
	return pinger.path
}

type buildError struct {
	out string
	err error
}

func (e *buildError) Error() string { return e.err.Error() + ": " + e.out }

// testRepo is the image repository of the test service.
const testRepo = "honoctl-test/pinger"

// mustPingerImage makes the test service's image.
func mustPingerImage(t *testing.T, e *Engine) *Image {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	img, err := BuildImage(ctx, e.Client(), mustPingerBinary(t), testRepo)
	if err != nil {
		t.Fatalf("BuildImage: %v", err)
	}
	return img
}

// projectOf is the Compose project name of a test, after t.Name().
func projectOf(t *testing.T) string {
	return "honoctl-test-" + loader.NormalizeProjectName(strings.ReplaceAll(t.Name(), "/", "-"))
}

// mustClean removes project's leftovers before the test and after it
// (unless E2E_KEEP=1 and the test failed, to look at them).
func mustClean(t *testing.T, e *Engine, project string) {
	t.Helper()
	down := func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if _, err := e.Down(ctx, project, DownOptions{Volumes: true}); err != nil {
			t.Errorf("clean up %s: %v", project, err)
		}
	}
	down()
	t.Cleanup(func() {
		if t.Failed() && os.Getenv("E2E_KEEP") == "1" {
			t.Logf("E2E_KEEP=1: project %s kept; remove it with: docker compose -p %s down -v", project, project)
			return
		}
		down()
	})
}

// labeled counts the containers, networks and volumes labeled as
// project's.
func labeled(t *testing.T, e *Engine, project string) (containers, networks, volumes int) {
	t.Helper()
	ctx := context.Background()
	f := projectFilter(project)
	cs, err := e.cli.ContainerList(ctx, container.ListOptions{All: true, Filters: f})
	if err != nil {
		t.Fatal(err)
	}
	ns, err := e.cli.NetworkList(ctx, network.ListOptions{Filters: f})
	if err != nil {
		t.Fatal(err)
	}
	vs, err := e.cli.VolumeList(ctx, volume.ListOptions{Filters: f})
	if err != nil {
		t.Fatal(err)
	}
	return len(cs), len(ns), len(vs.Volumes)
}

// freePort is a host port nothing listens on right now.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// mustWrite writes a file of the stack folder, making its folders.
func mustWrite(t *testing.T, dir, name, data string) {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

// recorder keeps the events of an operation.
type recorder struct {
	mu     sync.Mutex
	events []Event
}

func (r *recorder) Event(e Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, e)
}

func (r *recorder) steps(name string) []Step {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []Step
	for _, e := range r.events {
		if e.Name == name {
			out = append(out, e.Step)
		}
	}
	return out
}

func itoa(n int) string { return strconv.Itoa(n) }
