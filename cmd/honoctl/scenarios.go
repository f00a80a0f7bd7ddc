package main

import "github.com/urfave/cli/v2"

// TODO: scenarios is declared so that --help shows the whole command line; its
// behaviour comes with the stack's lifecycle and checks.
func scenariosCommand() *cli.Command {
	return &cli.Command{
		Name:   "scenarios",
		Usage:  "(not built yet)",
		Flags:  []cli.Flag{dirFlag()},
		Action: notBuilt("scenarios"),
	}
}
