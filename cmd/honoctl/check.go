package main

import "github.com/urfave/cli/v2"

// TODO: check is declared so that --help shows the whole command line; its
// behaviour comes with the stack's lifecycle and checks.
func checkCommand() *cli.Command {
	return &cli.Command{
		Name:   "check",
		Usage:  "(not built yet)",
		Flags:  []cli.Flag{dirFlag()},
		Action: notBuilt("check"),
	}
}
