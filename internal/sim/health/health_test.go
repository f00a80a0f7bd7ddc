package health

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/honoctl/honoctl/internal/sim/tlsconf/testpki"
)

func readiness(t *testing.T, srv *Server) (int, Report) {
	t.Helper()
	resp, err := http.Get(fmt.Sprintf("http://%s/readiness", srv.Addr()))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var r Report
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, r
}

func mustListen(t *testing.T, s *Status) *Server {
	t.Helper()
	srv, err := Listen("127.0.0.1", 0, s)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv
}

// realTLSState makes a real handshake for the state a link reports.
func realTLSState(t *testing.T) (*tls.ConnectionState, error) {
	t.Helper()
	pki := testpki.New(t)
	leaf := pki.Leaf(t, "qdrouter", []string{"hono-dispatch-router.hono"})
	addr := testpki.Serve(t, &tls.Config{Certificates: []tls.Certificate{leaf.Pair(t)}},
		func(c net.Conn) { c.(*tls.Conn).Handshake() })
	c, err := tls.Dial("tcp", addr, &tls.Config{RootCAs: pki.Pool(), ServerName: "hono-dispatch-router.hono"})
	if err != nil {
		t.Fatal(err)
	}
	cs := c.ConnectionState()
	c.Close()

	// And a failure: the same server, a client that trusts nothing of it.
	_, failure := tls.Dial("tcp", addr, &tls.Config{RootCAs: x509.NewCertPool(), ServerName: "hono-dispatch-router.hono"})
	return &cs, failure
}

func TestReadiness(t *testing.T) {
	s := NewStatus()
	srv := mustListen(t, s)
	amqps := s.Listener("hono.messaging", "0.0.0.0:5671")
	down := s.Link("hono.downstream", "hono-dispatch-router.hono:5673", true)
	auth := s.Link("hono.auth", "hono-service-auth.hono:5671", false)

	code, r := readiness(t, srv)
	if code != http.StatusServiceUnavailable || r.Outcome != "DOWN" {
		t.Fatalf("before anything is up: %d %s, want 503 DOWN", code, r.Outcome)
	}

	cs, failure := realTLSState(t)
	amqps.Up("127.0.0.1:5671")
	down.Connected(cs)
	auth.Failed(failure)
	code, r = readiness(t, srv)
	if code != http.StatusOK || r.Outcome != "UP" {
		t.Fatalf("listener up, required link connected: %d %s, want 200 UP", code, r.Outcome)
	}
	link := r.Checks[1]
	if link.ID != "hono.downstream" || link.Data.State != Connected || link.Data.TLS == nil ||
		link.Data.TLS.Version != "TLSv1.3" || link.Data.TLS.Cipher == "" ||
		!strings.Contains(link.Data.TLS.Peer, "CN=qdrouter,OU=Hono,O=Eclipse IoT") {
		t.Errorf("connected link = %+v, TLS %+v", link, link.Data.TLS)
	}
	optional := r.Checks[2]
	if optional.Status != "DOWN" || !strings.HasPrefix(optional.Data.Error, "unknown authority: ") {
		t.Errorf("failed optional link = %+v", optional)
	}

	down.Failed(errors.New("dial tcp: connection refused"))
	if code, r = readiness(t, srv); code != http.StatusServiceUnavailable || r.Checks[1].Data.Error != "dial tcp: connection refused" {
		t.Errorf("required link failed: %d %+v", code, r.Checks[1])
	}
	down.Connected(nil)
	amqps.Down(net.ErrClosed)
	if code, _ = readiness(t, srv); code != http.StatusServiceUnavailable {
		t.Errorf("listener down: %d, want 503", code)
	}
}

func TestProbe(t *testing.T) {
	s := NewStatus()
	srv := mustListen(t, s)
	url := fmt.Sprintf("http://%s/readiness", srv.Addr())
	if err := Probe(context.Background(), url); err == nil {
		t.Error("a role that has registered nothing is still starting, not ready")
	}
	s.Listener("l", "a:1").Up("a:1")
	if err := Probe(context.Background(), url); err != nil {
		t.Errorf("listener up: %v", err)
	}
	s.Link("x", "y:1", true)
	if err := Probe(context.Background(), url); err == nil || !strings.Contains(err.Error(), "503") {
		t.Errorf("required link connecting: %v, want a 503 error", err)
	}
	resp, err := http.Get(fmt.Sprintf("http://%s/liveness", srv.Addr()))
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Errorf("liveness: %v %v", resp, err)
	}
	srv.Close()
	if err := Probe(context.Background(), url); err == nil {
		t.Error("probe of a closed server should fail")
	}
}
