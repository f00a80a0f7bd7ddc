package main

import "github.com/urfave/cli/v2"

// TODO: down is declared so that --help shows the whole command line; its
// behaviour comes with the stack's lifecycle and checks.
func downCommand() *cli.Command {
	return &cli.Command{
		Name:   "down",
		Usage:  "(not built yet)",
		Flags:  []cli.Flag{dirFlag()},
		Action: notBuilt("down"),
	}
}
