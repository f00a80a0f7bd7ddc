package bench

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/honoctl/honoctl/internal/sim/tlsconf/testpki"
)

// mustServer is a TLS server on 127.0.0.1 that hands each connection to
// serve; it returns the address and the CA pool that verifies it.
func mustServer(t *testing.T, serve func(net.Conn)) (string, *x509.CertPool) {
	t.Helper()
	pki := testpki.New(t)
	leaf := pki.Leaf(t, "bench", nil)
	return testpki.Serve(t, &tls.Config{Certificates: []tls.Certificate{leaf.Pair(t)}}, serve), pki.Pool()
}

func echo(c net.Conn) { io.Copy(c, c) }

func TestHandshakesFullAndVerified(t *testing.T) {
	var resumed atomic.Int32
	addr, pool := mustServer(t, func(c net.Conn) {
		tc := c.(*tls.Conn)
		if tc.Handshake() == nil && tc.ConnectionState().DidResume {
			resumed.Add(1)
		}
	})
	h, err := RunHandshakes(context.Background(), addr, Options{Clients: 2, Duration: 300 * time.Millisecond,
		Roots: pool})
	if err != nil {
		t.Fatal(err)
	}
	if h.Count < 2 || h.PerSec <= 0 || h.Errors != 0 {
		t.Errorf("handshakes = %+v, want some and no errors (first: %s)", h, h.FirstError)
	}
	if h.Version != "TLS 1.3" {
		t.Errorf("version = %s, want TLS 1.3 (the server's choice)", h.Version)
	}
	if n := resumed.Load(); n != 0 {
		t.Errorf("%d handshakes resumed a session; each must be full", n)
	}
}

func TestHandshakesRefused(t *testing.T) {
	addr, _ := mustServer(t, echo)
	// A pool that does not hold the server's CA.
	_, other := mustServer(t, echo)
	_, err := RunHandshakes(context.Background(), addr, Options{Duration: time.Second, Roots: other})
	if err == nil || !strings.Contains(err.Error(), addr) || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("RunHandshakes = %v, want a verification error naming %s", err, addr)
	}
}

func TestThroughput(t *testing.T) {
	addr, _ := mustServer(t, echo)
	th, err := RunThroughput(context.Background(), addr, Options{Duration: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if th.Bytes < 1<<20 || th.MBps <= 0 {
		t.Errorf("throughput = %+v, want at least 1 MiB echoed", th)
	}
}

func TestThroughputNotEcho(t *testing.T) {
	addr, _ := mustServer(t, func(c net.Conn) { c.(*tls.Conn).Handshake() })
	_, err := RunThroughput(context.Background(), addr, Options{Duration: 300 * time.Millisecond})
	if err == nil || !strings.Contains(err.Error(), "echo endpoint") {
		t.Fatalf("RunThroughput = %v, want it to say the server does not echo", err)
	}
}

func TestReport(t *testing.T) {
	addr, _ := mustServer(t, echo)
	rep, err := Run(context.Background(), []Target{{"a", addr}, {"b", addr}},
		Options{Duration: 200 * time.Millisecond}, true)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Results[0].HandshakeRatio != 1 || rep.Results[1].HandshakeRatio <= 0 || rep.Results[1].ThroughputRatio <= 0 {
		t.Errorf("ratios = %+v", rep.Results)
	}
	var table, js bytes.Buffer
	if err := rep.WriteTable(&table); err != nil {
		t.Fatal(err)
	}
	if err := rep.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"HANDSHAKES/S", "1.00x", "ratios against a"} {
		if !strings.Contains(table.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, table.String())
		}
	}
	if !strings.Contains(js.String(), `"per_second"`) || !strings.Contains(js.String(), `"mb_per_second"`) {
		t.Errorf("JSON lacks the figures:\n%s", js.String())
	}
}
