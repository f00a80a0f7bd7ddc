package main

import "github.com/urfave/cli/v2"

// TODO: status is declared so that --help shows the whole command line; its
// behaviour comes with the stack's lifecycle and checks.
func statusCommand() *cli.Command {
	return &cli.Command{
		Name:   "status",
		Usage:  "(not built yet)",
		Flags:  []cli.Flag{dirFlag()},
		Action: notBuilt("status"),
	}
}
