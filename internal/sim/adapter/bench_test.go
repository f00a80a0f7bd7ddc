package adapter

import (
	"bytes"
	"context"
	"crypto/tls"
	"io"
	"log/slog"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/honoctl/honoctl/internal/sim/tlsconf/testpki"
)

// benchServer serves h over TLS on loopback and returns a keep-alive
// client for it.
func benchServer(b *testing.B, h http.Handler) (*http.Client, string) {
	b.Helper()
	pki := testpki.New(b)
	leaf := pki.Leaf(b, "http-adapter", []string{"localhost"})
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{leaf.Pair(b)},
		MinVersion: tls.VersionTLS12, MaxVersion: tls.VersionTLS12})
	if err != nil {
		b.Fatal(err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	b.Cleanup(func() { srv.Close() })
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	return &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pki.Pool()}}},
		"https://localhost:" + port + "/telemetry"
}

func benchPost(b *testing.B, c *http.Client, url string) {
	b.Helper()
	body := []byte(`{"temp": 5}`)
	b.ReportAllocs()
	for b.Loop() {
		req, _ := http.NewRequestWithContext(context.Background(), http.MethodPost, url, bytes.NewReader(body))
		req.SetBasicAuth("sensor1@DEFAULT_TENANT", "hono-secret")
		req.Header.Set("Content-Type", "application/json")
		resp, err := c.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusAccepted {
			b.Fatalf("status %d", resp.StatusCode)
		}
	}
}

// BenchmarkHTTPTelemetry is one device POST through the HTTP adapter over
// TLS: basic auth, the SHA-512 password check, tenant and assertion from
// an in-process registry, a downstream that takes the message at once.
func BenchmarkHTTPTelemetry(b *testing.B) {
	down := &discardDownstream{}
	h := &HTTP{Registry: newFakeRegistry(b), Downstream: down, AuthenticationRequired: true,
		Log: slog.New(slog.DiscardHandler)}
	c, url := benchServer(b, h)
	benchPost(b, c, url)
}

// BenchmarkHTTPBaseline is the reference: the same TLS server and client,
// with a handler that reads the body and answers 202.
func BenchmarkHTTPBaseline(b *testing.B) {
	c, url := benchServer(b, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusAccepted)
	}))
	benchPost(b, c, url)
}

type discardDownstream struct{}

func (discardDownstream) Send(context.Context, *Message, bool) error { return nil }
