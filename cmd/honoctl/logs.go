package main

import (
	"github.com/urfave/cli/v2"

	"github.com/honoctl/honoctl/orchestrator/engine"
)

func logsCommand() *cli.Command {
	return &cli.Command{
		Name:      "logs",
		Usage:     "print (and with --follow, follow) the logs of a service, or of all",
		ArgsUsage: "[SERVICE...]",
		Description: "Examples:\n" +
			"  honoctl logs hono-service-auth\n" +
			"  honoctl logs --follow --tail 20",
		Flags: append(append([]cli.Flag{dirFlag()}, stackFlags()...),
			&cli.BoolFlag{Name: "follow", Aliases: []string{"f"}, Usage: "keep printing new lines until Ctrl-C (example: -f)"},
			&cli.StringFlag{Name: "tail", Value: "all", Usage: "lines from the end to start with (example: --tail 50)"},
		),
		Action: runLogs,
	}
}

func runLogs(c *cli.Context) error {
	e, err := connect(c)
	if err != nil {
		return err
	}
	defer e.Close()
	err = e.Logs(c.Context, projectName(c), c.Args().Slice(), c.App.Writer,
		engine.LogsOptions{Follow: c.Bool("follow"), Tail: c.String("tail")})
	if err != nil && c.Context.Err() == nil {
		return cannot("logs: %w", err)
	}
	return err
}
