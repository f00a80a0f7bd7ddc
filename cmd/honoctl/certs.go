package main

import (
	"errors"
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

func certsCommand() *cli.Command {
	return &cli.Command{
		Name:  "certs",
		Usage: "write the demo PKI (CA, one key and certificate per service, key stores) into <dir>/certs",
		Description: "Writes a root CA, an intermediate CA and, for every service of the stack, a key and a\n" +
			"certificate chain with Hono's file names, subjects and key store passwords. The\n" +
			"services are those recorded by honoctl render in <dir>/topology.json, or all of them.\n" +
			"A re-run keeps the CA and every valid certificate, so running stacks keep trusting\n" +
			"them; a new service gets a certificate from the same CA.\n\n" +
			"Examples:\n" +
			"  honoctl certs\n" +
			"  honoctl certs --key-type rsa4096 --days 30\n" +
			"  honoctl certs --break expired-cert:hono-adapter-http-vertx\n" +
			"  honoctl certs lint ./hono-stack/certs",
		Flags: []cli.Flag{
			dirFlag(),
			&cli.StringFlag{Name: "key-type",
				Usage: "key of the CAs and services: ecdsa-p256 (the Java services still get RSA 2048: " +
					"Hono 0.7's vert.x loads only RSA PEM keys), rsa2048, rsa3072 or rsa4096; default: the " +
					"existing CA's, else ecdsa-p256; a change makes a new CA (example: --key-type rsa4096)"},
			&cli.IntFlag{Name: "days", Value: certs.DefaultDays,
				Usage: "validity of the service certificates in days (example: --days 30)"},
			&cli.BoolFlag{Name: "force",
				Usage: "make a new CA and re-issue every certificate, even valid ones (example: --force)"},
			breakFlag(),
		},
		Action:      runCerts,
		Subcommands: []*cli.Command{certsLintCommand()},
	}
}

func runCerts(c *cli.Context) error {
	if c.Args().Present() {
		return cannot("certs: unexpected argument %q (did you mean honoctl certs lint %s?)",
			c.Args().First(), c.Args().First())
	}
	dir := c.String("dir")
	var kt certs.KeyType
	if s := c.String("key-type"); s != "" {
		var err error
		if kt, err = certs.ParseKeyType(s); err != nil {
			return cannot("--key-type: %w", err)
		}
	}
	if d := c.Int("days"); d < 1 {
		return cannot("--days: validity of %d days: want 1 to 3650", d)
	}
	top, err := stackTopology(dir)
	if err != nil {
		return err
	}
	pki := filepath.Join(dir, render.CertsDir)
	sum, err := certs.Generate(pki, top, certs.Options{
		KeyType: kt, Days: c.Int("days"), Force: c.Bool("force"), Context: c.Context,
	})
	if err != nil {
		return cannot("certs: %w", err)
	}
	printSummary(c.App.ErrWriter, sum)
	// The certificates are healthy again; --break changes them anew.
	if err := scenario.Forget(dir, scenario.StageCerts); err != nil {
		return cannot("%w", err)
	}
	if _, err = applyBreaks(c, dir, top, scenario.StageCerts); err != nil {
		return err
	}
	fmt.Fprintf(c.App.ErrWriter, "next: honoctl render --dir %s\n", dir)
	return nil
}

// stackTopology is the topology recorded in the stack folder, or the
// default one (every service) when nothing has been rendered yet.
func stackTopology(dir string) (*topology.Topology, error) {
	top, err := topology.Load(dir)
	if errors.Is(err, topology.ErrNotRendered) {
		return topology.Default(), nil
	}
	if err != nil {
		return nil, cannot("%w", err)
	}
	return top, nil
}

// printSummary says what was written and kept, where the files are and
// when they expire.
func printSummary(w io.Writer, sum *certs.Summary) {
	reasons := map[string][]string{}
	var order []string
	for _, f := range sum.Written {
		if _, ok := reasons[f.Reason]; !ok {
			order = append(order, f.Reason)
		}
		reasons[f.Reason] = append(reasons[f.Reason], f.File)
	}
	for _, r := range order {
		files := reasons[r]
		if len(files) > 6 {
			fmt.Fprintf(w, "wrote %d files (%s)\n", len(files), r)
			continue
		}
		fmt.Fprintf(w, "wrote %s (%s)\n", strings.Join(files, ", "), r)
	}
	if len(sum.Kept) > 0 {
		fmt.Fprintf(w, "kept %d files that are still valid (--force renews them)\n", len(sum.Kept))
	}
	fmt.Fprintf(w, "the PKI is in %s: service certificates expire on %s (in %s), the CA on %s\n",
		sum.Dir, day(sum.Expires), inDays(time.Until(sum.Expires)), day(sum.CAExpires))
}

func day(t time.Time) string { return t.UTC().Format("2006-01-02") }

func inDays(d time.Duration) string {
	n := int(d.Round(24*time.Hour) / (24 * time.Hour))
	if n == 1 {
		return "1 day"
	}
	return fmt.Sprintf("%d days", n)
}
