package main

import "github.com/urfave/cli/v2"

// TODO: logs is declared so that --help shows the whole command line; its
// behaviour comes with the stack's lifecycle and checks.
func logsCommand() *cli.Command {
	return &cli.Command{
		Name:   "logs",
		Usage:  "(not built yet)",
		Flags:  []cli.Flag{dirFlag()},
		Action: notBuilt("logs"),
	}
}
