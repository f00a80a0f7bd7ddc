package main

import "github.com/urfave/cli/v2"

// TODO: replaced by the PKI generator.
func certsCommand() *cli.Command {
	return &cli.Command{
		Name:   "certs",
		Usage:  "(not built yet)",
		Flags:  []cli.Flag{dirFlag()},
		Action: notBuilt("certs"),
	}
}
