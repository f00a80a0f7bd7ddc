package main

import (
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/honoctl/honoctl/certs"
	"github.com/honoctl/honoctl/orchestrator/render"
	"github.com/honoctl/honoctl/orchestrator/scenario"
	"github.com/honoctl/honoctl/orchestrator/topology"
)

func scenariosCommand() *cli.Command {
	return &cli.Command{
		Name:  "scenarios",
		Usage: "list the breakages up --break applies: what each breaks, what a user sees, and the fix",
		Description: "Each breakage changes only what the real mistake changes (a certificate, a key, a\n" +
			"trust store, a configuration key) in the stack folder; the rest stays as it was.\n" +
			"Apply one with  honoctl up --break NAME[:SERVICE|CHANNEL]  (repeatable), see it with\n" +
			"honoctl check, and restore the healthy stack with a plain honoctl up.\n" +
			"Channels: " + strings.Join(topology.ChannelKeys(), ", ") + ".\n\n" +
			"Examples:\n" +
			"  honoctl scenarios\n" +
			"  honoctl up --break expired-cert:hono-adapter-http-vertx && honoctl check\n" +
			"  honoctl scenarios --format json",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "format", Value: "table",
				Usage: "table or json (example: --format json)"},
		},
		Action: runScenarios,
	}
}

func runScenarios(c *cli.Context) error {
	list := scenario.Catalogue()
	switch c.String("format") {
	case "json":
		enc := json.NewEncoder(c.App.Writer)
		enc.SetIndent("", "  ")
		return enc.Encode(list)
	case "table":
		printCatalogue(c.App.Writer, list)
		return nil
	}
	return cannot("--format %q: want table or json", c.String("format"))
}

// printCatalogue writes one block per breakage: its name and default
// target, then what it breaks, what a user sees and the fix, wrapped.
func printCatalogue(w io.Writer, list []scenario.Scenario) {
	for i, s := range list {
		if i > 0 {
			fmt.Fprintln(w)
		}
		note := ""
		switch {
		case s.Warning:
			note = ", a warning"
		case s.Upstream:
			note = ", upstream images only"
		}
		fmt.Fprintf(w, "%s  (%s; default target %s%s)\n", s.Name, s.Stage, s.Default, note)
		for _, row := range [][2]string{{"breaks", s.Breaks}, {"sees", s.Sees}, {"fix", s.Fix}} {
			wrap(w, fmt.Sprintf("  %-7s", row[0]), row[1], 100)
		}
	}
}

// wrap prints text after label, broken at spaces to width columns, later
// lines indented like the first.
func wrap(w io.Writer, label, text string, width int) {
	line, indent := label, strings.Repeat(" ", len(label))
	for _, word := range strings.Fields(text) {
		if len(line)+1+len(word) > width && strings.TrimSpace(line) != strings.TrimSpace(label) {
			fmt.Fprintln(w, line)
			line = indent
		}
		line += " " + word
	}
	fmt.Fprintln(w, line)
}

// breakFlag is --break on up, certs and render.
func breakFlag() cli.Flag {
	return &cli.StringSliceFlag{Name: "break",
		Usage: "apply a breakage of honoctl scenarios, NAME[:SERVICE|CHANNEL]; repeatable; a plain run " +
			"restores the healthy files (example: --break expired-cert:hono-adapter-http-vertx)"}
}

// applyBreaks applies the --break breakages of stages to the stack folder
// and records them in breaks.json. A breakage of another stage is an
// error that names the command it belongs to.
func applyBreaks(c *cli.Context, dir string, top *topology.Topology, stages ...scenario.Stage) ([]scenario.Applied, error) {
	var out []scenario.Applied
	now := time.Now()
	for _, spec := range c.StringSlice("break") {
		s, _, err := scenario.Parse(spec)
		if err != nil {
			return nil, cannot("%w", err)
		}
		if !containsStage(stages, s.Stage) {
			return nil, cannot("--break %s changes what honoctl %s writes: use honoctl %s --break %s or honoctl up --break %s",
				s.Name, s.Stage, s.Stage, spec, spec)
		}
		a, err := scenario.Apply(dir, top, spec, now)
		if err != nil {
			return nil, cannot("%w", err)
		}
		out = append(out, a)
	}
	if len(out) == 0 {
		return nil, nil
	}
	if err := scenario.Record(dir, out...); err != nil {
		return nil, cannot("%w", err)
	}
	for _, a := range out {
		fmt.Fprintf(c.App.ErrWriter, "applied --break %s: %s\n", a.Spec(), a.Detail)
	}
	return out, nil
}

func containsStage(stages []scenario.Stage, s scenario.Stage) bool {
	for _, x := range stages {
		if x == s {
			return true
		}
	}
	return false
}

// restoreStack puts the healthy certificates and configuration back when
// breaks.json lists breakages: certs re-issues what is broken (keeping the
// CA and every valid file), render rewrites the configuration.
func restoreStack(c *cli.Context, dir string) error {
	applied, err := scenario.Load(dir)
	if err != nil {
		return cannot("%w", err)
	}
	if len(applied) == 0 {
		return nil
	}
	top, err := topology.Load(dir)
	if err != nil {
		return cannot("%w", err)
	}
	sum, err := certs.Generate(filepath.Join(dir, render.CertsDir), top, certs.Options{})
	if err != nil {
		return cannot("restore certs: %w", err)
	}
	ro, err := render.LoadOptions(dir)
	if err != nil {
		return cannot("%w", err)
	}
	st, err := renderWith(dir, top, ro)
	if err != nil {
		return err
	}
	if err := st.Write(dir); err != nil {
		return cannot("%w", err)
	}
	if err := scenario.Clear(dir); err != nil {
		return cannot("%w", err)
	}
	var specs []string
	for _, a := range applied {
		specs = append(specs, a.Spec())
	}
	fmt.Fprintf(c.App.ErrWriter, "restored the healthy stack (it ran with --break %s): %d certificate files re-issued, configuration re-rendered\n",
		strings.Join(specs, " --break "), len(sum.Written))
	return nil
}

// breaksNote says which breakages a stack runs with, or "".
func breaksNote(dir string) string {
	applied, err := scenario.Load(dir)
	if err != nil || len(applied) == 0 {
		return ""
	}
	var specs []string
	for _, a := range applied {
		specs = append(specs, "--break "+a.Spec())
	}
	return "the stack runs with " + strings.Join(specs, " ") + " (a plain honoctl up restores it)"
}
