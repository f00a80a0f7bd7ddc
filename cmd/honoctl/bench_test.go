package main

import (
	"bytes"
	"crypto/tls"
	"encoding/json"
	"io"
	"net"
	"strings"
	"testing"

	"github.com/honoctl/honoctl/internal/sim/tlsconf/testpki"
)

func runCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = run(append([]string{"honoctl"}, args...), &out, &errOut)
	return code, out.String(), errOut.String()
}

// mustEchoServer is a TLS echo server on 127.0.0.1.
func mustEchoServer(t *testing.T) string {
	t.Helper()
	leaf := testpki.New(t).Leaf(t, "echo", nil)
	return testpki.Serve(t, &tls.Config{Certificates: []tls.Certificate{leaf.Pair(t)}},
		func(c net.Conn) { io.Copy(c, c) })
}

func TestBenchTableAndJSON(t *testing.T) {
	addr := mustEchoServer(t)
	code, out, stderr := runCLI(t, "bench", "--duration", "200ms", "--warmup", "0s", "a="+addr, "b="+addr)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"HANDSHAKES/S", "a  ", "b  ", "1.00x", "ratios against a"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(stderr, "openssl s_time -new -connect "+addr) {
		t.Errorf("stderr lacks the s_time command to compare with:\n%s", stderr)
	}

	code, out, stderr = runCLI(t, "bench", "--duration", "200ms", "--warmup", "0s", "--no-bulk",
		"--format", "json", addr)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var rep struct {
		Results []struct {
			Handshakes struct {
				PerSecond float64 `json:"per_second"`
			} `json:"handshakes"`
			Throughput *struct{} `json:"throughput"`
		} `json:"results"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("JSON: %v\n%s", err, out)
	}
	if len(rep.Results) != 1 || rep.Results[0].Handshakes.PerSecond <= 0 || rep.Results[0].Throughput != nil {
		t.Errorf("JSON = %s, want one result with handshakes and no throughput", out)
	}
}

func TestBenchBadInput(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	ln.Close()
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no endpoint", []string{"bench"}, "name at least one endpoint"},
		{"no port", []string{"bench", "x=localhost"}, `"x=localhost": want HOST:PORT`},
		{"nothing listens", []string{"bench", "--duration", "100ms", closed}, "TLS handshake with " + closed},
		{"no such CA file", []string{"bench", "--ca", "/nonexistent/ca.pem", closed}, "/nonexistent/ca.pem"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := runCLI(t, tt.args...)
			if code != exitCannot || !strings.Contains(stderr, tt.want) {
				t.Errorf("exit %d, stderr %q; want %d and %q", code, stderr, exitCannot, tt.want)
			}
		})
	}
}

func TestLabNeedsTheStacksKeyPair(t *testing.T) {
	dir := t.TempDir()
	code, _, stderr := runCLI(t, "lab", "tls-engine", "--dir", dir, "--cert", "qdrouter")
	if code != exitCannot || !strings.Contains(stderr, "qdrouter-cert.pem") ||
		!strings.Contains(stderr, "honoctl certs --dir "+dir) {
		t.Errorf("exit %d, stderr %q; want %d naming the missing file and honoctl certs", code, stderr, exitCannot)
	}
}
