package main

import "github.com/urfave/cli/v2"

// TODO: render is declared so that --help shows the whole command line; its
// behaviour comes with the stack's lifecycle and checks.
func renderCommand() *cli.Command {
	return &cli.Command{
		Name:   "render",
		Usage:  "(not built yet)",
		Flags:  []cli.Flag{dirFlag()},
		Action: notBuilt("render"),
	}
}
