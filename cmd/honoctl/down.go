package main

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/honoctl/honoctl/orchestrator/engine"
	"github.com/honoctl/honoctl/orchestrator/render"
)

func downCommand() *cli.Command {
	return &cli.Command{
		Name:  "down",
		Usage: "remove the stack's containers and network (and with --volumes its volumes)",
		Description: "Removes what carries the stack's Compose project label, and nothing else;\n" +
			"it needs no compose file. The certificates and rendered files stay.\n\n" +
			"Examples:\n" +
			"  honoctl down\n" +
			"  honoctl down --volumes --dir /tmp/second-stack",
		Flags: append(append([]cli.Flag{dirFlag()}, stackFlags()...),
			&cli.BoolFlag{Name: "volumes", Usage: "remove the stack's named volumes too (example: --volumes)"}),
		Action: runDown,
	}
}

func runDown(c *cli.Context) error {
	e, err := connect(c)
	if err != nil {
		return err
	}
	defer e.Close()
	name := projectName(c)
	rm, err := e.Down(c.Context, name, engine.DownOptions{Volumes: c.Bool("volumes")})
	if err != nil {
		return cannot("down: %w", err)
	}
	w := c.App.ErrWriter
	if len(rm.Containers)+len(rm.Networks)+len(rm.Volumes) == 0 {
		fmt.Fprintf(w, "nothing of stack %s to remove\n", name)
		// A swarm's stack is the swarm's to remove: down leaves its tasks,
		// which the swarm would only start again.
		if ro, err := render.LoadOptions(c.String("dir")); err == nil && ro.Target == render.TargetSwarm {
			fmt.Fprintf(w, "%s is rendered for a swarm: remove a deployed stack with docker stack rm %s\n",
				c.String("dir"), name)
		}
		return nil
	}
	fmt.Fprintf(w, "removed stack %s: %d containers, %d networks, %d volumes\n",
		name, len(rm.Containers), len(rm.Networks), len(rm.Volumes))
	return nil
}
