package engine

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"golang.org/x/sync/errgroup"
)

// UpOptions shape Up.
type UpOptions struct {
	// Progress receives a line's worth per service and step. Default: Discard.
	Progress Progress
	// Timeout bounds the wait for every service to be healthy. Default: 2m.
	Timeout time.Duration
	// LogLines is how many of a failed service's last log lines its
	// failure carries. Default: 15.
	LogLines int
	// Pull fetches a missing image that honoctl does not build (the
	// upstream flavor's) from its registry. Default: false, nothing pulled.
	Pull bool
	// Labels go on every container, network and volume Up creates, beside
	// Compose's and the file's (a CI job's id, a test's name). They are not
	// part of the configuration hash. Default: none.
	Labels map[string]string
}

func (o UpOptions) withDefaults() UpOptions {
	if o.Progress == nil {
		o.Progress = Discard
	}
	if o.Timeout == 0 {
		o.Timeout = 2 * time.Minute
	}
	if o.LogLines == 0 {
		o.LogLines = 15
	}
	return o
}

// Action is what Up did to a service's container.
type Action string

// What Up can do with a service: its container was right already, or it
// is new, or it replaced one of another configuration.
const (
	ActionKept     Action = "kept"
	ActionCreated  Action = "created"
	ActionReplaced Action = "replaced"
)

// ServiceError says why a service did not come up.
type ServiceError struct {
	Service string
	Reason  string
	// Logs are its last log lines.
	Logs []string
}

func (e *ServiceError) Error() string {
	msg := fmt.Sprintf("service %s: %s", e.Service, e.Reason)
	if len(e.Logs) > 0 {
		msg += "; its last log lines:\n  | " + strings.Join(e.Logs, "\n  | ")
	}
	return msg
}

// planned is one service's part of an up.
type planned struct {
	spec   *spec
	svc    types.ServiceConfig
	action Action
	// old is the container it replaces, or the one it keeps.
	old *container.Summary
	id  string
}

// Up brings project p up: containers whose configuration hash matches are
// kept, others replaced, services no longer in p removed. It checks the
// host ports before it creates anything, starts services in depends_on
// order and returns when all are healthy (or running, without a health
// check). When it fails, it removes what it created.
func (e *Engine) Up(ctx context.Context, p *types.Project, o UpOptions) (*Stack, error) {
	o = o.withDefaults()
	plan, orphans, err := e.plan(ctx, p, o)
	if err != nil {
		return nil, err
	}

	// Ports first: a taken port must leave nothing behind.
	var fresh []types.ServiceConfig
	freed := map[int]bool{}
	for _, c := range orphans {
		freePorts(freed, c)
	}
	for _, pl := range plan {
		if pl.action != ActionKept {
			fresh = append(fresh, pl.svc)
			if pl.old != nil {
				freePorts(freed, *pl.old)
			}
		}
	}
	if err := checkPorts(ctx, e.cli, fresh, freed); err != nil {
		return nil, err
	}

	r := &upRun{e: e, p: p, o: o}
	if err := r.run(ctx, plan, orphans); err != nil {
		r.rollback(ctx)
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, err
	}
	st, err := e.Status(ctx, p.Name)
	if err != nil {
		return nil, err
	}
	for i := range st.Services {
		if pl, ok := plan[st.Services[i].Service]; ok {
			st.Services[i].Action = pl.action
		}
	}
	return st, nil
}

func freePorts(freed map[int]bool, c container.Summary) {
	for _, port := range c.Ports {
		if port.PublicPort != 0 {
			freed[int(port.PublicPort)] = true
		}
	}
}

// plan decides, for every service, to keep, create or replace its
// container; orphans are containers of services no longer in p.
func (e *Engine) plan(ctx context.Context, p *types.Project, o UpOptions) (map[string]*planned, []container.Summary, error) {
	existing, err := e.containers(ctx, p.Name)
	if err != nil {
		return nil, nil, err
	}
	byName := map[string]container.Summary{}
	var orphans []container.Summary
	for _, c := range existing {
		svc := c.Labels[LabelService]
		if _, ok := p.Services[svc]; ok && containerName(c) == ContainerName(p, svc) {
			byName[svc] = c
			continue
		}
		orphans = append(orphans, c)
	}

	plan := map[string]*planned{}
	for name, s := range p.Services {
		img, err := e.cli.ImageInspect(ctx, s.Image)
		if isMissing(err) && o.Pull && !isLocal(s.Image) {
			if err = e.pull(ctx, s.Image, o.Progress); err != nil {
				return nil, nil, &MissingImageError{Service: name, Image: s.Image, PullErr: err}
			}
			img, err = e.cli.ImageInspect(ctx, s.Image)
		}
		if isMissing(err) {
			return nil, nil, &MissingImageError{Service: name, Image: s.Image}
		}
		if err != nil {
			return nil, nil, fmt.Errorf("image %s of service %s: %w", s.Image, name, err)
		}
		sp, err := newSpec(p, s, img.ID)
		if err != nil {
			return nil, nil, err
		}
		pl := &planned{spec: sp, svc: s, action: ActionCreated}
		if c, ok := byName[name]; ok {
			pl.old = &c
			pl.action = ActionReplaced
			if c.Labels[LabelConfigHash] == sp.hash {
				pl.action, pl.id = ActionKept, c.ID
			}
		}
		plan[name] = pl
	}
	return plan, orphans, nil
}

// containers lists every container of project name, running or not.
func (e *Engine) containers(ctx context.Context, name string) ([]container.Summary, error) {
	cs, err := e.cli.ContainerList(ctx, container.ListOptions{All: true,
		Filters: filters.NewArgs(filters.Arg("label", LabelProject+"="+name))})
	if err != nil {
		return nil, fmt.Errorf("list containers of %s: %w", name, err)
	}
	return cs, nil
}

func containerName(c container.Summary) string {
	return strings.TrimPrefix(firstOr(c.Names, c.ID), "/")
}

// upRun is one Up in progress: what it created, so that a failure can
// take it away again.
type upRun struct {
	e *Engine
	p *types.Project
	o UpOptions

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
	r.o.Progress.Event(Event{Name: sp.service, Step: StepCreated, Detail: string(pl.action)})
	return nil
}

// start starts every service once its dependencies meet their
// conditions, all in parallel, and waits for each to be ready.
func (r *upRun) start(ctx context.Context, plan map[string]*planned) error {
	tctx, cancel := context.WithTimeout(ctx, r.o.Timeout)
	defer cancel()
	g, gctx := errgroup.WithContext(tctx)
	w := r.e.watch(gctx, r.p.Name)

	started, ready := map[string]chan struct{}{}, map[string]chan struct{}{}
	for name := range plan {
		started[name], ready[name] = make(chan struct{}), make(chan struct{})
	}
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
	if pl.action != ActionKept || pl.old.State != "running" {
		r.o.Progress.Event(Event{Name: name, Step: StepStarting})
		if err := r.e.cli.ContainerStart(gctx, pl.id, container.StartOptions{}); err != nil {
			return &ServiceError{Service: name, Reason: "start: " + err.Error()}
		}
	}
	close(started[name])
	if err := r.e.waitReady(gctx, name, pl.id, r.o, w); err != nil {
		if errors.Is(tctx.Err(), context.DeadlineExceeded) && ctx.Err() == nil {
			err = r.e.timedOut(ctx, name, pl.id, r.o)
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
		if s.DependsOn[name].Condition == types.ServiceConditionStarted {
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

// publishedPorts formats a container's published ports as docker ps does.
func publishedPorts(c container.Summary) []string {
	var out []string
	for _, p := range c.Ports {
		if p.PublicPort == 0 {
			continue
		}
		out = append(out, p.IP+":"+strconv.Itoa(int(p.PublicPort))+"->"+
			strconv.Itoa(int(p.PrivatePort))+"/"+p.Type)
	}
	sort.Strings(out)
	return out
}
