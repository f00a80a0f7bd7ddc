package engine

import (
	"context"
	"fmt"
	"maps"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/api/types/volume"
)

// ensureNetworks creates the project's networks that are not there, with
// Compose's labels; one of the same name that is not the project's is an
// error, not something to take over.
func (r *upRun) ensureNetworks(ctx context.Context) error {
	for key, n := range r.p.Networks {
		if bool(n.External) {
			if _, err := r.e.cli.NetworkInspect(ctx, n.Name, network.InspectOptions{}); err != nil {
				return fmt.Errorf("external network %s: %w", n.Name, err)
			}
			continue
		}
		ins, err := r.e.cli.NetworkInspect(ctx, n.Name, network.InspectOptions{})
		if err == nil {
			if ins.Labels[LabelProject] != r.p.Name {
				return fmt.Errorf("network %s exists and is not project %s's; remove it (docker network rm %s)",
					n.Name, r.p.Name, n.Name)
			}
			continue
		}
		if !cerrdefs.IsNotFound(err) {
			return fmt.Errorf("network %s: %w", n.Name, err)
		}
		labels := maps.Clone(map[string]string(n.Labels))
		if labels == nil {
			labels = map[string]string{}
		}
		maps.Copy(labels, r.o.Labels)
		labels[LabelProject] = r.p.Name
		labels[LabelNetwork] = key
		labels[LabelVersion] = composeVersion
		resp, err := r.e.cli.NetworkCreate(ctx, n.Name, network.CreateOptions{
			Driver: n.Driver, Internal: n.Internal, Attachable: n.Attachable,
			Options: n.DriverOpts, Labels: labels,
		})
		if err != nil {
			return fmt.Errorf("create network %s: %w", n.Name, err)
		}
		r.networks = append(r.networks, resp.ID)
		r.o.Progress.Event(Event{Name: "network " + n.Name, Step: StepCreated})
	}
	return nil
}

// ensureVolumes creates the project's named volumes that are not there.
func (r *upRun) ensureVolumes(ctx context.Context) error {
	for key, v := range r.p.Volumes {
		_, err := r.e.cli.VolumeInspect(ctx, v.Name)
		if err == nil {
			continue
		}
		if bool(v.External) {
			return fmt.Errorf("external volume %s: %w", v.Name, err)
		}
		if !cerrdefs.IsNotFound(err) {
			return fmt.Errorf("volume %s: %w", v.Name, err)
		}
		labels := maps.Clone(map[string]string(v.Labels))
		if labels == nil {
			labels = map[string]string{}
		}
		maps.Copy(labels, r.o.Labels)
		labels[LabelProject] = r.p.Name
		labels[LabelVolume] = key
		labels[LabelVersion] = composeVersion
		if _, err := r.e.cli.VolumeCreate(ctx, volume.CreateOptions{Name: v.Name, Driver: v.Driver,
			DriverOpts: v.DriverOpts, Labels: labels}); err != nil {
			return fmt.Errorf("create volume %s: %w", v.Name, err)
		}
		r.volumes = append(r.volumes, v.Name)
		r.o.Progress.Event(Event{Name: "volume " + v.Name, Step: StepCreated})
	}
	return nil
}

// stopTimeout is the grace a container gets between SIGTERM and SIGKILL
// when its service sets no stop_grace_period. The stand-ins stop at once.
const stopTimeout = 5

// remove stops and removes a container; name, when not empty, is the
// service reported to pr.
func (e *Engine) remove(ctx context.Context, id string, pr Progress, name string) error {
	if name != "" {
		pr.Event(Event{Name: name, Step: StepStopping})
	}
	timeout := stopTimeout
	if err := e.cli.ContainerStop(ctx, id, container.StopOptions{Timeout: &timeout}); err != nil &&
		!cerrdefs.IsNotFound(err) {
		return fmt.Errorf("stop container %s: %w", id[:12], err)
	}
	if err := e.cli.ContainerRemove(ctx, id, container.RemoveOptions{Force: true}); err != nil &&
		!cerrdefs.IsNotFound(err) {
		return fmt.Errorf("remove container %s: %w", id[:12], err)
	}
	if name != "" {
		pr.Event(Event{Name: name, Step: StepRemoved})
	}
	return nil
}

// projectFilter selects what carries project name's label.
func projectFilter(name string) filters.Args {
	return filters.NewArgs(filters.Arg("label", LabelProject+"="+name))
}
