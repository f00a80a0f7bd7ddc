package engine

import (
	"context"
	"fmt"
	"sort"

	"github.com/docker/docker/api/types/container"
)

// Stack is what runs of a project.
type Stack struct {
	Project  string
	Services []ServiceState
}

// ServiceState is one service's container as the engine sees it.
type ServiceState struct {
	Service   string
	Container string
	ID        string
	// State is the container's: running, exited, restarting...
	State string
	// Health is healthy, unhealthy or starting; empty without a health check.
	Health string
	// Ports are the published ports, "127.0.0.1:8443->8443/tcp".
	Ports []string
	// Action is what Up did; empty from Status.
	Action Action
	// Task tells a swarm's task container, which the swarm replaces when
	// it ends.
	Task bool
}

// Kept tells whether the engine keeps the service going: its container
// runs, or restarts after a crash, or is a swarm task, which the swarm
// replaces. A service that crashes over and over is kept, yet seldom
// running at the moment one looks.
func (s ServiceState) Kept() bool {
	return s.State == "running" || s.State == "restarting" || s.Task
}

// Ready tells whether the service is healthy, or running without a
// health check.
func (s ServiceState) Ready() bool {
	return s.State == "running" && (s.Health == "" || s.Health == container.Healthy)
}

// Status lists every container labeled as project name's, by service; for
// a swarm stack of that name, each service's task container.
func (e *Engine) Status(ctx context.Context, name string) (*Stack, error) {
	cs, err := e.stackContainers(ctx, name)
	if err != nil {
		return nil, err
	}
	st := &Stack{Project: name}
	for _, c := range cs {
		s := ServiceState{Service: c.Labels[LabelService], Container: containerName(c),
			ID: c.ID, State: c.State, Ports: publishedPorts(c), Task: c.Labels[LabelStack] != ""}
		if c.State == "running" {
			ins, err := e.cli.ContainerInspect(ctx, c.ID)
			if err != nil {
				return nil, fmt.Errorf("inspect %s: %w", s.Container, err)
			}
			if ins.State.Health != nil {
				s.Health = ins.State.Health.Status
			}
		}
		st.Services = append(st.Services, s)
	}
	sort.Slice(st.Services, func(i, j int) bool { return st.Services[i].Service < st.Services[j].Service })
	return st, nil
}
