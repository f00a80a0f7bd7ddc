package amqp

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"
)

func telemetry(i int) *Message {
	return &Message{
		Properties: &Properties{MessageID: "msg-1", To: "telemetry/DEFAULT_TENANT",
			ContentType: "application/json", CreationTime: time.UnixMilli(1_700_000_000_000).UTC()},
		ApplicationProperties: map[string]any{"device_id": "4711", "n": int64(i)},
		Data:                  [][]byte{bytes.Repeat([]byte{byte(i)}, 100)},
	}
}

func TestOwnClientAndServer(t *testing.T) {
	checkNoLeaks(t)
	p := mustPKI(t)
	b := &testBroker{}
	addr := startServer(t, b.server(), p.serverConf)
	tests := []struct {
		name     string
		sasl     *SASL
		identity string
	}{
		{"PLAIN", SASLPlain("consumer@HONO", "verysecret"), "consumer@HONO"},
		{"EXTERNAL", SASLExternal(), "hono-messaging"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := testContext(t)
			conn, err := Dial(ctx, addr, &ConnOptions{TLSConfig: p.clientConf, SASL: tt.sasl,
				HostName: "hono-internal", ContainerID: "test-client"})
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			if got := conn.RemoteOpen().ContainerID; got != "test-broker" {
				t.Errorf("remote container-id %q", got)
			}
			sess, err := conn.NewSession(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			addr := "telemetry/" + tt.name
			snd, err := sess.NewSender(ctx, addr, nil)
			if err != nil {
				t.Fatal(err)
			}
			if caps := snd.RemoteAttach().OfferedCapabilities; len(caps) != 1 || caps[0] != "hono-reg-assertion" {
				t.Errorf("offered capabilities %v", caps)
			}
			for i := range 3 {
				if err := snd.Send(ctx, telemetry(i)); err != nil {
					t.Fatalf("send %d: %v", i, err)
				}
			}
			rcv, err := sess.NewReceiver(ctx, addr, nil)
			if err != nil {
				t.Fatal(err)
			}
			for i := range 3 {
				d, err := rcv.Receive(ctx)
				if err != nil {
					t.Fatalf("receive %d: %v", i, err)
				}
				m := d.Message
				if m.ApplicationProperties["n"] != int64(i) || m.Properties.To != "telemetry/DEFAULT_TENANT" ||
					!bytes.Equal(m.Data[0], telemetry(i).Data[0]) {
					t.Errorf("message %d: %+v %+v", i, m.Properties, m.ApplicationProperties)
				}
				if err := d.Accept(); err != nil {
					t.Fatal(err)
				}
			}
			if err := snd.Close(ctx); err != nil {
				t.Errorf("close sender: %v", err)
			}
			if err := rcv.Close(ctx); err != nil {
				t.Errorf("close receiver: %v", err)
			}
			if err := sess.Close(ctx); err != nil {
				t.Errorf("close session: %v", err)
			}
			if err := conn.Close(); err != nil {
				t.Errorf("close: %v", err)
			}
		})
	}
}

func TestAttachRefused(t *testing.T) {
	checkNoLeaks(t)
	p := mustPKI(t)
	addr := startServer(t, (&testBroker{}).server(), p.serverConf)
	ctx := testContext(t)
	conn, err := Dial(ctx, addr, &ConnOptions{TLSConfig: p.clientConf, SASL: SASLExternal()})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	sess, err := conn.NewSession(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = sess.NewSender(ctx, "forbidden", nil)
	var le *LinkError
	if !errors.As(err, &le) || le.Stage != StageAttach || le.Remote == nil ||
		le.Remote.Condition != ErrUnauthorizedAccess {
		t.Fatalf("got %v, want a LinkError at attach with amqp:unauthorized-access", err)
	}
	t.Log(err)
}

func TestSASLRefused(t *testing.T) {
	checkNoLeaks(t)
	p := mustPKI(t)
	addr := startServer(t, (&testBroker{}).server(), p.serverConf)
	ctx := testContext(t)
	_, err := Dial(ctx, addr, &ConnOptions{TLSConfig: p.clientConf, SASL: SASLPlain("consumer@HONO", "wrong")})
	var ce *ConnError
	if !errors.As(err, &ce) || ce.Stage != StageSASL || ce.SASLCode != SASLAuth {
		t.Fatalf("got %v, want a ConnError at SASL with outcome auth", err)
	}
	if want := "SASL with " + addr + ": SASL outcome auth (1)"; err.Error() != want {
		t.Errorf("message %q, want %q", err, want)
	}
}

func TestTLSUntrusted(t *testing.T) {
	checkNoLeaks(t)
	p := mustPKI(t)
	addr := startServer(t, (&testBroker{}).server(), p.serverConf)
	ctx := testContext(t)
	_, err := Dial(ctx, addr, &ConnOptions{TLSConfig: newTestPKI(t).clientConf, SASL: SASLExternal()})
	var ce *ConnError
	if !errors.As(err, &ce) || ce.Stage != StageTLS {
		t.Fatalf("got %v, want a ConnError at the TLS handshake", err)
	}
	t.Log(err)
}

func TestServerShutdownClosesConns(t *testing.T) {
	checkNoLeaks(t)
	p := mustPKI(t)
	ln := startServer(t, (&testBroker{}).server(), p.serverConf)
	ctx := testContext(t)
	_ = context.Background()
	conn, err := Dial(ctx, ln, &ConnOptions{TLSConfig: p.clientConf, SASL: SASLExternal()})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
}

// TLS through the AMQP TLS header (part 5, 5.2) on a plain listener.
func TestStartTLS(t *testing.T) {
	checkNoLeaks(t)
	p := mustPKI(t)
	srv := (&testBroker{}).server()
	srv.TLSConfig = p.serverConf
	addr := startServer(t, srv, nil)
	ctx := testContext(t)
	conn, err := Dial(ctx, addr, &ConnOptions{TLSConfig: p.clientConf, StartTLS: true, SASL: SASLExternal()})
	if err != nil {
		t.Fatal(err)
	}
	if conn.TLS() == nil || len(conn.TLS().PeerCertificates) == 0 {
		t.Error("no TLS state after StartTLS")
	}
	if _, err := conn.NewSession(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if err := conn.Close(); err != nil {
		t.Error(err)
	}

	// A server without TLSConfig answers the TLS header with its own.
	plain := startServer(t, (&testBroker{}).server(), nil)
	_, err = Dial(ctx, plain, &ConnOptions{TLSConfig: p.clientConf, StartTLS: true})
	var ce *ConnError
	if !errors.As(err, &ce) || ce.Stage != StageHeader {
		t.Fatalf("got %v, want a protocol header error", err)
	}
	t.Log(err)
}
