package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os/signal"
	"slices"
	"strings"
	"syscall"

	"github.com/honoctl/honoctl/internal/sim/health"
	"github.com/honoctl/honoctl/internal/sim/tlsconf"
)

// Exit codes, as honoctl's: 2 when hono-sim cannot start its work.
const (
	exitOK     = 0
	exitFailed = 1
	exitUsage  = 2
)

// run is hono-sim with its arguments; SIGTERM and SIGINT stop a role
// cleanly (exit 0), as compose down expects.
func run(args []string, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	return runContext(ctx, args, stdout, stderr)
}

func runContext(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || slices.Contains([]string{"-h", "--help", "help"}, args[0]) {
		usage(stderr)
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	if args[0] == "health" {
		return healthCommand(ctx, args[1:], stderr)
	}
	r, ok := roles[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "hono-sim: unknown role %q\n\n", args[0])
		usage(stderr)
		return exitUsage
	}

	log := slog.New(slog.NewTextHandler(stdout, nil))
	log.Info("hono-sim: a stand-in, not Eclipse Hono", "role", args[0], "stands_in_for", r.service,
		"tls_engine", tlsconf.Engine)
	err := r.start(ctx, args[1:], log)
	var cfgErr configError
	switch {
	case err == nil || (errors.Is(err, context.Canceled) && ctx.Err() != nil):
		log.Info("stopped")
		return exitOK
	case errors.As(err, &cfgErr):
		log.Error("cannot start", "error", err)
		return exitUsage
	default:
		log.Error("stopped on error", "error", err)
		return exitFailed
	}
}

// configError marks errors in the configuration, as opposed to ones met
// while running: they exit 2.
type configError struct{ err error }

func (e configError) Error() string { return e.err.Error() }
func (e configError) Unwrap() error { return e.err }

func healthCommand(ctx context.Context, args []string, stderr io.Writer) int {
	url := health.ProbeURL
	switch len(args) {
	case 0:
	case 1:
		url = args[0]
	default:
		fmt.Fprintln(stderr, "usage: hono-sim health [URL]")
		return exitUsage
	}
	if err := health.Probe(ctx, url); err != nil {
		fmt.Fprintf(stderr, "hono-sim health: %v\n", err)
		return exitFailed
	}
	return exitOK
}

func usage(w io.Writer) {
	fmt.Fprintf(w, `usage: hono-sim <role> [--hono.name=value ...]
       hono-sim router -c /run/secrets/qdrouterd.json
       hono-sim health [URL]   exit 0 when GET %s answers 200

A stand-in for the services of Eclipse Hono 0.7, configured by the file
SPRING_CONFIG_LOCATION names and HONO_* environment variables, as Hono is.

roles:
`, health.ProbeURL)
	for _, name := range sortedRoles() {
		fmt.Fprintf(w, "  %-13s %s\n", name, roles[name].service)
	}
}

func sortedRoles() []string {
	var names []string
	for n := range roles {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// describe is a comma list for messages.
func describe(items []string) string { return strings.Join(items, ", ") }
