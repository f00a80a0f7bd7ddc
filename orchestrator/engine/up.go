package engine

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
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
	// Degraded brings up a stack that is broken on purpose (honoctl up
	// --break): a dependency counts as met once it has started, and a
	// service that is not ready by Timeout, or fails, is reported as a
	// StepFailed event and left as it is instead of failing the up.
	// Default: false.
	Degraded bool
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
			if pl.old != nil && pl.old.State == "restarting" {
				// Between restarts a container lists no ports, yet its
				// docker-proxy holds them: they are its own to free.
				for _, pc := range pl.svc.Ports {
					if port, err := strconv.Atoi(pc.Published); err == nil {
						freed[port] = true
					}
				}
			}
		}
	}
	sort.Slice(fresh, func(i, j int) bool { return fresh[i].Name < fresh[j].Name })
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

// Labels docker stack deploy and swarm put on a stack's task containers.
const (
	LabelStack        = "com.docker.stack.namespace"
	labelSwarmService = "com.docker.swarm.service.name"
)

// stackContainers are the containers that play the project's services:
// Compose's, one-off ones (check's probe) left out, or, when there are
// none, the task containers of the swarm stack of that name, each labeled
// with its service as Compose labels it (stack_service becomes service).
// A swarm keeps the containers of tasks it replaced; of those a service
// shows its running one, else its newest.
func (e *Engine) stackContainers(ctx context.Context, name string) ([]container.Summary, error) {
	all, err := e.containers(ctx, name)
	if err != nil {
		return nil, err
	}
	var cs []container.Summary
	for _, c := range all {
		if c.Labels[LabelOneoff] != "True" {
			cs = append(cs, c)
		}
	}
	if len(cs) > 0 {
		return cs, nil
	}
	tasks, err := e.cli.ContainerList(ctx, container.ListOptions{All: true,
		Filters: filters.NewArgs(filters.Arg("label", LabelStack+"="+name))})
	if err != nil {
		return nil, fmt.Errorf("list the task containers of stack %s: %w", name, err)
	}
	best := map[string]container.Summary{}
	for _, c := range tasks {
		svc := strings.TrimPrefix(c.Labels[labelSwarmService], name+"_")
		c.Labels[LabelService] = svc
		b, seen := best[svc]
		switch {
		case !seen, c.State == "running" && b.State != "running",
			(c.State == "running") == (b.State == "running") && c.Created > b.Created:
			best[svc] = c
		}
	}
	for _, c := range best {
		cs = append(cs, c)
	}
	return cs, nil
}

func containerName(c container.Summary) string {
	return strings.TrimPrefix(firstOr(c.Names, c.ID), "/")
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
