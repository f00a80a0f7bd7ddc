package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"

	"github.com/sirupsen/logrus"
	"github.com/urfave/cli/v2"
)

// Exit codes, as the design fixes them.
const (
	exitOK          = 0
	exitFailed      = 1   // a check or lint found a failure
	exitCannot      = 2   // the command could not do its work
	exitInterrupted = 130 // Ctrl-C
)

// run builds the app and runs it with args; it returns the exit code. Tests
// call it in-process.
func run(args []string, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	// compose-go's loader warns through logrus about what the rendered
	// files do on purpose (the swarm file's version key, for docker stack
	// deploy); honoctl says what matters itself.
	logrus.SetLevel(logrus.ErrorLevel)

	app := newApp(stdout, stderr)
	err := app.RunContext(ctx, args)
	return exitCode(ctx, err, stderr, debugRequested(args))
}

// newApp is the whole command line; every verb lives in a file of its own.
func newApp(stdout, stderr io.Writer) *cli.App {
	return &cli.App{
		Name:  "honoctl",
		Usage: "a TLS-secured Eclipse Hono 0.7 stack: certificates, compose files, checks",
		Description: "Every verb works on one stack folder (--dir, default ./hono-stack) that holds\n" +
			"the certificates, the rendered files and the reports.\n\n" +
			"Start with:  honoctl demo      (certificates, render, up, check)\n" +
			"Stop with:   honoctl down",
		Writer:    stdout,
		ErrWriter: stderr,
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "debug", Usage: "print the full cause of an error"},
		},
		Commands: []*cli.Command{
			certsCommand(),
			renderCommand(),
			upCommand(),
			downCommand(),
			statusCommand(),
			logsCommand(),
			checkCommand(),
			consumeCommand(),
			probeCommand(),
			demoCommand(),
			scenariosCommand(),
			labCommand(),
			benchCommand(),
		},
		// Errors are printed once, by exitCode, not by the library.
		ExitErrHandler:       func(*cli.Context, error) {},
		HideHelpCommand:      true,
		EnableBashCompletion: true,
	}
}

// exitError carries the exit code a failure should end with.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// cannot ends a command with exit code 2: it could not do its work.
func cannot(format string, a ...any) error {
	return &exitError{code: exitCannot, err: fmt.Errorf(format, a...)}
}

// exitCode decides, in one place, what the user sees of an error and the
// code the process ends with.
func exitCode(ctx context.Context, err error, stderr io.Writer, debug bool) int {
	if err == nil {
		return exitOK
	}
	if ctx.Err() != nil || errors.Is(err, context.Canceled) {
		fmt.Fprintln(stderr, "honoctl: interrupted")
		return exitInterrupted
	}
	code := exitCannot
	var ee *exitError
	if errors.As(err, &ee) {
		code = ee.code
	}
	msg := err.Error()
	if debug {
		msg = fmt.Sprintf("%+v", err)
	}
	fmt.Fprintf(stderr, "honoctl: %s\n", msg)
	return code
}

func debugRequested(args []string) bool {
	for _, a := range args {
		if a == "--debug" || a == "-debug" {
			return true
		}
	}
	return false
}
