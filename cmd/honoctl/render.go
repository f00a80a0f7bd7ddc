package main

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/honoctl/honoctl/orchestrator/render"
	"github.com/honoctl/honoctl/orchestrator/scenario"
	"github.com/honoctl/honoctl/orchestrator/topology"
)

func renderCommand() *cli.Command {
	return &cli.Command{
		Name:  "render",
		Usage: "write compose.yaml and every file the services read into the stack folder",
		Description: "Renders the topology into <dir>/compose.yaml, <dir>/config/ (each service's Hono\n" +
			"YAML, qdrouterd.json, permissions, credentials) and seeds <dir>/registry-data/.\n" +
			"It needs the PKI in <dir>/certs (honoctl certs) and never reads a private key.\n\n" +
			"Examples:\n" +
			"  honoctl render\n" +
			"  honoctl render --images upstream --engine hono-adapter-http-vertx=openssl\n" +
			"  honoctl render --tls-off messaging-auth --plaintext\n" +
			"  honoctl render --break tls-versions:hono-service-device-registry",
		Flags:  append([]cli.Flag{dirFlag(), breakFlag()}, renderFlags()...),
		Action: runRender,
	}
}

// renderFlags are the flags of render, which up takes too.
func renderFlags() []cli.Flag {
	return append([]cli.Flag{
		&cli.StringFlag{Name: "images", Value: string(topology.FlavorSim),
			Usage: "image flavor: sim (local hono-sim stand-ins) or upstream (eclipse/hono-*:0.7) (example: --images upstream)"},
		&cli.StringFlag{Name: "target", Value: string(render.TargetCompose),
			Usage: "compose (docker compose, honoctl up) or swarm (docker stack deploy) (example: --target swarm)"},
		&cli.StringFlag{Name: "extensions", Value: string(render.ExtensionsBind),
			Usage: "source of /opt/hono/extensions (upstream): bind (<dir>/extensions) or volume (hono-extensions) (example: --extensions volume)"},
		&cli.StringFlag{Name: "extensions-dir", Value: "./" + render.ExtensionDir,
			Usage: "host folder bound at /opt/hono/extensions with --extensions bind, from the current folder; " +
				"scripts/fetch-tcnative.sh fills it (example: --extensions-dir ./extensions)"},
		&cli.StringFlag{Name: "user",
			Usage: "container user UID:GID; default: the owner of the keys when the image's user cannot read them (example: --user 1000:1000)"},
	}, topologyFlags()...)
}

// topologyFlags shape the topology: which services run and how they link.
func topologyFlags() []cli.Flag {
	d := topology.DefaultOptions()
	return []cli.Flag{
		&cli.StringFlag{Name: "adapters", Value: "http,mqtt,kura",
			Usage: "protocol adapters that run (example: --adapters http,mqtt)"},
		&cli.BoolFlag{Name: "adapters-to-router",
			Usage: "HTTP and MQTT adapters send straight to the router, as Hono 0.7's swarm script (example: --adapters-to-router)"},
		&cli.BoolFlag{Name: "plaintext",
			Usage: "also open the plain ports 5672, 8080, 1883 (example: --plaintext)"},
		&cli.StringSliceFlag{Name: "tls-off",
			Usage: "run a channel without TLS, by number or name: " + strings.Join(topology.ChannelKeys(), ", ") +
				"; repeatable (example: --tls-off messaging-auth)"},
		&cli.StringSliceFlag{Name: "engine",
			Usage: "TLS engine of a Java service, jdk or openssl (upstream); repeatable (example: --engine hono-service-auth=openssl)"},
		&cli.StringFlag{Name: "bind-address", Value: d.BindAddress,
			Usage: "host address published ports bind to (example: --bind-address 0.0.0.0)"},
		&cli.IntFlag{Name: "port-offset",
			Usage: "added to every published host port, to run stacks side by side (example: --port-offset 100)"},
		&cli.BoolFlag{Name: "no-publish",
			Usage: "publish no port on the host (example: --no-publish)"},
	}
}

// topologyOptions reads the topology flags.
func topologyOptions(c *cli.Context) (topology.Options, error) {
	o := topology.DefaultOptions()
	adapters, err := topology.ParseAdapters(c.String("adapters"))
	if err != nil {
		return o, cannot("--adapters: %w", err)
	}
	o.Adapters = adapters
	o.AdaptersToRouter = c.Bool("adapters-to-router")
	o.Plaintext = c.Bool("plaintext")
	for _, s := range c.StringSlice("tls-off") {
		ch, err := topology.ParseChannel(s)
		if err != nil {
			return o, cannot("--tls-off: %w", err)
		}
		o.TLSOff = append(o.TLSOff, ch)
	}
	for _, s := range c.StringSlice("engine") {
		name, e, err := topology.ParseEngine(s)
		if err != nil {
			return o, cannot("--engine: %w", err)
		}
		if o.Engines == nil {
			o.Engines = map[string]topology.Engine{}
		}
		o.Engines[name] = e
	}
	o.Flavor = topology.Flavor(c.String("images"))
	o.BindAddress = c.String("bind-address")
	o.PortOffset = c.Int("port-offset")
	o.NoPublish = c.Bool("no-publish")
	return o, nil
}

// renderStack builds the topology and renders the stack of the flags in c
// for the stack folder dir; up renders through it too.
func renderStack(c *cli.Context, dir string) (*topology.Topology, *render.Stack, error) {
	o, err := topologyOptions(c)
	if err != nil {
		return nil, nil, err
	}
	top, err := topology.New(o)
	if err != nil {
		return nil, nil, cannot("topology: %w", err)
	}
	st, err := renderTopology(c, dir, top)
	if err != nil {
		return nil, nil, err
	}
	return top, st, nil
}

// renderTopology renders top for the stack folder dir with the render
// flags of c.
func renderTopology(c *cli.Context, dir string, top *topology.Topology) (*render.Stack, error) {
	ext, err := relativeTo(dir, c.String("extensions-dir"))
	if err != nil {
		return nil, cannot("--extensions-dir: %w", err)
	}
	return renderWith(dir, top, render.Options{
		Target:        render.Target(c.String("target")),
		Extensions:    render.Extensions(c.String("extensions")),
		ExtensionsDir: ext,
		ProjectName:   render.ProjectName(dir),
		User:          c.String("user"),
	})
}

// renderWith renders top for the stack folder dir with ro; restoring a
// broken stack renders its recorded topology and options.
func renderWith(dir string, top *topology.Topology, ro render.Options) (*render.Stack, error) {
	if err := render.CheckPKI(dir, top); err != nil {
		return nil, cannot("%w", err)
	}
	// Bind mounts keep the host's owners: the keys (compose) and
	// registry-data (both targets) are readable only by their owner, who
	// then also owns the swarm's private secrets.
	if ro.User == "" && top.Options.Flavor == topology.FlavorSim {
		var err error
		if ro.User, err = render.KeyUser(dir, top); err != nil {
			return nil, cannot("%w", err)
		}
	}
	st, err := render.Render(top, ro)
	if err != nil {
		return nil, cannot("render: %w", err)
	}
	return st, nil
}

func runRender(c *cli.Context) error {
	dir := c.String("dir")
	top, st, err := renderStack(c, dir)
	if err != nil {
		return err
	}
	if err := st.Write(dir); err != nil {
		return cannot("%w", err)
	}
	// up, check and the rest act on the topology recorded here.
	if err := saveRendered(dir, top, st); err != nil {
		return err
	}
	// The configuration is healthy again; --break changes it anew.
	if err := scenario.Forget(dir, scenario.StageRender); err != nil {
		return cannot("%w", err)
	}
	if _, err := applyBreaks(c, dir, top, scenario.StageRender); err != nil {
		return err
	}

	w := c.App.ErrWriter
	fmt.Fprintf(w, "rendered %d services (%s, %s) into %s:\n", len(top.Services),
		top.Options.Flavor, c.String("target"), dir)
	fmt.Fprintf(w, "  %s, %s/ (%d files), %s/ (seeded when missing)\n",
		render.ComposeFile, render.ConfigDir, countIn(st, render.ConfigDir), render.RegistryDir)
	if u := st.Project.Services[top.Services[0].Name].User; u != "" && c.String("user") == "" {
		fmt.Fprintf(w, "  containers run as %s, the owner of the keys (0600)\n", u)
	}
	next := "honoctl up --dir " + dir
	if c.String("target") == string(render.TargetSwarm) {
		// Render names the stack after the folder unless that name is too
		// long; status, logs and check find it under the recorded name.
		name := st.Options.ProjectName
		if folder := render.ProjectName(dir); name != folder {
			fmt.Fprintf(w, "  the folder's name %q is too long for a stack: docker names secrets <stack>_<file> "+
				"in at most 64 characters, which leaves %d for the stack's name; it deploys as %s\n",
				folder, render.MaxStackName(st.Project), name)
		}
		next = startCommand(dir, name)
	}
	fmt.Fprintf(w, "next: %s\n", next)
	return nil
}

// saveRendered records the topology and render options of a stack just
// written to dir.
func saveRendered(dir string, top *topology.Topology, st *render.Stack) error {
	if err := top.Options.Save(dir); err != nil {
		return cannot("%w", err)
	}
	if err := st.Options.Save(dir); err != nil {
		return cannot("%w", err)
	}
	return nil
}

// relativeTo expresses path p (given from the current folder) from the
// stack folder dir, where the compose file is: "../extensions" for the
// project's extensions/ and the default ./hono-stack.
func relativeTo(dir, p string) (string, error) {
	if filepath.IsAbs(p) {
		return p, nil
	}
	absDir, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	absP, err := filepath.Abs(p)
	if err != nil {
		return "", err
	}
	rel, err := filepath.Rel(absDir, absP)
	if err != nil {
		return absP, nil
	}
	return filepath.ToSlash(rel), nil
}

func countIn(st *render.Stack, dir string) int {
	n := 0
	for _, f := range st.Files {
		if strings.HasPrefix(f.Path, dir+"/") {
			n++
		}
	}
	return n
}
