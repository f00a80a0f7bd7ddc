package engine

import (
	"bytes"
	"context"
	"errors"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/docker/docker/api/types/container"
)

// stackYAML is a two-service stack of the test image with what render
// writes: a network with aliases, read-only bind mounts, a named volume, a
// health check, a restart policy, a memory limit, a user and a published
// port; b waits for a to be healthy.
const stackYAML = `services:
  a:
    image: IMAGE
    command: [serve]
    environment:
      NAME: a
      READY_AFTER: 300ms
    labels:
      org.honoctl.test: PROJECT
    user: "65532:65532"
    restart: unless-stopped
    mem_limit: 64m
    networks:
      hono:
        aliases: [a.hono]
    volumes:
      - type: bind
        source: ./config/a.txt
        target: /run/secrets/a.txt
        read_only: true
      - type: volume
        source: data
        target: /data
    healthcheck:
      test: [CMD, /pinger, health]
      interval: 250ms
      timeout: 2s
      retries: 20
    ports:
      - "127.0.0.1:PORT_A:7000/tcp"
  b:
    image: IMAGE
    command: [serve]
    environment:
      NAME: b
      B_OPTION: one
    labels:
      org.honoctl.test: PROJECT
    restart: unless-stopped
    networks:
      hono:
        aliases: [b.hono]
    depends_on:
      a:
        condition: service_healthy
    healthcheck:
      test: [CMD, /pinger, health]
      interval: 250ms
      timeout: 2s
      retries: 20
    ports:
      - "127.0.0.1:PORT_B:7000/tcp"
networks:
  hono:
    labels:
      org.honoctl.test: PROJECT
volumes:
  data:
    labels:
      org.honoctl.test: PROJECT
`

// testStack writes stackYAML, edited by edit, into a fresh folder and
// loads it as project.
type testStack struct {
	dir, project string
	portA, portB int
	yaml         string
}

func newTestStack(t *testing.T, img *Image, project string) *testStack {
	t.Helper()
	s := &testStack{dir: t.TempDir(), project: project, portA: freePort(t), portB: freePort(t)}
	s.yaml = strings.NewReplacer("IMAGE", img.Ref, "PROJECT", project,
		"PORT_A", itoa(s.portA), "PORT_B", itoa(s.portB)).Replace(stackYAML)
	mustWrite(t, s.dir, "config/a.txt", "first\n")
	return s
}

func (s *testStack) load(t *testing.T, edits ...string) *types.Project {
	t.Helper()
	y := s.yaml
	for i := 0; i+1 < len(edits); i += 2 {
		if !strings.Contains(y, edits[i]) {
			t.Fatalf("edit: %q not in the stack", edits[i])
		}
		y = strings.Replace(y, edits[i], edits[i+1], 1)
	}
	mustWrite(t, s.dir, ComposeFile, y)
	p, err := Load(context.Background(), s.dir, s.project)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return p
}

func mustUp(t *testing.T, e *Engine, p *types.Project) (*Stack, *recorder) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	rec := &recorder{}
	st, err := e.Up(ctx, p, UpOptions{Progress: rec})
	if err != nil {
		t.Fatalf("Up: %v", err)
	}
	return st, rec
}

func byService(st *Stack) map[string]ServiceState {
	m := map[string]ServiceState{}
	for _, s := range st.Services {
		m[s.Service] = s
	}
	return m
}

func TestUpKeepsReplacesAndDown(t *testing.T) {
	e := mustEngine(t)
	img := mustPingerImage(t, e)
	project := projectOf(t)
	mustClean(t, e, project)
	s := newTestStack(t, img, project)

	// A fresh up: every service healthy, in order, reachable on its port.
	first, rec := mustUp(t, e, s.load(t))
	got := byService(first)
	for _, name := range []string{"a", "b"} {
		if !got[name].Ready() || got[name].Action != ActionCreated {
			t.Errorf("after the first up, %s is %+v; want created and healthy", name, got[name])
		}
	}
	if steps := rec.steps("b"); !slices.Contains(steps, StepWaiting) || steps[len(steps)-1] != StepHealthy {
		t.Errorf("b's steps %v: want it to wait for a and end healthy", steps)
	}
	mustAnswer(t, s.portB, "pinger b")

	// Compose's labels, the name Compose gives, our own labels.
	ins, err := e.cli.ContainerInspect(context.Background(), got["a"].ID)
	if err != nil {
		t.Fatal(err)
	}
	wantLabels := map[string]string{LabelProject: project, LabelService: "a", LabelNumber: "1",
		LabelOneoff: "False", LabelWorkingDir: s.dir, "org.honoctl.test": project}
	for k, v := range wantLabels {
		if ins.Config.Labels[k] != v {
			t.Errorf("label %s = %q, want %q", k, ins.Config.Labels[k], v)
		}
	}
	if ins.Name != "/"+project+"-a-1" || ins.Config.User != "65532:65532" || ins.HostConfig.Memory != 64<<20 {
		t.Errorf("container a: name %s, user %q, memory %d", ins.Name, ins.Config.User, ins.HostConfig.Memory)
	}
	for _, m := range ins.Mounts {
		if m.Destination == "/run/secrets/a.txt" && (m.RW || m.Source != s.dir+"/config/a.txt") {
			t.Errorf("bind mount %+v: want %s/config/a.txt, read-only", m, s.dir)
		}
	}
	if b := ins.HostConfig.PortBindings["7000/tcp"]; len(b) != 1 || b[0].HostIP != "127.0.0.1" {
		t.Errorf("port bindings %v: want 7000/tcp on 127.0.0.1", ins.HostConfig.PortBindings)
	}
	if ins.HostConfig.RestartPolicy.Name != "unless-stopped" || ins.Config.Healthcheck.Interval != 250*time.Millisecond {
		t.Errorf("restart %v, health check %+v", ins.HostConfig.RestartPolicy, ins.Config.Healthcheck)
	}

	// The same file again: nothing changes.
	second, _ := mustUp(t, e, s.load(t))
	for _, svc := range second.Services {
		if svc.Action != ActionKept || svc.ID != got[svc.Service].ID {
			t.Errorf("second up: %s %s (%s); want kept as %s", svc.Service, svc.Action, svc.ID[:12], got[svc.Service].ID[:12])
		}
	}

	// One option of b changes: b alone is replaced.
	third, _ := mustUp(t, e, s.load(t, "B_OPTION: one", "B_OPTION: two"))
	after := byService(third)
	if after["a"].Action != ActionKept || after["a"].ID != got["a"].ID {
		t.Errorf("a was %s, want kept", after["a"].Action)
	}
	if after["b"].Action != ActionReplaced || after["b"].ID == got["b"].ID || !after["b"].Ready() {
		t.Errorf("b was %s (%s), want replaced and healthy", after["b"].Action, after["b"].State)
	}

	// A mounted file changes: its reader is replaced.
	mustWrite(t, s.dir, "config/a.txt", "second\n")
	fourth, _ := mustUp(t, e, s.load(t, "B_OPTION: one", "B_OPTION: two"))
	if a := byService(fourth)["a"]; a.Action != ActionReplaced {
		t.Errorf("after a's mounted file changed, a was %s; want replaced", a.Action)
	}

	// Logs and status see the stack.
	var logs bytes.Buffer
	if err := e.Logs(context.Background(), project, []string{"b"}, &logs, LogsOptions{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logs.String(), "pinger b: listening") {
		t.Errorf("logs of b: %q", logs.String())
	}
	mustFollow(t, e, project)

	// A stopped container of the right configuration is started again.
	aID := byService(fourth)["a"].ID
	timeout := 5
	if err := e.cli.ContainerStop(context.Background(), aID, container.StopOptions{Timeout: &timeout}); err != nil {
		t.Fatal(err)
	}
	fifth, _ := mustUp(t, e, s.load(t, "B_OPTION: one", "B_OPTION: two"))
	if a := byService(fifth)["a"]; a.ID != aID || a.Action != ActionKept || !a.Ready() {
		t.Errorf("stopped a after up: %s %s %s; want kept, healthy again", a.ID[:12], a.Action, a.State)
	}

	// A service gone from the file is removed.
	y := s.yaml
	bPart := y[strings.Index(y, "  b:\n") : strings.Index(y, "\nnetworks:\n")+1]
	sixth, rec := mustUp(t, e, s.load(t, bPart, ""))
	if len(sixth.Services) != 1 || sixth.Services[0].Service != "a" || !slices.Contains(rec.steps("b"), StepRemoved) {
		t.Errorf("after b left the file: %+v, b's steps %v", sixth.Services, rec.steps("b"))
	}

	// Down leaves nothing labeled behind.
	if _, err := e.Down(context.Background(), project, DownOptions{Volumes: true}); err != nil {
		t.Fatalf("Down: %v", err)
	}
	if c, n, v := labeled(t, e, project); c+n+v != 0 {
		t.Errorf("after down: %d containers, %d networks, %d volumes labeled %s", c, n, v, project)
	}
}

func mustAnswer(t *testing.T, port int, want string) {
	t.Helper()
	c, err := net.DialTimeout("tcp", "127.0.0.1:"+itoa(port), 2*time.Second)
	if err != nil {
		t.Fatalf("published port %d: %v", port, err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(2 * time.Second))
	buf := make([]byte, 64)
	n, _ := c.Read(buf)
	if !strings.Contains(string(buf[:n]), want) {
		t.Errorf("port %d answered %q, want %q", port, buf[:n], want)
	}
}

// mustFollow follows the logs of every service until a line of each is
// there, then stops them as Ctrl-C would.
func mustFollow(t *testing.T, e *Engine, project string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	w := &lineWatch{want: []string{"a | pinger a: listening", "b | pinger b: listening"}, done: cancel}
	err := e.Logs(ctx, project, nil, w, LogsOptions{Follow: true})
	if !errors.Is(err, context.Canceled) || !w.seen() {
		t.Errorf("following logs: %v; saw all of %q: %v", err, w.want, w.seen())
	}
}

// lineWatch calls done once every wanted line has been written to it.
type lineWatch struct {
	mu   sync.Mutex
	want []string
	buf  strings.Builder
	done func()
}

func (w *lineWatch) Write(p []byte) (int, error) {
	w.mu.Lock()
	w.buf.Write(p)
	w.mu.Unlock()
	if w.seen() {
		w.done()
	}
	return len(p), nil
}

func (w *lineWatch) seen() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, l := range w.want {
		if !strings.Contains(w.buf.String(), l) {
			return false
		}
	}
	return true
}
