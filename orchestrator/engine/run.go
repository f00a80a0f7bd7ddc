package engine

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/docker/docker/api/types/container"
	"golang.org/x/sync/errgroup"
)

// upRun is one Up in progress: what it created, so that a failure can
// take it away again.
type upRun struct {
	e *Engine
	p *types.Project
	o UpOptions

	// restart are kept services to restart: something they depend on is
	// created or replaced in this run.
	restart map[string]bool

	mu       sync.Mutex
	created  []string // container IDs
	networks []string
	volumes  []string
}

func (r *upRun) run(ctx context.Context, plan map[string]*planned, orphans []container.Summary) error {
	if err := r.ensureNetworks(ctx); err != nil {
		return err
	}
	if err := r.ensureVolumes(ctx); err != nil {
		return err
	}

	// Away with what is replaced or gone, then create what is new.
	g, gctx := errgroup.WithContext(ctx)
	for _, c := range orphans {
		g.Go(func() error { return r.e.remove(gctx, c.ID, r.o.Progress, c.Labels[LabelService]) })
	}
	for _, pl := range plan {
		switch pl.action {
		case ActionReplaced:
			g.Go(func() error {
				if err := r.e.remove(gctx, pl.old.ID, Discard, ""); err != nil {
					return err
				}
				return r.create(gctx, pl)
			})
		case ActionCreated:
			g.Go(func() error { return r.create(gctx, pl) })
		}
	}
	if err := g.Wait(); err != nil {
		return err
	}

	return r.start(ctx, plan)
}

func (r *upRun) create(ctx context.Context, pl *planned) error {
	sp := pl.spec
	for k, v := range r.o.Labels {
		sp.config.Labels[k] = v
	}
	resp, err := r.e.cli.ContainerCreate(ctx, sp.config, sp.host, sp.net, nil, sp.name)
	if err != nil {
		return fmt.Errorf("create container %s: %w", sp.name, err)
	}
	r.mu.Lock()
	r.created = append(r.created, resp.ID)
	r.mu.Unlock()
	pl.id = resp.ID
	ev := Event{Name: sp.service, Step: StepCreated}
	if pl.action == ActionReplaced {
		ev.Detail = "replaces a container of another configuration"
	}
	r.o.Progress.Event(ev)
	return nil
}

// start starts every service once its dependencies meet their
// conditions, all in parallel, and waits for each to be ready.
func (r *upRun) start(ctx context.Context, plan map[string]*planned) error {
	tctx, cancel := context.WithTimeout(ctx, r.o.Timeout)
	if r.o.Degraded {
		// Each service's wait is bounded on its own (startOne): a broken
		// stack still starts every service however long the others take.
		cancel()
		tctx, cancel = context.WithCancel(ctx)
	}
	defer cancel()
	g, gctx := errgroup.WithContext(tctx)
	w := r.e.watch(gctx, r.p.Name)

	started, ready := map[string]chan struct{}{}, map[string]chan struct{}{}
	for name := range plan {
		started[name], ready[name] = make(chan struct{}), make(chan struct{})
	}
	r.restart = dependsOnChanged(plan)
	// NOTE: when one service fails, the others end with the context's
	// error; the failure to report is the service's own.
	var mu sync.Mutex
	var failure *ServiceError
	for name, pl := range plan {
		g.Go(func() error {
			err := r.startOne(ctx, tctx, gctx, name, pl, w, started, ready)
			var se *ServiceError
			if errors.As(err, &se) {
				mu.Lock()
				if failure == nil {
					failure = se
				}
				mu.Unlock()
			}
			return err
		})
	}
	err := g.Wait()
	if failure != nil {
		return failure
	}
	return err
}

// startOne starts one service when its dependencies are ready and waits
// for it; ctx is Up's, tctx bounds the wait, gctx ends at the first failure.
func (r *upRun) startOne(ctx, tctx, gctx context.Context, name string, pl *planned, w *watcher,
	started, ready map[string]chan struct{}) error {
	if err := r.waitDeps(gctx, pl.svc, started, ready); err != nil {
		return err
	}
	switch {
	case pl.action != ActionKept || pl.old.State != "running":
		r.o.Progress.Event(Event{Name: name, Step: StepStarting})
		if err := r.e.cli.ContainerStart(gctx, pl.id, container.StartOptions{}); err != nil {
			return &ServiceError{Service: name, Reason: "start: " + err.Error()}
		}
	case r.restart[name] || strings.Contains(pl.old.Status, "(unhealthy)") ||
		strings.Contains(pl.old.Status, "(health: starting)"):
		// Its configuration is right, but a service it depends on is new
		// (its connections point at the old one), or it is not healthy,
		// typically for a peer that was broken (honoctl up --break) and
		// is fixed now. Docker's health lags (healthy until 30 failures,
		// unhealthy until a success) and clients sit in their reconnect
		// backoff: start it afresh, so that its health means something.
		r.o.Progress.Event(Event{Name: name, Step: StepStarting, Detail: "restarted: it was not healthy"})
		if err := r.e.cli.ContainerRestart(gctx, pl.id, container.StopOptions{}); err != nil {
			return &ServiceError{Service: name, Reason: "restart: " + err.Error()}
		}
	}
	close(started[name])
	if r.o.Degraded {
		var cancel context.CancelFunc
		tctx, cancel = context.WithTimeout(gctx, r.o.Timeout)
		defer cancel()
		gctx = tctx
	}
	if err := r.e.waitReady(gctx, name, pl.id, r.o, w); err != nil {
		if errors.Is(tctx.Err(), context.DeadlineExceeded) && ctx.Err() == nil {
			err = r.e.timedOut(ctx, name, pl.id, r.o)
		}
		var se *ServiceError
		if r.o.Degraded && ctx.Err() == nil && errors.As(err, &se) {
			// Reported by its StepFailed event; the stack stays as it is.
			close(ready[name])
			return nil
		}
		return err
	}
	if pl.action == ActionKept {
		r.o.Progress.Event(Event{Name: name, Step: StepKept})
	}
	close(ready[name])
	return nil
}

// waitDeps blocks until every dependency of s meets its condition.
func (r *upRun) waitDeps(ctx context.Context, s types.ServiceConfig, started, ready map[string]chan struct{}) error {
	names := make([]string, 0, len(s.DependsOn))
	for name := range s.DependsOn {
		names = append(names, name)
	}
	sort.Strings(names)
	if len(names) > 0 {
		r.o.Progress.Event(Event{Name: s.Name, Step: StepWaiting, Detail: "for " + strings.Join(names, ", ")})
	}
	for _, name := range names {
		ch := ready[name]
		if s.DependsOn[name].Condition == types.ServiceConditionStarted || r.o.Degraded {
			ch = started[name]
		}
		if ch == nil {
			return fmt.Errorf("service %s depends on %s, which is not in the project", s.Name, name)
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// rollback removes what this run created; it runs after ctx may have been
// cancelled (Ctrl-C), so it has a context of its own.
func (r *upRun) rollback(ctx context.Context) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	for _, id := range r.created {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = r.e.cli.ContainerRemove(ctx, id, container.RemoveOptions{Force: true})
		}()
	}
	wg.Wait()
	for _, n := range r.networks {
		_ = r.e.cli.NetworkRemove(ctx, n)
	}
	for _, v := range r.volumes {
		_ = r.e.cli.VolumeRemove(ctx, v, false)
	}
}

// dependsOnChanged are the kept services that depend, directly or through
// others, on a service this run creates or replaces.
func dependsOnChanged(plan map[string]*planned) map[string]bool {
	changed := map[string]bool{}
	for name, pl := range plan {
		if pl.action != ActionKept {
			changed[name] = true
		}
	}
	out := map[string]bool{}
	for grew := true; grew; {
		grew = false
		for name, pl := range plan {
			if changed[name] {
				continue
			}
			for dep := range pl.svc.DependsOn {
				if changed[dep] {
					changed[name], out[name], grew = true, true, true
					break
				}
			}
		}
	}
	return out
}
