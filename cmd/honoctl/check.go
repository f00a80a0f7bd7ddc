package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/honoctl/honoctl/internal/atomicfile"
	"github.com/honoctl/honoctl/orchestrator/check"
	"github.com/honoctl/honoctl/orchestrator/engine"
	"github.com/honoctl/honoctl/orchestrator/render"
	"github.com/honoctl/honoctl/orchestrator/report"
	"github.com/honoctl/honoctl/orchestrator/scenario"
	"github.com/honoctl/honoctl/orchestrator/topology"
)

// ReportsDir is the folder of the stack folder where every check run leaves
// its report as JSON and HTML, whatever --format printed.
const ReportsDir = "reports"

func checkCommand() *cli.Command {
	return &cli.Command{
		Name:  "check",
		Usage: "probe every TLS channel of the running stack and report what is wrong and how to fix it",
		Description: "Probes each link as its client sees it: the handshake with the client's trust\n" +
			"anchors and host name, the chain, the SAN, validity, protocol versions, weak\n" +
			"ciphers, mutual TLS and the plain port next to the TLS one; then AMQP over the\n" +
			"TLS link (SASL PLAIN or EXTERNAL with the client's own credentials, open, attach),\n" +
			"the Auth Server's token against auth-server-cert.pem, telemetry from an HTTPS\n" +
			"and an MQTTS device to an application, each service's own view (hono-sim's\n" +
			"readiness, Hono's log) and the TLS engine each Java service uses.\n" +
			"Links between services are probed from a container on the stack network, links\n" +
			"from applications and devices from this host through the published ports.\n" +
			"The report is also saved as <dir>/reports/check.json and check.html.\n\n" +
			"Exit code 0: nothing failed; 1: a check failed; 2: the checks could not run.\n\n" +
			"Examples:\n" +
			"  honoctl check\n" +
			"  honoctl check --format junit --out report.xml\n" +
			"  honoctl check --from host --verbose",
		Flags: []cli.Flag{
			dirFlag(),
			&cli.StringFlag{Name: "format", Value: "table",
				Usage: "table, json, junit or html (example: --format json)"},
			&cli.StringFlag{Name: "out",
				Usage: "write the report to this file instead of standard output (example: --out report.html)"},
			&cli.BoolFlag{Name: "verbose",
				Usage: "list passing checks too in the table (example: --verbose)"},
			&cli.StringFlag{Name: "from", Value: "all",
				Usage: "where probes run: all, host (published ports only) or network (example: --from host)"},
			&cli.StringFlag{Name: "project",
				Usage: "Compose project name of the stack; default: from the folder's name (example: --project hono)"},
		},
		Action: runCheck,
	}
}

// probeCommand is what the honoctl image runs on the stack network for
// check: the in-network probes, findings as JSON on standard output.
func probeCommand() *cli.Command {
	return &cli.Command{
		Name:   "probe",
		Hidden: true,
		Usage:  "run the in-network probes (used by check inside the honoctl image)",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "dir", Value: "/stack",
				Usage: "folder with topology.json and certs/ holding the clients' trust and keys"},
		},
		Action: func(c *cli.Context) error {
			st, err := loadCheckInputs(c.String("dir"))
			if err != nil {
				return err
			}
			fs, err := probeFrom(c.Context, st, check.InNetwork)
			if err != nil {
				return cannot("%w", err)
			}
			return report.WriteJSON(c.App.Writer, &report.Report{Stack: "probe", Findings: fs})
		},
	}
}

func runCheck(c *cli.Context) error {
	dir := c.String("dir")
	format := c.String("format")
	if !slices.Contains(report.Formats, format) {
		return cannot("--format %q: want one of %v", format, report.Formats)
	}
	from := c.String("from")
	if !slices.Contains([]string{"all", "host", "network"}, from) {
		return cannot("--from %q: want all, host or network", from)
	}
	st, err := loadCheckInputs(dir)
	if err != nil {
		return err
	}
	top := st.Top
	project := projectName(c)

	reports := filepath.Join(dir, ReportsDir)
	runs, err := check.LoadProbeRuns(reports)
	if err != nil {
		return cannot("%w", err)
	}
	started := time.Now()
	// This run's probes go on while the logs are read.
	ours := append(slices.Clone(runs), check.ProbeRun{Start: started})
	e, err := engine.Connect(c.Context)
	if err != nil {
		return cannot("%w", err)
	}
	defer e.Close()

	// Host and in-network probes at once, the service logs too, while the
	// engine says whether the stack runs at all; if not, the rest is
	// cancelled and the answer is honoctl up.
	ctx, cancel := context.WithCancel(c.Context)
	defer cancel()
	var hostFs, netFs, logFs []check.Finding
	var hostErr, netErr, logErr, upErr error
	var wg sync.WaitGroup
	if from != "host" {
		wg.Go(func() { netFs, netErr = probeInNetwork(ctx, e, st, project) })
	}
	if from != "network" {
		wg.Go(func() { hostFs, hostErr = probeFrom(ctx, st, check.Host) })
	}
	wg.Go(func() {
		running, err := runningServices(ctx, e, dir, project)
		if err != nil {
			upErr = err
			cancel()
			return
		}
		if from != "network" {
			logFs, logErr = logFindings(ctx, e, project, top, running, ours)
		}
	})
	wg.Wait()
	switch {
	case upErr != nil:
		return cannot("%w", upErr)
	case hostErr != nil:
		return cannot("%w", hostErr)
	case netErr != nil:
		return cannot("in-network probes: %w", netErr)
	case logErr != nil:
		return cannot("service logs: %w", logErr)
	}
	if err := append(runs, check.ProbeRun{Start: started, End: time.Now()}).Save(reports); err != nil {
		return cannot("%w", err)
	}
	findings := append(append(hostFs, netFs...), logFs...)
	// A stack broken on purpose (up --break): the hints name the breakage.
	if err := scenario.Annotate(dir, findings); err != nil {
		return cannot("%w", err)
	}
	if note := breaksNote(dir); note != "" {
		fmt.Fprintln(c.App.ErrWriter, note)
	}
	rep := &report.Report{Stack: project, Topology: top, Findings: findings,
		Started: started, Duration: time.Since(started)}

	if err := saveReports(dir, rep); err != nil {
		return cannot("%w", err)
	}
	if err := writeReport(c, rep, format); err != nil {
		return cannot("%w", err)
	}
	if format != "table" || c.String("out") != "" {
		// The table ends with the verdict itself.
		fmt.Fprintln(c.App.ErrWriter, rep.Verdict())
	}
	fmt.Fprintf(c.App.ErrWriter, "report: %s\n", filepath.Join(dir, ReportsDir, "check.html"))
	if check.Worst(findings) == check.Fail {
		return &exitError{code: exitFailed, err: fmt.Errorf("%d checks failed", report.Count(findings).Fail)}
	}
	return nil
}

// loadCheckInputs reads what the checks need of a stack folder: the
// topology it was rendered with and the clients' trust anchors.
func loadCheckInputs(dir string) (*check.Stack, error) {
	top, err := topology.Load(dir)
	if err != nil {
		return nil, cannot("%w", err)
	}
	pki, err := check.LoadPKI(filepath.Join(dir, render.CertsDir))
	if err != nil {
		return nil, cannot("%w", err)
	}
	return &check.Stack{Dir: dir, Top: top, PKI: pki}, nil
}

// probeFrom runs the probes of every link reached from vantage v, all at
// once: TLS, AMQP and, from the host, the data path.
func probeFrom(ctx context.Context, st *check.Stack, v check.Vantage) ([]check.Finding, error) {
	targets, err := check.Targets(st.Top, st.PKI, v)
	if err != nil {
		return nil, err
	}
	amqpTargets, err := check.AMQPTargets(st, v)
	if err != nil {
		return nil, err
	}
	jobs := check.TLSJobs(&check.TLSProber{}, targets)
	jobs = append(jobs, check.AMQPJobs(&check.AMQPProber{}, amqpTargets)...)
	switch {
	case v == check.Host:
		if d := check.DataTargets(st); d != nil {
			jobs = append(jobs, (&check.DataProber{}).Job(d))
		}
	case st.Top.Options.Flavor == topology.FlavorSim:
		// hono-sim's readiness names each link's state and error; Hono's
		// own services are read from their logs, from the host.
		jobs = append(jobs, (&check.ReadinessProber{}).Jobs(st.Top)...)
	}
	return check.Parallel(ctx, jobs), nil
}

// writeReport prints the report in the chosen format to --out or stdout.
func writeReport(c *cli.Context, rep *report.Report, format string) error {
	o := report.Options{Verbose: c.Bool("verbose")}
	out := c.String("out")
	if out == "" {
		o.Color = colorOutput(c.App.Writer)
		return report.Write(c.App.Writer, format, rep, o)
	}
	var buf bytes.Buffer
	if err := report.Write(&buf, format, rep, o); err != nil {
		return err
	}
	return atomicfile.Write(out, buf.Bytes(), 0o644)
}

// saveReports keeps the run's JSON and HTML report in the stack folder.
func saveReports(dir string, rep *report.Report) error {
	reports := filepath.Join(dir, ReportsDir)
	if err := os.MkdirAll(reports, 0o755); err != nil {
		return fmt.Errorf("save report: %w", err)
	}
	for format, name := range map[string]string{"json": "check.json", "html": "check.html"} {
		var buf bytes.Buffer
		if err := report.Write(&buf, format, rep, report.Options{}); err != nil {
			return fmt.Errorf("save report: %w", err)
		}
		if err := atomicfile.Write(filepath.Join(reports, name), buf.Bytes(), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// colorOutput is true when w is a terminal and NO_COLOR is not set.
func colorOutput(w io.Writer) bool {
	if _, ok := os.LookupEnv("NO_COLOR"); ok {
		return false
	}
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
