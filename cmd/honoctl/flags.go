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
