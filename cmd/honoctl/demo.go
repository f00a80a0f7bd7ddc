package main

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"

	"github.com/urfave/cli/v2"

	"github.com/honoctl/honoctl/certs"
	"github.com/honoctl/honoctl/orchestrator/render"
)

func demoCommand() *cli.Command {
	return &cli.Command{
		Name:  "demo",
		Usage: "certificates, render, up and check in one go: a TLS-secured Hono stack, proven",
		Description: "Makes the demo PKI (keeping a valid one), renders the default sim stack (keeping\n" +
			"what is rendered), brings it up, checks every TLS channel and says where the\n" +
			"report is and how to stop the stack. It takes every flag of up and check.\n\n" +
			"Examples:\n" +
			"  honoctl demo\n" +
			"  honoctl demo --dir /tmp/demo --port-offset 100",
		Flags:  demoFlags(),
		Action: runDemo,
	}
}

// demoFlags are up's flags and check's, each name once.
func demoFlags() []cli.Flag {
	flags := upCommand().Flags
	var names []string
	for _, f := range flags {
		names = append(names, f.Names()...)
	}
	for _, f := range checkCommand().Flags {
		if !slices.Contains(names, f.Names()[0]) {
			flags = append(flags, f)
		}
	}
	return flags
}

func runDemo(c *cli.Context) error {
	dir := c.String("dir")
	w := c.App.ErrWriter

	fmt.Fprintln(w, "== certificates")
	top, err := stackTopology(dir)
	if err != nil {
		return err
	}
	sum, err := certs.Generate(filepath.Join(dir, render.CertsDir), top, certs.Options{})
	if err != nil {
		return cannot("certs: %w", err)
	}
	printSummary(w, sum)

	fmt.Fprintln(w, "\n== up")
	if err := runUp(c); err != nil {
		return err
	}

	fmt.Fprintln(w, "\n== check")
	checkErr := runCheck(c)
	var ee *exitError
	if checkErr != nil && !(errors.As(checkErr, &ee) && ee.code == exitFailed) {
		return checkErr
	}

	fmt.Fprintf(w, "\nThe stack %s keeps running.\n", projectName(c))
	fmt.Fprintf(w, "  report:      %s\n", filepath.Join(dir, ReportsDir, "check.html"))
	fmt.Fprintf(w, "  check again: honoctl check --dir %s\n", dir)
	fmt.Fprintf(w, "  telemetry:   honoctl consume --dir %s   (then send as in the README)\n", dir)
	fmt.Fprintf(w, "  stop it:     honoctl down --dir %s   (or: make down)\n", dir)
	return checkErr
}
