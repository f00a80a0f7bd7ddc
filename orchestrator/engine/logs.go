package engine

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"sync"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/pkg/stdcopy"
	"golang.org/x/sync/errgroup"
)

// LogsOptions shape Logs.
type LogsOptions struct {
	// Follow keeps streaming until ctx ends. Default: what is there, then return.
	Follow bool
	// Tail is how many lines from the end each service starts with. Default: all.
	Tail string
	// Timestamps starts each line with the time Docker received it
	// (RFC 3339, nanoseconds, UTC) and a space.
	Timestamps bool
}

// Logs writes the logs of the project's services to w (of a swarm stack's
// task containers too): one service's lines as they are, several
// services' lines prefixed "service | " as docker compose does. No service
// names all of them.
func (e *Engine) Logs(ctx context.Context, name string, services []string, w io.Writer, o LogsOptions) error {
	cs, err := e.stackContainers(ctx, name)
	if err != nil {
		return err
	}
	want := map[string]bool{}
	for _, s := range services {
		want[s] = true
	}
	var picked []container.Summary
	found := map[string]bool{}
	for _, c := range cs {
		svc := c.Labels[LabelService]
		if len(want) == 0 || want[svc] {
			picked = append(picked, c)
			found[svc] = true
		}
	}
	for _, s := range services {
		if !found[s] {
			return fmt.Errorf("no container of service %s in project %s (honoctl status lists them)", s, name)
		}
	}

	var mu sync.Mutex // one line at a time from all streams
	g, gctx := errgroup.WithContext(ctx)
	for _, c := range picked {
		prefix := ""
		if len(picked) > 1 {
			prefix = c.Labels[LabelService] + " | "
		}
		g.Go(func() error {
			rc, err := e.cli.ContainerLogs(gctx, c.ID, container.LogsOptions{ShowStdout: true,
				ShowStderr: true, Follow: o.Follow, Tail: o.Tail, Timestamps: o.Timestamps})
			if err != nil {
				return fmt.Errorf("logs of %s: %w", c.Labels[LabelService], err)
			}
			defer rc.Close()
			pr, pw := io.Pipe()
			go func() { _, err := stdcopy.StdCopy(pw, pw, rc); pw.CloseWithError(err) }()
			sc := bufio.NewScanner(pr)
			for sc.Scan() {
				mu.Lock()
				fmt.Fprintf(w, "%s%s\n", prefix, sc.Text())
				mu.Unlock()
			}
			if gctx.Err() != nil {
				return gctx.Err()
			}
			return sc.Err()
		})
	}
	return g.Wait()
}
