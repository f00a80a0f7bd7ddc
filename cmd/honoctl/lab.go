package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"text/tabwriter"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/honoctl/honoctl/lab"
	"github.com/honoctl/honoctl/lab/bench"
	"github.com/honoctl/honoctl/orchestrator/check"
	"github.com/honoctl/honoctl/orchestrator/engine"
	"github.com/honoctl/honoctl/orchestrator/render"
)

func labCommand() *cli.Command {
	return &cli.Command{
		Name:  "lab",
		Usage: "real JVM endpoints that show Hono's TLS engine choice (JDK or OpenSSL through tcnative)",
		Subcommands: []*cli.Command{
			{
				Name:  "tls-engine",
				Usage: "start a JDK-engine, an OpenSSL-engine and a nativeTlsRequired endpoint, check and bench them",
				Description: "Builds, once per machine, a JVM image from Debian's packages (debootstrap, root) and\n" +
					"a Java TLS echo endpoint on Netty in it. lab-jdk has an empty extensions volume,\n" +
					"lab-openssl has Debian's tcnative in it, lab-required sets nativeTlsRequired without\n" +
					"tcnative and must fail to start as Hono does. Each serves the stack's key pair of\n" +
					"--cert. The endpoints keep running; honoctl lab down removes them.",
				Flags: append([]cli.Flag{dirFlag(),
					&cli.StringFlag{Name: "cert", Value: "http-adapter",
						Usage: "key pair of the stack to serve, certs/<NAME>-key.pem (example: --cert qdrouter for ECDSA)"},
					&cli.StringFlag{Name: "protocols", Value: "TLSv1.2", Usage: "Hono's secureProtocols of the endpoints, comma separated (example: --protocols TLSv1.2,TLSv1.3)"},
					&cli.BoolFlag{Name: "no-bench", Usage: "check the engines only (example: --no-bench)"},
					&cli.StringFlag{Name: "format", Value: "table", Usage: "bench output: table or json (example: --format json)"},
				}, append(stackFlags(), benchFlags()...)...),
				Action: runLabTLSEngine,
			},
			{
				Name:   "down",
				Usage:  "remove the lab's endpoints and volumes",
				Flags:  append([]cli.Flag{dirFlag()}, stackFlags()...),
				Action: runLabDown,
			},
		},
	}
}

// labWant is the engine each lab endpoint should report; lab-required
// should fail to start, naming the missing tcnative.
var labWant = map[string]string{
	lab.JDK.Name:      lab.EngineJDK,
	lab.OpenSSL.Name:  lab.EngineOpenSSL,
	lab.Required.Name: lab.EngineOpenSSL,
}

func runLabTLSEngine(c *cli.Context) error {
	dir := c.String("dir")
	name := c.String("cert")
	certFile := filepath.Join(dir, render.CertsDir, name+"-cert.pem")
	keyFile := filepath.Join(dir, render.CertsDir, name+"-key.pem")
	for _, f := range []string{certFile, keyFile} {
		if _, err := os.Stat(f); err != nil {
			return cannot("lab: %v; make the stack's certificates first: honoctl certs --dir %s", err, dir)
		}
	}
	e, err := connect(c)
	if err != nil {
		return err
	}
	defer e.Close()

	project := projectName(c)
	network := ""
	if p, err := engine.Load(c.Context, dir, project); err == nil {
		if n, ok := p.Networks[render.NetworkName]; ok {
			network = n.Name
		}
	}
	l, err := lab.Up(c.Context, e, lab.Options{Project: project, Network: network, Cert: certFile, Key: keyFile,
		Protocols: c.String("protocols"), Log: c.App.ErrWriter})
	if err != nil {
		return cannot("lab: %w", err)
	}
	if l.Base.Built {
		fmt.Fprintf(c.App.ErrWriter, "built %s in %s, %.0f MB\n", l.Base.Ref,
			l.Base.BuildTime.Round(time.Second), float64(l.Base.Size)/1e6)
	}

	out := c.App.Writer
	findings, ok := labFindings(l)
	printLabFindings(out, l, findings)
	if !c.Bool("no-bench") {
		var targets []bench.Target
		for _, ep := range l.Endpoints {
			if ep.Addr != "" {
				targets = append(targets, bench.Target{Name: ep.Spec.Name, Addr: ep.Addr})
			}
		}
		if len(targets) > 0 {
			fmt.Fprintln(out)
			if err := runBench(c, targets, out); err != nil {
				return err
			}
		}
	}
	fmt.Fprintf(out, "\nendpoints keep running; stop them with: honoctl lab down --dir %s\n", dir)
	if !ok {
		return &exitError{code: exitFailed, err: fmt.Errorf("lab: an endpoint did not report the engine it should")}
	}
	return nil
}

// labFindings judges each endpoint's log; ok says each behaved as it
// should, lab-required included, whose finding is a failure by design.
func labFindings(l *lab.Lab) ([]check.Finding, bool) {
	ok := true
	var fs []check.Finding
	for _, ep := range l.Endpoints {
		f := lab.EngineFinding(ep.Spec.Name, ep.Log, labWant[ep.Spec.Name])
		fs = append(fs, f)
		switch {
		case ep.Spec.NativeTLSRequired && !ep.Spec.Tcnative:
			ok = ok && ep.Exited && f.Status == check.Fail
		default:
			ok = ok && !ep.Exited && f.Status == check.Pass
		}
	}
	return fs, ok
}

func printLabFindings(w io.Writer, l *lab.Lab, fs []check.Finding) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ENDPOINT\tEXTENSIONS\tNATIVE TLS REQUIRED\tSTATE\tCHECK\tFINDING")
	for i, ep := range l.Endpoints {
		ext := "empty"
		if ep.Spec.Tcnative {
			ext = "Debian tcnative"
		}
		state := "listening on " + ep.Addr
		if ep.Exited {
			state = fmt.Sprintf("exited %d", ep.ExitCode)
		}
		fmt.Fprintf(tw, "%s\t%s\t%t\t%s\t%s\t%s\n", ep.Spec.Name, ext, ep.Spec.NativeTLSRequired, state,
			fs[i].Status, fs[i].Message)
	}
	tw.Flush()
}

func runLabDown(c *cli.Context) error {
	e, err := connect(c)
	if err != nil {
		return err
	}
	defer e.Close()
	if err := lab.Down(c.Context, e, projectName(c)); err != nil {
		return cannot("%w", err)
	}
	fmt.Fprintf(c.App.ErrWriter, "removed the lab of %s\n", projectName(c))
	return nil
}
