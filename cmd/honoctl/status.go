package main

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"

	"github.com/urfave/cli/v2"

	"github.com/honoctl/honoctl/orchestrator/engine"
	"github.com/honoctl/honoctl/orchestrator/render"
)

func statusCommand() *cli.Command {
	return &cli.Command{
		Name:  "status",
		Usage: "show each service's container, state, health and published ports",
		Description: "Example:\n" +
			"  honoctl status --dir /tmp/second-stack",
		Flags:  append([]cli.Flag{dirFlag()}, stackFlags()...),
		Action: runStatus,
	}
}

func runStatus(c *cli.Context) error {
	e, err := connect(c)
	if err != nil {
		return err
	}
	defer e.Close()
	name := projectName(c)
	st, err := e.Status(c.Context, name)
	if err != nil {
		return cannot("status: %w", err)
	}

	// Services of the rendered file that have no container yet show too.
	dir := c.String("dir")
	if _, err := os.Stat(filepath.Join(dir, render.ComposeFile)); err == nil {
		p, err := engine.LoadFile(c.Context, dir, name)
		if err != nil {
			return cannot("%w", err)
		}
		have := map[string]bool{}
		for _, s := range st.Services {
			have[s.Service] = true
		}
		// A swarm names a task's container only when it deploys it:
		// until then the row shows the swarm service's name.
		missing := engine.ServiceState{State: "not created"}
		if engine.IsSwarm(p) {
			missing.State = "not deployed"
		}
		for svc := range p.Services {
			if have[svc] {
				continue
			}
			missing.Service, missing.Container = svc, engine.ContainerName(p, svc)
			if engine.IsSwarm(p) {
				missing.Container = name + "_" + svc
			}
			st.Services = append(st.Services, missing)
		}
		sort.Slice(st.Services, func(i, j int) bool { return st.Services[i].Service < st.Services[j].Service })
	}
	if len(st.Services) > 0 {
		printTable(c.App.Writer, st)
	}
	if !slices.ContainsFunc(st.Services, func(s engine.ServiceState) bool { return s.ID != "" }) {
		fmt.Fprintf(c.App.ErrWriter, "stack %s has no containers; start it with: %s\n", name, startCommand(dir, name))
		return nil
	}
	ready := 0
	for _, s := range st.Services {
		if s.Ready() {
			ready++
		}
	}
	fmt.Fprintf(c.App.ErrWriter, "%d of %d services of stack %s ready\n", ready, len(st.Services), name)
	// A healthy table of a stack broken on purpose would mislead.
	if note := breaksNote(dir); note != "" {
		fmt.Fprintln(c.App.ErrWriter, note)
	}
	return nil
}

// startCommand is how the stack folder dir is brought up as project:
// honoctl up, or docker stack deploy for a folder rendered for a swarm.
func startCommand(dir, project string) string {
	if ro, err := render.LoadOptions(dir); err == nil && ro.Target == render.TargetSwarm {
		return "docker stack deploy --resolve-image never -c " + filepath.Join(dir, render.ComposeFile) + " " + project
	}
	return "honoctl up --dir " + dir
}
