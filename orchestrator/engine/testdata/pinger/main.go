// Command pinger is the engine tests' stand-in service: "pinger serve"
// (or any other word: a hono-sim role, so that a rendered sim stack runs
// on it) answers GET /readiness on 127.0.0.1:8088 and an echo on :7000, and
// "pinger health" is its health check, as hono-sim's. Environment:
// READY_AFTER (a duration before /readiness says 200), UNHEALTHY (never
// ready), EXIT_CODE (exit at once with it).
package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: pinger serve|ROLE|health")
		os.Exit(2)
	}
	if os.Args[1] == "health" {
		os.Exit(health())
	}
	os.Exit(serve(os.Args[1]))
}

func health() int {
	c := http.Client{Timeout: 2 * time.Second}
	resp, err := c.Get("http://127.0.0.1:8088/readiness")
	if err != nil {
		fmt.Println(err)
		return 1
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		fmt.Printf("readiness: %s\n", resp.Status)
		return 1
	}
	return 0
}

func serve(role string) int {
	name := os.Getenv("NAME")
	if name == "" {
		name = role
	}
	fmt.Printf("pinger %s starting as uid %d\n", name, os.Getuid())
	if code := os.Getenv("EXIT_CODE"); code != "" {
		fmt.Printf("pinger %s: told to exit with %s\n", name, code)
		n, _ := strconv.Atoi(code)
		return n
	}
	delay, _ := time.ParseDuration(os.Getenv("READY_AFTER"))
	readyAt := time.Now().Add(delay)
	unhealthy := os.Getenv("UNHEALTHY") != ""

	mux := http.NewServeMux()
	mux.HandleFunc("/readiness", func(w http.ResponseWriter, r *http.Request) {
		if unhealthy || time.Now().Before(readyAt) {
			http.Error(w, "not ready", http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, "ok")
	})
	go func() {
		if err := http.ListenAndServe("127.0.0.1:8088", mux); err != nil {
			fmt.Println(err)
			os.Exit(1)
		}
	}()
	l, err := net.Listen("tcp", ":7000")
	if err != nil {
		fmt.Println(err)
		return 1
	}
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			fmt.Fprintf(c, "pinger %s\n", name)
			c.Close()
		}
	}()
	if unhealthy {
		fmt.Printf("pinger %s: never ready, as told\n", name)
	}
	fmt.Printf("pinger %s: listening\n", name)

	// PID 1 gets no default signal handling: stop on SIGTERM ourselves.
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	<-ctx.Done()
	fmt.Printf("pinger %s: stopping\n", name)
	return 0
}
