package amqp

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	goamqp "github.com/Azure/go-amqp"
)

// go-amqp (github.com/Azure/go-amqp) is a client we did not write; these
// tests run it against our server.

func goamqpDial(t testing.TB, ctx context.Context, addr string, sasl goamqp.SASLType) *goamqp.Conn {
	t.Helper()
	p := mustPKI(t)
	conn, err := goamqp.Dial(ctx, "amqps://"+addr, &goamqp.ConnOptions{
		TLSConfig: p.clientConf, SASLType: sasl, HostName: "hono-internal", ContainerID: "go-amqp-client",
	})
	if err != nil {
		t.Fatalf("go-amqp dial: %v", err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return conn
}

func TestGoAMQPClient(t *testing.T) {
	checkNoLeaks(t)
	p := mustPKI(t)
	var mu sync.Mutex
	var opened []*Open
	var identities []any
	b := &testBroker{}
	srv := b.server()
	srv.Open = func(_ context.Context, req *OpenRequest) error {
		mu.Lock()
		defer mu.Unlock()
		opened = append(opened, req.Remote)
		identities = append(identities, req.Conn.Identity())
		req.Reply.OfferedCapabilities = []string{"ADDRESS-AUTHZ"}
		req.Reply.Properties = map[string]any{"authenticated-identity": "x"}
		return nil
	}
	addr := startServer(t, srv, p.serverConf)
	tests := []struct {
		name     string
		sasl     goamqp.SASLType
		identity string
		mode     goamqp.SenderSettleMode
	}{
		{"PLAIN at least once", goamqp.SASLTypePlain("consumer@HONO", "verysecret"), "consumer@HONO",
			goamqp.SenderSettleModeUnsettled},
		{"EXTERNAL pre-settled", goamqp.SASLTypeExternal(""), "hono-messaging", goamqp.SenderSettleModeSettled},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := testContext(t)
			conn := goamqpDial(t, ctx, addr, tt.sasl)
			mu.Lock()
			if len(opened) != i+1 || opened[i].Hostname != "hono-internal" || opened[i].ContainerID != "go-amqp-client" ||
				identities[i] != tt.identity {
				t.Errorf("server saw open %+v, identity %v", opened[i], identities[i])
			}
			mu.Unlock()
			if got := conn.Properties()["authenticated-identity"]; got != "x" {
				t.Errorf("go-amqp saw our open properties %v", conn.Properties())
			}
			sess, err := conn.NewSession(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			q := fmt.Sprintf("q%d", i)
			snd, err := sess.NewSender(ctx, q, &goamqp.SenderOptions{SettlementMode: tt.mode.Ptr()})
			if err != nil {
				t.Fatal(err)
			}
			const n = 50
			for j := range n {
				m := goamqp.NewMessage(bytes.Repeat([]byte{byte(j)}, 100))
				m.ApplicationProperties = map[string]any{"device_id": "4711", "j": int64(j)}
				m.Properties = &goamqp.MessageProperties{To: &q}
				if err := snd.Send(ctx, m, nil); err != nil {
					t.Fatalf("send %d: %v", j, err)
				}
			}
			rcv, err := sess.NewReceiver(ctx, q, &goamqp.ReceiverOptions{Credit: 7})
			if err != nil {
				t.Fatal(err)
			}
			for j := range n {
				m, err := rcv.Receive(ctx, nil)
				if err != nil {
					t.Fatalf("receive %d: %v", j, err)
				}
				if m.ApplicationProperties["j"] != int64(j) || len(m.GetData()) != 100 || *m.Properties.To != q {
					t.Errorf("message %d: %v %v", j, m.ApplicationProperties, m.Properties)
				}
				if err := rcv.AcceptMessage(ctx, m); err != nil {
					t.Fatal(err)
				}
			}
			for _, c := range []interface{ Close(context.Context) error }{snd, rcv, sess} {
				if err := c.Close(ctx); err != nil {
					t.Errorf("close %T: %v", c, err)
				}
			}
			if err := conn.Close(); err != nil {
				t.Errorf("close conn: %v", err)
			}
		})
	}
}

// A message rejected by our server reaches go-amqp as *goamqp.Error with
// the condition, and so does a refused attach.
func TestGoAMQPRejectAndRefuse(t *testing.T) {
	checkNoLeaks(t)
	p := mustPKI(t)
	srv := &Server{Mechanisms: []string{MechPlain}, Link: func(ctx context.Context, req *LinkRequest) error {
		if req.Address() == "forbidden" {
			return &Error{Condition: ErrNotAllowed, Description: "not here"}
		}
		rcv, err := req.AcceptReceiver(nil)
		if err != nil {
			return err
		}
		d, err := rcv.Receive(ctx)
		if err != nil {
			return nil
		}
		_ = d.Reject(&Error{Condition: ErrDecodeError, Description: "content-type missing"})
		<-ctx.Done()
		return nil
	}}
	addr := startServer(t, srv, p.serverConf)
	ctx := testContext(t)
	conn := goamqpDial(t, ctx, addr, goamqp.SASLTypePlain("u", "p"))
	sess, err := conn.NewSession(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = sess.NewSender(ctx, "forbidden", nil)
	var ae *goamqp.Error
	if !errors.As(err, &ae) || ae.Condition != goamqp.ErrCond(ErrNotAllowed) {
		t.Errorf("attach: got %v, want amqp:not-allowed", err)
	}
	snd, err := sess.NewSender(ctx, "telemetry", nil)
	if err != nil {
		t.Fatal(err)
	}
	err = snd.Send(ctx, goamqp.NewMessage([]byte("x")), nil)
	if !errors.As(err, &ae) || ae.Condition != goamqp.ErrCond(ErrDecodeError) || ae.Description != "content-type missing" {
		t.Errorf("send: got %v, want the rejection with amqp:decode-error", err)
	}
	closeCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	_ = snd.Close(closeCtx)
	_ = conn.Close()
}

// A go-amqp receiver in rcv-settle-mode second waits for our sender to
// settle after its outcome (part 2, 2.6.12).
func TestGoAMQPReceiverSettleSecond(t *testing.T) {
	checkNoLeaks(t)
	p := mustPKI(t)
	b := &testBroker{}
	addr := startServer(t, b.server(), p.serverConf)
	ctx := testContext(t)
	b.queue("second") <- NewMessage([]byte("one"))
	conn := goamqpDial(t, ctx, addr, goamqp.SASLTypeExternal(""))
	sess, err := conn.NewSession(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	rcv, err := sess.NewReceiver(ctx, "second", &goamqp.ReceiverOptions{
		SettlementMode: goamqp.ReceiverSettleModeSecond.Ptr()})
	if err != nil {
		t.Fatal(err)
	}
	m, err := rcv.Receive(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := rcv.AcceptMessage(ctx, m); err != nil {
		t.Fatalf("accept in mode second: %v", err)
	}
	if err := rcv.Close(ctx); err != nil {
		t.Error(err)
	}
	_ = conn.Close()
}

// Messages over the frame size travel in several transfers both ways
// between go-amqp and our server, each side splitting by the other's limit.
func TestGoAMQPMultiFrame(t *testing.T) {
	checkNoLeaks(t)
	p := mustPKI(t)
	b := &testBroker{}
	srv := b.server()
	srv.MaxFrameSize = 1024
	addr := startServer(t, srv, p.serverConf)
	ctx := testContext(t)
	conn, err := goamqp.Dial(ctx, "amqps://"+addr, &goamqp.ConnOptions{
		TLSConfig: p.clientConf, SASLType: goamqp.SASLTypeExternal(""), MaxFrameSize: 600})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	sess, err := conn.NewSession(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	snd, err := sess.NewSender(ctx, "big", nil)
	if err != nil {
		t.Fatal(err)
	}
	body := bytes.Repeat([]byte("hono"), 5000)
	if err := snd.Send(ctx, goamqp.NewMessage(body), nil); err != nil {
		t.Fatal(err)
	}
	rcv, err := sess.NewReceiver(ctx, "big", nil)
	if err != nil {
		t.Fatal(err)
	}
	m, err := rcv.Receive(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(m.GetData(), body) {
		t.Errorf("got %d bytes back", len(m.GetData()))
	}
	_ = rcv.AcceptMessage(ctx, m)
}
