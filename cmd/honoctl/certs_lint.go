package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/honoctl/honoctl/certs"
	"github.com/honoctl/honoctl/orchestrator/render"
)

func certsLintCommand() *cli.Command {
	return &cli.Command{
		Name:      "lint",
		Usage:     "check a PKI folder against the stack's topology; exit 1 on any failure",
		ArgsUsage: "[DIR]",
		Description: "DIR is a PKI folder (default: <dir>/certs), or a stack folder holding certs/.\n" +
			"It need not be honoctl's: Hono's own demo-certs/certs is checked the same way.\n" +
			"The topology is the one recorded in the stack folder, or the default (every service).\n\n" +
			"Examples:\n" +
			"  honoctl certs lint\n" +
			"  honoctl certs lint ./hono-stack/certs\n" +
			"  honoctl certs lint --all ~/hono/demo-certs/certs",
		Flags: []cli.Flag{
			dirFlag(),
			&cli.BoolFlag{Name: "all", Usage: "also list the checks that passed (example: --all)"},
		},
		Action: runCertsLint,
	}
}

func runCertsLint(c *cli.Context) error {
	if c.NArg() > 1 {
		return cannot("certs lint: one folder at most, got %d", c.NArg())
	}
	stack := c.String("dir")
	pki := filepath.Join(stack, render.CertsDir)
	if c.Args().Present() {
		pki = c.Args().First()
		stack = filepath.Dir(pki)
		// A stack folder given for its certs/.
		if isDir(filepath.Join(pki, render.CertsDir)) && !exists(filepath.Join(pki, certs.TrustedCerts)) {
			stack, pki = pki, filepath.Join(pki, render.CertsDir)
		}
	}
	if !isDir(pki) {
		return cannot("certs lint: %s is not a folder; create the PKI with: honoctl certs --dir %s", pki, stack)
	}
	top, err := stackTopology(stack)
	if err != nil {
		return err
	}
	findings := certs.Lint(pki, top, time.Now())
	// Hints name the stack folder where there is one.
	if filepath.Clean(pki) == filepath.Join(stack, render.CertsDir) {
		for i := range findings {
			findings[i].Hint = strings.ReplaceAll(findings[i].Hint, "<stack>", stack)
		}
	}
	printFindings(c.App.Writer, findings, c.Bool("all"))
	return verdict(c.App.ErrWriter, pki, findings)
}

func printFindings(w io.Writer, findings []certs.Finding, all bool) {
	for _, f := range findings {
		if f.Status == certs.Pass && !all {
			continue
		}
		fmt.Fprintf(w, "%-4s  %-16s  %s: %s\n", f.Status, f.Check, f.File, f.Message)
		if f.Hint != "" {
			fmt.Fprintf(w, "      hint: %s\n", f.Hint)
		}
	}
}

// verdict ends the lint with one line, and exit code 1 on any failure.
func verdict(w io.Writer, pki string, findings []certs.Finding) error {
	counts := map[certs.Status]int{}
	for _, f := range findings {
		counts[f.Status]++
	}
	line := fmt.Sprintf("%s: %d checks, %d failed, %d warnings", pki, len(findings), counts[certs.Fail], counts[certs.Warn])
	if certs.Worst(findings) == certs.Fail {
		return &exitError{code: exitFailed, err: errors.New("certs lint: " + line)}
	}
	fmt.Fprintf(w, "certs lint: %s: ok\n", line)
	return nil
}

func isDir(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.IsDir()
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return !errors.Is(err, fs.ErrNotExist)
}
