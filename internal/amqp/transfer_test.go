package amqp

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"
)

// Messages larger than a frame travel in several transfer frames, in both
// directions, and the receiver's max-frame-size is what limits them.
func TestMultiFrameTransfers(t *testing.T) {
	checkNoLeaks(t)
	p := mustPKI(t)
	b := &testBroker{}
	srv := b.server()
	srv.MaxFrameSize = 1024
	addr := startServer(t, srv, p.serverConf)
	ctx := testContext(t)
	conn, err := Dial(ctx, addr, &ConnOptions{TLSConfig: p.clientConf, SASL: SASLExternal(), MaxFrameSize: 512})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if conn.maxFrameOut != 1024 {
		t.Errorf("we may send frames of %d bytes, want the server's 1024", conn.maxFrameOut)
	}
	sess, err := conn.NewSession(ctx, &SessionOptions{IncomingWindow: 4})
	if err != nil {
		t.Fatal(err)
	}
	snd, err := sess.NewSender(ctx, "big", nil)
	if err != nil {
		t.Fatal(err)
	}
	body := bytes.Repeat([]byte("0123456789abcdef"), 1000) // 16000 bytes: 16+ frames out, 32+ in
	for range 3 {
		if err := snd.Send(ctx, NewMessage(body)); err != nil {
			t.Fatal(err)
		}
	}
	rcv, err := sess.NewReceiver(ctx, "big", &ReceiverOptions{Credit: 1})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		d, err := rcv.Receive(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(d.Message.Data[0], body) {
			t.Fatalf("message %d: %d bytes back", i, len(d.Message.Data[0]))
		}
		_ = d.Accept()
	}
}

func TestMessageSizeLimit(t *testing.T) {
	checkNoLeaks(t)
	b := &testBroker{}
	srv := b.server()
	srv.Mechanisms = nil
	srv.MaxMessageSize = 4096
	addr := startServer(t, srv, nil)
	ctx := testContext(t)
	conn, err := Dial(ctx, addr, &ConnOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	sess, err := conn.NewSession(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	snd, err := sess.NewSender(ctx, "q", nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := snd.RemoteAttach().MaxMessageSize; got != 4096 {
		t.Errorf("server announced max-message-size %d", got)
	}
	err = snd.Send(ctx, NewMessage(make([]byte, 100_000)))
	var le *LinkError
	if !errors.As(err, &le) || le.Remote == nil || le.Remote.Condition != ErrMessageSizeExceed {
		t.Fatalf("got %v, want the link detached with %s", err, ErrMessageSizeExceed)
	}
}

// Heartbeats keep a connection with idle timeouts on both sides open.
func TestHeartbeats(t *testing.T) {
	checkNoLeaks(t)
	b := &testBroker{}
	srv := b.server()
	srv.Mechanisms = nil
	srv.IdleTimeout = time.Second
	addr := startServer(t, srv, nil)
	ctx := testContext(t)
	conn, err := Dial(ctx, addr, &ConnOptions{IdleTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	select {
	case <-conn.Done():
		t.Fatalf("connection ended: %v", conn.Err())
	case <-time.After(2500 * time.Millisecond):
	}
	if _, err := conn.NewSession(ctx, nil); err != nil {
		t.Fatal(err)
	}
}

// The application closes a connection with a condition (Hono's Auth Server:
// hono:inactivity) and the peer's error says so.
func TestServerClosesWithCondition(t *testing.T) {
	checkNoLeaks(t)
	srv := &Server{Open: func(_ context.Context, req *OpenRequest) error {
		go func() {
			time.Sleep(50 * time.Millisecond)
			_ = req.Conn.CloseWithError(&Error{Condition: ErrHonoInactivity, Description: "no token requested"})
		}()
		return nil
	}}
	addr := startServer(t, srv, nil)
	ctx := testContext(t)
	conn, err := Dial(ctx, addr, nil)
	if err != nil {
		t.Fatal(err)
	}
	<-conn.Done()
	var ce *ConnError
	if err := conn.Err(); !errors.As(err, &ce) || ce.Remote == nil || ce.Remote.Condition != ErrHonoInactivity {
		t.Fatalf("got %v", err)
	}
	if err := conn.Close(); err == nil {
		t.Error("Close after the peer's close with an error returned nil")
	}
}

func TestOpenRefused(t *testing.T) {
	checkNoLeaks(t)
	srv := &Server{Open: func(_ context.Context, req *OpenRequest) error {
		if req.Remote.Hostname != "hono" {
			return &Error{Condition: ErrNotFound, Description: "unknown vhost " + req.Remote.Hostname}
		}
		return nil
	}}
	addr := startServer(t, srv, nil)
	_, err := Dial(testContext(t), addr, &ConnOptions{HostName: "elsewhere"})
	var ce *ConnError
	if !errors.As(err, &ce) || ce.Stage != StageOpen || ce.Remote == nil || ce.Remote.Condition != ErrNotFound {
		t.Fatalf("got %v", err)
	}
	t.Log(err)
}

// An Open handler may close the connection right away; the peer then sees
// our open followed by the close.
func TestCloseFromOpenHandler(t *testing.T) {
	checkNoLeaks(t)
	srv := &Server{Open: func(_ context.Context, req *OpenRequest) error {
		return req.Conn.CloseWithError(&Error{Condition: ErrUnauthorizedAccess, Description: "go away"})
	}}
	addr := startServer(t, srv, nil)
	start := time.Now()
	conn, err := Dial(testContext(t), addr, nil)
	var ce *ConnError
	if err == nil {
		<-conn.Done()
		err = conn.Err()
	}
	if !errors.As(err, &ce) || ce.Remote == nil || ce.Remote.Condition != ErrUnauthorizedAccess {
		t.Fatalf("got %v", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("took %s", d)
	}
}
