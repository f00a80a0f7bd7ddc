package main

import "github.com/urfave/cli/v2"

// TODO: the PKI linter; lands with certs.Lint.
func certsLintCommand() *cli.Command {
	return &cli.Command{
		Name:   "lint",
		Usage:  "(not built yet)",
		Action: notBuilt("certs lint"),
	}
}
