package main

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/honoctl/honoctl/lab/bench"
)

func benchCommand() *cli.Command {
	return &cli.Command{
		Name:      "bench",
		Usage:     "new TLS handshakes per second and echo throughput of TLS endpoints, with ratios",
		ArgsUsage: "[NAME=]HOST:PORT...",
		Description: "Measures each endpoint in turn: full handshakes (no session resumption) from\n" +
			"--clients concurrent clients for --duration, then MB/s echoed over one connection\n" +
			"(only for echo endpoints such as the lab's; --no-bulk for a stack's services).\n" +
			"Ratios are against the first endpoint. Example:\n" +
			"  honoctl bench jdk=127.0.0.1:32768 openssl=127.0.0.1:32769",
		Flags:  append(benchFlags(), &cli.StringFlag{Name: "format", Value: "table", Usage: "table or json (example: --format json)"}),
		Action: runBenchCommand,
	}
}

// benchFlags are shared by bench and lab tls-engine.
func benchFlags() []cli.Flag {
	return []cli.Flag{
		&cli.IntFlag{Name: "clients", Value: 1, Usage: "concurrent handshaking clients (example: --clients 4)"},
		&cli.DurationFlag{Name: "duration", DefaultText: "5s",
			Usage: "length of each measurement (example: --duration 10s)"},
		&cli.DurationFlag{Name: "warmup", Value: 2 * time.Second,
			Usage: "load before each measurement, not counted: the JDK engine is slow until the JIT compiles it (example: --warmup 10s)"},
		&cli.BoolFlag{Name: "no-bulk", Usage: "handshakes only, for endpoints that do not echo (example: --no-bulk)"},
		&cli.StringFlag{Name: "ca", Usage: "verify server chains against this PEM bundle (example: --ca D/certs/trusted-certs.pem)"},
		&cli.StringFlag{Name: "server-name", Usage: "host name to verify with --ca; default: the address's host (example: --server-name localhost)"},
		&cli.BoolFlag{Name: "tls12", Usage: "cap the version at TLS 1.2, as Hono 0.7's Java clients (example: --tls12)"},
	}
}

func runBenchCommand(c *cli.Context) error {
	if c.NArg() == 0 {
		return cannot("bench: name at least one endpoint, HOST:PORT or NAME=HOST:PORT")
	}
	var targets []bench.Target
	for _, a := range c.Args().Slice() {
		name, addr, ok := strings.Cut(a, "=")
		if !ok {
			name, addr = a, a
		}
		if _, _, err := net.SplitHostPort(addr); err != nil {
			return cannot("bench: %q: want HOST:PORT or NAME=HOST:PORT: %v", a, err)
		}
		targets = append(targets, bench.Target{Name: name, Addr: addr})
	}
	return runBench(c, targets, c.App.Writer)
}

func runBench(c *cli.Context, targets []bench.Target, w io.Writer) error {
	o := bench.Options{Clients: c.Int("clients"), Duration: c.Duration("duration"), Warmup: c.Duration("warmup")}
	if c.Bool("tls12") {
		o.MaxVersion = tls.VersionTLS12
	}
	if ca := c.String("ca"); ca != "" {
		pem, err := os.ReadFile(ca)
		if err != nil {
			return cannot("bench: %w", err)
		}
		o.Roots = x509.NewCertPool()
		if !o.Roots.AppendCertsFromPEM(pem) {
			return cannot("bench: %s holds no PEM certificate", ca)
		}
		o.ServerName = c.String("server-name")
	}
	rep, err := bench.Run(c.Context, targets, o, !c.Bool("no-bulk"))
	if err != nil {
		return cannot("bench: %w", err)
	}
	if c.String("format") == "json" {
		return rep.WriteJSON(w)
	}
	if err := rep.WriteTable(w); err != nil {
		return err
	}
	for _, res := range rep.Results {
		if res.Handshakes.FirstError != "" {
			fmt.Fprintf(w, "%s: %d handshakes failed, the first: %s\n", res.Name, res.Handshakes.Errors,
				res.Handshakes.FirstError)
		}
	}
	// NOTE: without -no-CA*, s_time searches the system's trust store on
	// every connection and measures itself more than the server.
	_, err = fmt.Fprintf(c.App.ErrWriter, "compare: openssl s_time -new -connect %s -time 5 "+
		"-no-CAfile -no-CApath -no-CAstore\n", targets[0].Addr)
	return err
}
