package engine

import (
	"context"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"
)

// TestStatusKeepsACrashLoop: a service whose container exits at once and
// restarts, as a stack with a broken trust store does, is kept, though
// seldom running; once stopped on purpose, it is not.
func TestStatusKeepsACrashLoop(t *testing.T) {
	e := mustEngine(t)
	img := mustPingerImage(t, e)
	project := projectOf(t)
	mustClean(t, e, project)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	created, err := e.cli.ContainerCreate(ctx, &container.Config{Image: img.Ref, Cmd: []string{"serve"},
		Env:    []string{"EXIT_CODE=1"},
		Labels: map[string]string{LabelProject: project, LabelService: "crasher"}},
		&container.HostConfig{RestartPolicy: container.RestartPolicy{Name: container.RestartPolicyUnlessStopped}},
		nil, nil, project+"-crasher-1")
	if err != nil {
		t.Fatal(err)
	}
	if err := e.cli.ContainerStart(ctx, created.ID, container.StartOptions{}); err != nil {
		t.Fatal(err)
	}

	// Docker's restart delay doubles from 100 ms: within seconds the
	// container spends most of its time waiting to restart.
	var st ServiceState
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		st = mustOneService(t, e, project)
		if st.State == "restarting" {
			break
		}
	}
	if st.State != "restarting" || !st.Kept() || st.Ready() {
		t.Errorf("crash loop: state %q, kept %v, ready %v; want restarting, kept, not ready", st.State, st.Kept(), st.Ready())
	}

	timeout := 5
	if err := e.cli.ContainerStop(ctx, created.ID, container.StopOptions{Timeout: &timeout}); err != nil {
		t.Fatal(err)
	}
	if st := mustOneService(t, e, project); st.State != "exited" || st.Kept() {
		t.Errorf("stopped: state %q, kept %v; want exited, not kept", st.State, st.Kept())
	}
}

func mustOneService(t *testing.T, e *Engine, project string) ServiceState {
	t.Helper()
	stack, err := e.Status(context.Background(), project)
	if err != nil {
		t.Fatal(err)
	}
	if len(stack.Services) != 1 {
		t.Fatalf("status of %s: %d services, want 1", project, len(stack.Services))
	}
	return stack.Services[0]
}
