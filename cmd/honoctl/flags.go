package main

import "github.com/urfave/cli/v2"

// defaultDir is the stack folder when --dir is not given.
const defaultDir = "./hono-stack"

// dirFlag is the stack folder every verb works on.
func dirFlag() cli.Flag {
	return &cli.StringFlag{
		Name:    "dir",
		Value:   defaultDir,
		Usage:   "stack folder holding certificates, rendered files and reports (example: --dir /tmp/mystack)",
		EnvVars: []string{"HONOCTL_DIR"},
	}
}

// notBuilt is the action of a verb whose behaviour has not landed yet: it
// says so and exits 2 rather than pretending to work.
func notBuilt(verb string) cli.ActionFunc {
	return func(*cli.Context) error {
		return cannot("honoctl %s is not built yet", verb)
	}
}
