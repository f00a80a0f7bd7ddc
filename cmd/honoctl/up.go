package main

import "github.com/urfave/cli/v2"

// TODO: up is declared so that --help shows the whole command line; its
// behaviour comes with the stack's lifecycle and checks.
func upCommand() *cli.Command {
	return &cli.Command{
		Name:   "up",
		Usage:  "(not built yet)",
		Flags:  []cli.Flag{dirFlag()},
		Action: notBuilt("up"),
	}
}
