package main

import "github.com/urfave/cli/v2"

// TODO: demo is declared so that --help shows the whole command line; its
// behaviour comes with the stack's lifecycle and checks.
func demoCommand() *cli.Command {
	return &cli.Command{
		Name:   "demo",
		Usage:  "(not built yet)",
		Flags:  []cli.Flag{dirFlag()},
		Action: notBuilt("demo"),
	}
}
