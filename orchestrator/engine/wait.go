package engine

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/pkg/stdcopy"
)

// waitReady returns when container id of service name is healthy, or
// running when it has no health check; it fails when the container exits
// or its health check gives up. It looks when w has an event for it.
func (e *Engine) waitReady(ctx context.Context, name, id string, o UpOptions, w *watcher) error {
	last := ""
	for {
		ins, err := e.cli.ContainerInspect(ctx, id)
		if err != nil {
			return fmt.Errorf("inspect %s: %w", name, err)
		}
		st := ins.State
		switch {
		case st.Restarting || st.Status == "exited" || st.Status == "dead":
			return e.failed(ctx, name, id, exitReason(st), o)
		case st.Health == nil && st.Running:
			o.Progress.Event(Event{Name: name, Step: StepRunning})
			return nil
		case st.Health != nil && st.Health.Status == container.Healthy:
			o.Progress.Event(Event{Name: name, Step: StepHealthy})
			return nil
		case st.Health != nil && st.Health.Status == container.Unhealthy:
			return e.failed(ctx, name, id, "unhealthy: "+healthOutput(st.Health), o)
		}
		if st.Health != nil && st.Health.Status != last {
			last = st.Health.Status
			o.Progress.Event(Event{Name: name, Step: StepStarting, Detail: "health: " + last})
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-w.events(id):
		case <-time.After(w.fallback()):
		}
	}
}

func exitReason(st *container.State) string {
	reason := "exited with code " + strconv.Itoa(st.ExitCode)
	if st.OOMKilled {
		reason += " (out of memory: raise its mem_limit)"
	}
	if st.Error != "" {
		reason += ": " + st.Error
	}
	if st.Restarting {
		reason += ", restarting"
	}
	return reason
}

// healthOutput is what the last health check said.
func healthOutput(h *container.Health) string {
	if len(h.Log) == 0 {
		return "no health check result"
	}
	r := h.Log[len(h.Log)-1]
	out := strings.TrimSpace(r.Output)
	if out == "" {
		return fmt.Sprintf("health check exited with %d", r.ExitCode)
	}
	return fmt.Sprintf("health check exited with %d: %s", r.ExitCode, out)
}

// timedOut is the failure of a service that was not ready in time.
func (e *Engine) timedOut(ctx context.Context, name, id string, o UpOptions) error {
	reason := fmt.Sprintf("not ready after %s", o.Timeout)
	if ins, err := e.cli.ContainerInspect(ctx, id); err == nil && ins.State.Health != nil {
		reason += " (health: " + ins.State.Health.Status + "; " + healthOutput(ins.State.Health) + ")"
	}
	return e.failed(ctx, name, id, reason, o)
}

// failed reports service name as failed, with its last log lines.
func (e *Engine) failed(ctx context.Context, name, id, reason string, o UpOptions) error {
	logs := e.lastLines(context.WithoutCancel(ctx), id, o.LogLines)
	o.Progress.Event(Event{Name: name, Step: StepFailed, Detail: reason, Logs: logs})
	return &ServiceError{Service: name, Reason: reason, Logs: logs}
}

// lastLines are the last n lines the container wrote, stdout and stderr.
func (e *Engine) lastLines(ctx context.Context, id string, n int) []string {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	rc, err := e.cli.ContainerLogs(ctx, id, container.LogsOptions{ShowStdout: true, ShowStderr: true,
		Tail: strconv.Itoa(n)})
	if err != nil {
		return nil
	}
	defer rc.Close()
	var buf bytes.Buffer
	if _, err := stdcopy.StdCopy(&buf, &buf, rc); err != nil {
		return nil
	}
	var lines []string
	sc := bufio.NewScanner(&buf)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	return lines
}
