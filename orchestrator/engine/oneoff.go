package engine

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"path/filepath"
	"strings"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/mount"
	"github.com/docker/docker/pkg/stdcopy"
)

// OneOff is a short-lived container that runs on a stack's network and is
// removed when it ends, such as the honoctl probe of check.
type OneOff struct {
	// Image runs; it must be local.
	Image string
	// Network is the stack network the container joins.
	Network string
	// Cmd are the arguments to the image's entrypoint.
	Cmd []string
	// User runs the command, UID:GID; empty means the image's user.
	User string
	// Files are bound read-only, host path to container path, one file
	// each: a one-off never gets a whole folder of keys.
	Files map[string]string
	// Labels go on the container beside the project's and Compose's
	// one-off label, so down removes a leftover.
	Labels map[string]string
	// Timeout bounds the whole run. Default: 1 minute.
	Timeout time.Duration
}

// OneOffResult is what a one-off printed and how it ended.
type OneOffResult struct {
	Stdout, Stderr []byte
	ExitCode       int64
}

// RunOneOff runs o in project, waits for it to end and removes it, even when
// ctx is cancelled.
func (e *Engine) RunOneOff(ctx context.Context, project string, o OneOff) (*OneOffResult, error) {
	if o.Timeout <= 0 {
		o.Timeout = time.Minute
	}
	ctx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()

	labels := maps.Clone(o.Labels)
	if labels == nil {
		labels = map[string]string{}
	}
	labels[LabelProject] = project
	labels[LabelOneoff] = "True"
	labels[LabelManaged] = "true"
	var mounts []mount.Mount
	for src, dst := range o.Files {
		abs, err := filepath.Abs(src)
		if err != nil {
			return nil, fmt.Errorf("one-off %s: %w", o.Image, err)
		}
		mounts = append(mounts, mount.Mount{Type: mount.TypeBind, Source: abs, Target: dst, ReadOnly: true})
	}

	created, err := e.cli.ContainerCreate(ctx,
		&container.Config{Image: o.Image, Cmd: o.Cmd, User: o.User, Labels: labels},
		&container.HostConfig{Mounts: mounts, NetworkMode: container.NetworkMode(o.Network)},
		nil, nil, "")
	if err != nil {
		if isMissing(err) {
			return nil, &MissingImageError{Image: o.Image}
		}
		return nil, fmt.Errorf("one-off %s: %w", o.Image, err)
	}
	defer func() {
		// NOTE: a fresh context: the run's may be done, the container
		// must go anyway.
		rctx, rcancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer rcancel()
		e.cli.ContainerRemove(rctx, created.ID, container.RemoveOptions{Force: true})
	}()

	waitC, errC := e.cli.ContainerWait(ctx, created.ID, container.WaitConditionNextExit)
	if err := e.cli.ContainerStart(ctx, created.ID, container.StartOptions{}); err != nil {
		return nil, fmt.Errorf("one-off %s: start: %w", o.Image, err)
	}
	res := &OneOffResult{}
	select {
	case w := <-waitC:
		res.ExitCode = w.StatusCode
		if w.Error != nil {
			return nil, fmt.Errorf("one-off %s: %s", o.Image, w.Error.Message)
		}
	case err := <-errC:
		if ctx.Err() != nil {
			return nil, fmt.Errorf("one-off %s: no end within %s: %w", o.Image, o.Timeout, ctx.Err())
		}
		return nil, fmt.Errorf("one-off %s: wait: %w", o.Image, err)
	}

	logs, err := e.cli.ContainerLogs(ctx, created.ID, container.LogsOptions{ShowStdout: true, ShowStderr: true})
	if err != nil {
		return nil, fmt.Errorf("one-off %s: logs: %w", o.Image, err)
	}
	defer logs.Close()
	var stdout, stderr bytes.Buffer
	if _, err := stdcopy.StdCopy(&stdout, &stderr, logs); err != nil {
		return nil, fmt.Errorf("one-off %s: logs: %w", o.Image, err)
	}
	res.Stdout, res.Stderr = stdout.Bytes(), stderr.Bytes()
	return res, nil
}

// Tail is the last n lines of b, for error messages.
func Tail(b []byte, n int) string {
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
