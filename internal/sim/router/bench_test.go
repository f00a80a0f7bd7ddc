package router

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"os"
	"testing"

	goamqp "github.com/Azure/go-amqp"

	"github.com/honoctl/honoctl/internal/amqp"
	"github.com/honoctl/honoctl/internal/sim/hono/simtest"
)

// benchSender is go-amqp with Hono Messaging's certificate, sending
// unsettled telemetry to addr and waiting for each outcome.
func benchSender(b *testing.B, st *simtest.Stack, addr string) *goamqp.Sender {
	b.Helper()
	ctx := context.Background()
	conn, err := goamqp.Dial(ctx, "amqps://"+addr, &goamqp.ConnOptions{
		TLSConfig: st.ClientTLS(b, "localhost", "hono-messaging"), SASLType: goamqp.SASLTypeExternal(""),
		HostName: "hono-internal"})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { conn.Close() })
	sess, err := conn.NewSession(ctx, nil)
	if err != nil {
		b.Fatal(err)
	}
	snd, err := sess.NewSender(ctx, "telemetry/DEFAULT_TENANT", nil)
	if err != nil {
		b.Fatal(err)
	}
	return snd
}

func sendAll(b *testing.B, snd *goamqp.Sender) {
	b.Helper()
	ctx := context.Background()
	msg := telemetry(`{"temp": 5}`)
	b.ResetTimer()
	for range b.N {
		if err := snd.Send(ctx, msg, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRouterForward: one unsettled telemetry message at a time from
// a sender on 5673 through the router to a consumer on 5671 and its
// outcome back: two TLS hops and the routing.
func BenchmarkRouterForward(b *testing.B) {
	st := simtest.NewStack(b)
	rs := newRouterStack(b, st, "")
	rcv, err := rs.consumer(b, "consumer@HONO", "verysecret").NewReceiver(context.Background(),
		"telemetry/DEFAULT_TENANT", &goamqp.ReceiverOptions{Credit: 100})
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	b.Cleanup(cancel)
	go func() {
		for {
			m, err := rcv.Receive(ctx, nil)
			if err != nil {
				return
			}
			_ = rcv.AcceptMessage(ctx, m)
		}
	}()
	sendAll(b, benchSender(b, st, rs.internal))
}

// BenchmarkDirectReference is the reference for BenchmarkRouterForward:
// the same sender to a server of the same AMQP stack that accepts each
// message itself (one TLS hop, no routing).
func BenchmarkDirectReference(b *testing.B) {
	st := simtest.NewStack(b)
	pair, err := tls.LoadX509KeyPair(st.File("qdrouter-cert.pem"), st.File("qdrouter-key.pem"))
	if err != nil {
		b.Fatal(err)
	}
	pem, err := os.ReadFile(st.File("trusted-certs.pem"))
	if err != nil {
		b.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem)
	conf := &tls.Config{Certificates: []tls.Certificate{pair}, ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: pool}
	srv := &amqp.Server{
		ContainerID: "reference",
		Mechanisms:  []string{amqp.MechExternal},
		Link: func(ctx context.Context, req *amqp.LinkRequest) error {
			rcv, err := req.AcceptReceiver(nil)
			if err != nil {
				return err
			}
			for {
				d, err := rcv.Receive(ctx)
				if err != nil {
					return nil
				}
				_ = d.Accept()
			}
		},
	}
	ln := simtest.Listen(b)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = srv.Serve(ctx, tls.NewListener(ln, conf)); close(done) }()
	b.Cleanup(func() { cancel(); <-done })
	sendAll(b, benchSender(b, st, ln.Addr().String()))
}
