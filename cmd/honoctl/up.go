package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/urfave/cli/v2"
	"golang.org/x/term"

	"github.com/honoctl/honoctl/orchestrator/engine"
	"github.com/honoctl/honoctl/orchestrator/render"
	"github.com/honoctl/honoctl/orchestrator/scenario"
	"github.com/honoctl/honoctl/orchestrator/topology"
)

// The local images: hono-sim plays every service of the sim flavor, and
// honoctl itself runs the in-network probes.
const (
	simRepo  = "honoctl/hono-sim"
	selfRepo = "honoctl/honoctl"
)

func upCommand() *cli.Command {
	return &cli.Command{
		Name:  "up",
		Usage: "bring the stack up through the Docker Engine API and wait until every service is healthy",
		Description: "Runs <dir>/compose.yaml: builds the local images when missing, creates the network,\n" +
			"volumes and containers with Compose's labels, starts them in dependency order and waits\n" +
			"for their health. A second up keeps what is right and replaces what changed.\n" +
			"With render flags it renders first; without, it runs what is in the folder (rendering\n" +
			"the defaults when nothing is there).\n\n" +
			"Examples:\n" +
			"  honoctl up\n" +
			"  honoctl up --port-offset 100 --dir /tmp/second-stack\n" +
			"  honoctl up --break expired-cert:hono-adapter-http-vertx   (honoctl scenarios lists them)\n\n" +
			"With --break it first restores the healthy files, applies the breakages and brings the\n" +
			"stack up as far as it goes (services that cannot get ready are reported, not rolled back;\n" +
			"--timeout defaults to 30s then). A plain up restores a broken stack.",
		Flags: append(append([]cli.Flag{dirFlag()}, stackFlags()...), append(renderFlags(),
			&cli.StringFlag{Name: "sim-binary",
				Usage: "the hono-sim binary for the sim image; default: next to honoctl (make build) (example: --sim-binary bin/hono-sim)"},
			&cli.DurationFlag{Name: "timeout", Value: 2 * time.Minute,
				Usage: "how long to wait for every service to be healthy (example: --timeout 5m)"},
			&cli.StringSliceFlag{Name: "label",
				Usage: "KEY=VALUE label on everything up creates, beside Compose's; repeatable (example: --label ci.job=42)"},
			&cli.StringFlag{Name: "progress", Value: "auto",
				Usage: "progress display: auto, tty (lines updated in place) or plain (example: --progress plain)"},
			breakFlag(),
		)...),
		Action: runUp,
	}
}

// stackFlags name the stack's Compose project; every lifecycle verb has them.
func stackFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "project",
			Usage: "Compose project or swarm stack name; default: the stack folder's name, or the shorter one " +
				"render chose for a swarm (example: --project hono)"},
	}
}

// projectName is the stack's name: --project, else the one render
// recorded (a swarm stack's shorter name), else the folder's.
func projectName(c *cli.Context) string {
	if p := c.String("project"); p != "" {
		return p
	}
	if ro, err := render.LoadOptions(c.String("dir")); err == nil {
		return ro.ProjectName
	}
	return render.ProjectName(c.String("dir"))
}

// connect reaches the Docker engine or says, with exit code 2, where it
// looked.
func connect(c *cli.Context) (*engine.Engine, error) {
	e, err := engine.Connect(c.Context)
	if err != nil {
		return nil, cannot("%w", err)
	}
	return e, nil
}

func runUp(c *cli.Context) error {
	dir := c.String("dir")
	stderr := c.App.ErrWriter
	if err := ensureRendered(c, dir); err != nil {
		return err
	}
	breaks, err := upBreaks(c, dir)
	if err != nil {
		return err
	}
	e, err := connect(c)
	if err != nil {
		return err
	}
	defer e.Close()
	p, err := engine.Load(c.Context, dir, projectName(c))
	if err != nil {
		return cannot("%w", err)
	}

	labels := map[string]string{}
	for _, l := range c.StringSlice("label") {
		k, v, ok := strings.Cut(l, "=")
		if !ok || k == "" {
			return cannot("--label %q: want KEY=VALUE", l)
		}
		labels[k] = v
	}

	pr, done := progressFor(c.String("progress"), stderr)
	defer done()
	if err := buildImages(c, e, p, pr); err != nil {
		return err
	}
	timeout := c.Duration("timeout")
	if len(breaks) > 0 && !c.IsSet("timeout") {
		timeout = 30 * time.Second // a broken stack is not waited for long
	}
	st, err := e.Up(c.Context, p, engine.UpOptions{Progress: pr, Pull: true,
		Timeout: timeout, Labels: labels, Degraded: len(breaks) > 0})
	done()
	if err != nil {
		var se *engine.ServiceError
		if errors.As(err, &se) {
			fmt.Fprintf(stderr, "see its whole log with: docker logs %s\n", engine.ContainerName(p, se.Service))
		}
		return cannot("up: %w", err)
	}

	printTable(c.App.Writer, st)
	if note := breaksNote(dir); note != "" {
		fmt.Fprintln(stderr, note)
	}
	fmt.Fprintf(stderr, "stack %s is up (%s); next:\n", p.Name, summary(st))
	fmt.Fprintf(stderr, "  honoctl check  --dir %s       # every TLS channel\n", dir)
	fmt.Fprintf(stderr, "  honoctl logs   --dir %s SERVICE\n", dir)
	fmt.Fprintf(stderr, "  honoctl down   --dir %s\n", dir)
	fmt.Fprintf(stderr, "  docker compose -p %s ps\n", p.Name)
	return nil
}

// ensureRendered renders the stack when render flags are given or nothing
// is rendered yet; otherwise up runs what is in the folder.
func ensureRendered(c *cli.Context, dir string) error {
	given := false
	for _, f := range renderFlags() {
		if c.IsSet(f.Names()[0]) {
			given = true
		}
	}
	_, err := os.Stat(filepath.Join(dir, render.ComposeFile))
	switch {
	case err == nil && !given:
		return nil
	case err != nil && !errors.Is(err, fs.ErrNotExist):
		return cannot("%w", err)
	}
	top, st, err := renderStack(c, dir)
	if err != nil {
		return err
	}
	if err := st.Write(dir); err != nil {
		return cannot("%w", err)
	}
	if err := saveRendered(dir, top, st); err != nil {
		return err
	}
	fmt.Fprintf(c.App.ErrWriter, "rendered %d services (%s) into %s\n", len(top.Services), top.Options.Flavor, dir)
	return nil
}

// buildImages builds the local images the project runs, and the honoctl
// image for the probes, unless they are there already.
func buildImages(c *cli.Context, e *engine.Engine, p *types.Project, pr engine.Progress) error {
	needSim := false
	for _, s := range p.Services {
		if strings.HasPrefix(s.Image, simRepo+":") {
			needSim = true
		}
	}
	exe, err := os.Executable()
	if err != nil {
		return cannot("find honoctl's own binary: %w", err)
	}
	if needSim {
		bin := c.String("sim-binary")
		if bin == "" {
			bin = filepath.Join(filepath.Dir(exe), "hono-sim")
		}
		if _, err := os.Stat(bin); err != nil {
			return cannot("the sim images need the hono-sim binary, not found at %s: build it with "+
				"make build (it goes next to honoctl in bin/), or give --sim-binary PATH", bin)
		}
		if err := buildOne(c.Context, e, bin, simRepo, pr); err != nil {
			return err
		}
	}
	// NOTE: only a binary named honoctl makes the probe image: under go
	// test, the executable is the test binary.
	if filepath.Base(exe) == "honoctl" {
		if err := buildOne(c.Context, e, exe, selfRepo, pr); err != nil {
			return err
		}
	}
	return nil
}

func buildOne(ctx context.Context, e *engine.Engine, bin, repo string, pr engine.Progress) error {
	name := "image " + repo
	pr.Event(engine.Event{Name: name, Step: engine.StepBuilding})
	img, err := engine.BuildImage(ctx, e.Client(), bin, repo)
	if err != nil {
		pr.Event(engine.Event{Name: name, Step: engine.StepFailed, Detail: err.Error()})
		return cannot("%w", err)
	}
	step := engine.StepKept
	if img.Built {
		step = engine.StepBuilt
	}
	pr.Event(engine.Event{Name: name, Step: step, Detail: img.Ref})
	return nil
}

// progressFor picks the display: lines in place on a terminal, one line
// per event in CI, with NO_COLOR or when asked. done ends it.
func progressFor(mode string, w io.Writer) (engine.Progress, func()) {
	tty := false
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) && os.Getenv("NO_COLOR") == "" {
		tty = true
	}
	switch mode {
	case "tty":
		tty = true
	case "plain":
		tty = false
	}
	if !tty {
		return engine.NewPlainProgress(w), func() {}
	}
	p := engine.NewTTYProgress(w)
	closed := false
	return p, func() {
		if !closed {
			closed = true
			p.Close()
		}
	}
}

// printTable writes what runs where, on stdout.
func printTable(w io.Writer, st *engine.Stack) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SERVICE\tCONTAINER\tSTATE\tPORTS")
	for _, s := range st.Services {
		state := s.State
		if s.Health != "" {
			state += " (" + s.Health + ")"
		}
		ports := strings.Join(s.Ports, ", ")
		if ports == "" {
			ports = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", s.Service, s.Container, state, ports)
	}
	tw.Flush()
}

func summary(st *engine.Stack) string {
	n := map[engine.Action]int{}
	for _, s := range st.Services {
		n[s.Action]++
	}
	var parts []string
	for _, a := range []engine.Action{engine.ActionCreated, engine.ActionReplaced, engine.ActionKept} {
		if n[a] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n[a], a))
		}
	}
	return strings.Join(parts, ", ")
}

// upBreaks restores a stack that runs with breakages, then applies those
// of --break; it returns what it applied.
func upBreaks(c *cli.Context, dir string) ([]scenario.Applied, error) {
	if err := restoreStack(c, dir); err != nil {
		return nil, err
	}
	if len(c.StringSlice("break")) == 0 {
		return nil, nil
	}
	top, err := topology.Load(dir)
	if err != nil {
		return nil, cannot("%w", err)
	}
	return applyBreaks(c, dir, top, scenario.StageCerts, scenario.StageRender)
}
