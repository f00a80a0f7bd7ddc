package engine

import (
	"context"
	"fmt"

	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/api/types/volume"
	"golang.org/x/sync/errgroup"
)

// DownOptions shape Down.
type DownOptions struct {
	// Progress receives a line per container. Default: Discard.
	Progress Progress
	// Volumes removes the project's named volumes too. Default: kept.
	Volumes bool
}

// Removed is what Down took away, by name.
type Removed struct {
	Containers, Networks, Volumes []string
}

// Down removes every container and network labeled as project name's, and
// with o.Volumes its volumes. It needs no compose file: the labels say
// what is the project's, and nothing else is touched.
func (e *Engine) Down(ctx context.Context, name string, o DownOptions) (*Removed, error) {
	if o.Progress == nil {
		o.Progress = Discard
	}
	rm := &Removed{}
	cs, err := e.containers(ctx, name)
	if err != nil {
		return nil, err
	}
	g, gctx := errgroup.WithContext(ctx)
	for _, c := range cs {
		rm.Containers = append(rm.Containers, containerName(c))
		g.Go(func() error { return e.remove(gctx, c.ID, o.Progress, c.Labels[LabelService]) })
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}

	nets, err := e.cli.NetworkList(ctx, network.ListOptions{Filters: projectFilter(name)})
	if err != nil {
		return nil, fmt.Errorf("list networks of %s: %w", name, err)
	}
	for _, n := range nets {
		if err := e.cli.NetworkRemove(ctx, n.ID); err != nil {
			return nil, fmt.Errorf("remove network %s: %w", n.Name, err)
		}
		rm.Networks = append(rm.Networks, n.Name)
		o.Progress.Event(Event{Name: "network " + n.Name, Step: StepRemoved})
	}

	if !o.Volumes {
		return rm, nil
	}
	vols, err := e.cli.VolumeList(ctx, volume.ListOptions{Filters: projectFilter(name)})
	if err != nil {
		return nil, fmt.Errorf("list volumes of %s: %w", name, err)
	}
	for _, v := range vols.Volumes {
		if err := e.cli.VolumeRemove(ctx, v.Name, false); err != nil {
			return nil, fmt.Errorf("remove volume %s: %w", v.Name, err)
		}
		rm.Volumes = append(rm.Volumes, v.Name)
		o.Progress.Event(Event{Name: "volume " + v.Name, Step: StepRemoved})
	}
	return rm, nil
}
