package engine

import (
	"context"
	"errors"
	"net"
	"os"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestUpPortTakenLeavesNothing(t *testing.T) {
	e := mustEngine(t)
	img := mustPingerImage(t, e)
	project := projectOf(t)
	mustClean(t, e, project)
	s := newTestStack(t, img, project)

	l, err := net.Listen("tcp", "127.0.0.1:"+itoa(s.portB))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, err = e.Up(ctx, s.load(t), UpOptions{})
	var pt *PortTakenError
	if !errors.As(err, &pt) {
		t.Fatalf("Up with port %d taken: %v; want a PortTakenError", s.portB, err)
	}
	msg := err.Error()
	for _, want := range []string{"127.0.0.1:" + itoa(s.portB), "service b", "process " + itoa(os.Getpid())} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q does not name %q", msg, want)
		}
	}
	if c, n, v := labeled(t, e, project); c+n+v != 0 {
		t.Errorf("after a failed up: %d containers, %d networks, %d volumes labeled", c, n, v)
	}
}

func TestUpReportsFailures(t *testing.T) {
	e := mustEngine(t)
	img := mustPingerImage(t, e)
	tests := []struct {
		name       string
		edit       []string
		timeout    time.Duration
		wantReason string
		wantLog    string
	}{
		// Docker calls a container unhealthy after 20 failed checks, each
		// an exec that a loaded machine may take a second to run: the
		// timeout only bounds the test, up returns at the verdict.
		{"unhealthy", []string{"B_OPTION: one", "UNHEALTHY: \"yes\""}, 90 * time.Second,
			"unhealthy: health check exited with 1: readiness: 503", "pinger b: never ready, as told"},
		{"exits", []string{"B_OPTION: one", "EXIT_CODE: \"3\""}, 90 * time.Second,
			"exited with code 3", "pinger b: told to exit with 3"},
		{"too slow", []string{"READY_AFTER: 300ms", "READY_AFTER: 1h"}, 2 * time.Second,
			"not ready after 2s (health: starting", "pinger a: listening"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			project := projectOf(t)
			mustClean(t, e, project)
			s := newTestStack(t, img, project)
			p := s.load(t, tt.edit...)

			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			rec := &recorder{}
			_, err := e.Up(ctx, p, UpOptions{Progress: rec, Timeout: tt.timeout})
			var se *ServiceError
			if !errors.As(err, &se) {
				t.Fatalf("Up: %v; want a ServiceError", err)
			}
			if !strings.Contains(se.Reason, tt.wantReason) {
				t.Errorf("reason %q, want %q", se.Reason, tt.wantReason)
			}
			if !slices.ContainsFunc(se.Logs, func(l string) bool { return strings.Contains(l, tt.wantLog) }) {
				t.Errorf("last log lines %q lack %q", se.Logs, tt.wantLog)
			}
			if steps := rec.steps(se.Service); steps[len(steps)-1] != StepFailed {
				t.Errorf("steps of %s: %v; want it to end failed", se.Service, steps)
			}
			if c, n, v := labeled(t, e, project); c+n+v != 0 {
				t.Errorf("after a failed up: %d containers, %d networks, %d volumes labeled", c, n, v)
			}
		})
	}
}

func TestUpCancelledRemovesWhatItMade(t *testing.T) {
	e := mustEngine(t)
	img := mustPingerImage(t, e)
	project := projectOf(t)
	mustClean(t, e, project)
	s := newTestStack(t, img, project)
	p := s.load(t, "READY_AFTER: 300ms", "READY_AFTER: 1h")

	// Ctrl-C while a waits to be healthy.
	ctx, cancel := context.WithCancel(context.Background())
	rec := &recorder{}
	go func() {
		for !slices.Contains(rec.steps("a"), StepStarting) {
			time.Sleep(50 * time.Millisecond)
		}
		cancel()
	}()
	_, err := e.Up(ctx, p, UpOptions{Progress: rec, Timeout: time.Minute})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Up cancelled: %v; want context.Canceled", err)
	}
	if c, n, v := labeled(t, e, project); c+n+v != 0 {
		t.Errorf("after a cancelled up: %d containers, %d networks, %d volumes labeled", c, n, v)
	}
}

func TestUpNamesWhatIsMissing(t *testing.T) {
	e := mustEngine(t)
	img := mustPingerImage(t, e)
	project := projectOf(t)
	s := newTestStack(t, img, project)
	tests := []struct {
		name string
		edit []string
		want string
	}{
		{"certificate", []string{"./config/a.txt", "./certs/a-key.pem"},
			"service a mounts " + s.dir + "/certs/a-key.pem, which is missing; create the certificates with: honoctl certs --dir " + s.dir},
		{"upstream image", []string{"image: " + img.Ref + "\n    command: [serve]\n    environment:\n      NAME: b",
			"image: eclipse/hono-adapter-http-vertx:0.7\n    command: [serve]\n    environment:\n      NAME: b"},
			"image eclipse/hono-adapter-http-vertx:0.7 of service b is not on the Docker engine and was not pulled: without registry access"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.Up(context.Background(), s.load(t, tt.edit...), UpOptions{})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Up: %v; want %q", err, tt.want)
			}
			if tt.name == "upstream image" && !strings.Contains(err.Error(), "--images sim") {
				t.Errorf("error %q does not name --images sim", err)
			}
			if c, n, v := labeled(t, e, project); c+n+v != 0 {
				t.Errorf("after a failed up: %d containers, %d networks, %d volumes labeled", c, n, v)
			}
		})
	}
}
