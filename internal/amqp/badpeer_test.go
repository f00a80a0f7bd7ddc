package amqp

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/honoctl/honoctl/internal/amqp/encoding"
)

// rawPeer is a hand-driven peer that can break the protocol on purpose.
type rawPeer struct {
	t  *testing.T
	nc net.Conn
	br *bufio.Reader
}

func dialRaw(t *testing.T, addr string) *rawPeer {
	t.Helper()
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = nc.Close() })
	_ = nc.SetDeadline(time.Now().Add(10 * time.Second))
	return &rawPeer{t: t, nc: nc, br: bufio.NewReader(nc)}
}

func (p *rawPeer) write(b []byte) {
	p.t.Helper()
	if _, err := p.nc.Write(b); err != nil {
		p.t.Fatal(err)
	}
}

func (p *rawPeer) frame(typ byte, body encoder) {
	p.t.Helper()
	var w encoding.Buffer
	if err := appendFrame(&w, typ, 0, body, nil); err != nil {
		p.t.Fatal(err)
	}
	p.write(w.Bytes())
}

func (p *rawPeer) header(want byte) {
	p.t.Helper()
	if err := expectHeader(p.br, want); err != nil {
		p.t.Fatal(err)
	}
}

func (p *rawPeer) read() any {
	p.t.Helper()
	f, err := readFrame(p.br, 1<<20)
	if err != nil {
		p.t.Fatalf("reading the server's frame: %v", err)
	}
	return f.body
}

// open runs the headers and open exchange against a server without SASL.
func (p *rawPeer) open() {
	p.t.Helper()
	p.write(protoHeader(protoAMQP))
	p.header(protoAMQP)
	p.frame(frameAMQP, &Open{ContainerID: "raw", MaxFrameSize: 65536, ChannelMax: 1})
	if _, ok := p.read().(*Open); !ok {
		p.t.Fatal("no open from the server")
	}
}

// expectClose reads frames until the server's close and checks its condition,
// then checks that the server closes the socket.
func (p *rawPeer) expectClose(cond Condition) {
	p.t.Helper()
	for {
		body := p.read()
		if c, ok := body.(*closeFrame); ok {
			if c.err == nil || c.err.Condition != cond {
				p.t.Fatalf("server closed with %v, want %s", c.err, cond)
			}
			p.t.Logf("server closed with %v", c.err)
			break
		}
	}
	p.expectEOF()
}

func (p *rawPeer) expectEOF() {
	p.t.Helper()
	if _, err := io.ReadAll(p.br); err != nil {
		p.t.Fatalf("want the server to close the socket, got %v", err)
	}
}

func plainServer(t *testing.T, mechs ...string) string {
	t.Helper()
	b := &testBroker{}
	srv := b.server()
	srv.Mechanisms = mechs
	return startServer(t, srv, nil)
}

func TestBadPeerProtocolHeader(t *testing.T) {
	checkNoLeaks(t)
	p := dialRaw(t, plainServer(t, MechPlain))
	p.write([]byte("GET / HTTP/1.1\r\n\r\n"))
	// Part 2, 2.2: answer with the header we support, then close.
	p.header(protoSASL)
	p.expectEOF()
}

func TestBadPeerSkipsSASL(t *testing.T) {
	checkNoLeaks(t)
	p := dialRaw(t, plainServer(t, MechPlain))
	p.write(protoHeader(protoAMQP))
	p.header(protoSASL)
	p.expectEOF()
}

func TestBadPeerFrameTooLarge(t *testing.T) {
	checkNoLeaks(t)
	p := dialRaw(t, plainServer(t))
	p.open()
	p.write([]byte{0x00, 0x10, 0x00, 0x00, 2, 0, 0, 0}) // 1 MiB, over our 64 KiB
	p.expectClose(ErrFramingError)
}

func TestBadPeerTruncatedFrame(t *testing.T) {
	checkNoLeaks(t)
	p := dialRaw(t, plainServer(t))
	p.open()
	// A begin whose list claims more bytes than the frame holds.
	p.write([]byte{0, 0, 0, 16, 2, 0, 0, 0, 0x00, 0x53, 0x11, 0xc0, 0x20, 0x04, 0x40, 0x43})
	p.expectClose(ErrDecodeError)
}

func TestBadPeerTruncatedAtEOF(t *testing.T) {
	checkNoLeaks(t)
	p := dialRaw(t, plainServer(t))
	p.open()
	p.write([]byte{0, 0, 1, 0, 2, 0, 0, 0, 0x00, 0x53})
	_ = p.nc.(*net.TCPConn).CloseWrite()
	p.expectEOF()
}

func TestBadPeerUnknownMechanism(t *testing.T) {
	checkNoLeaks(t)
	p := dialRaw(t, plainServer(t, MechPlain, MechExternal))
	p.write(protoHeader(protoSASL))
	p.header(protoSASL)
	if m, ok := p.read().(*saslMechanisms); !ok || strings.Join(m.mechanisms, " ") != "PLAIN EXTERNAL" {
		t.Fatalf("mechanisms: %+v", m)
	}
	p.frame(frameSASL, &saslInit{mechanism: "CRAM-MD5", response: []byte("x")})
	o, ok := p.read().(*saslOutcome)
	if !ok || o.code != SASLAuth {
		t.Fatalf("outcome %+v, want auth (1)", o)
	}
	p.expectEOF()
}

func TestBadPeerTransferOnUnattachedLink(t *testing.T) {
	checkNoLeaks(t)
	p := dialRaw(t, plainServer(t))
	p.open()
	p.frame(frameAMQP, &begin{nextOutgoingID: 0, incomingWindow: 10, outgoingWindow: 10})
	if _, ok := p.read().(*begin); !ok {
		t.Fatal("no begin from the server")
	}
	var w encoding.Buffer
	_ = appendFrame(&w, frameAMQP, 0, &transfer{handle: 7, hasDeliveryID: true, deliveryTag: []byte{1}},
		[]byte{0x00, 0x53, 0x77, 0x40})
	p.write(w.Bytes())
	p.expectClose(ErrUnattachedHandle)
}

func TestBadPeerIdle(t *testing.T) {
	checkNoLeaks(t)
	b := &testBroker{}
	srv := b.server()
	srv.Mechanisms = nil
	srv.IdleTimeout = 200 * time.Millisecond
	p := dialRaw(t, startServer(t, srv, nil))
	p.open()
	p.expectClose(ErrResourceLimit)
}

// Our client tells a port that does not speak AMQP from a refused one.
func TestDialNotAMQP(t *testing.T) {
	checkNoLeaks(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		nc, err := ln.Accept()
		if err == nil {
			_, _ = nc.Write([]byte("HTTP/1.0 400 Bad Request\r\n\r\n"))
			_ = nc.Close()
		}
	}()
	_, err = Dial(testContext(t), ln.Addr().String(), nil)
	var ce *ConnError
	if !errors.As(err, &ce) || ce.Stage != StageHeader || !strings.Contains(err.Error(), "not an AMQP 1.0 protocol header") {
		t.Fatalf("got %v", err)
	}
	addr := ln.Addr().String()
	ln.Close()
	_, err = Dial(testContext(t), addr, nil)
	if !errors.As(err, &ce) || ce.Stage != StageTCP {
		t.Fatalf("got %v, want a TCP stage error", err)
	}
	t.Log(err)
}

func TestDialPlainToTLSPort(t *testing.T) {
	checkNoLeaks(t)
	p := mustPKI(t)
	addr := startServer(t, (&testBroker{}).server(), p.serverConf)
	_, err := Dial(testContext(t), addr, &ConnOptions{SASL: SASLExternal()})
	var ce *ConnError
	if !errors.As(err, &ce) || ce.Stage != StageHeader {
		t.Fatalf("got %v", err)
	}
	t.Log(err)
	if !bytes.Contains([]byte(err.Error()), []byte("protocol header")) {
		t.Errorf("message %q", err)
	}
}

func TestBadPeerFrameType(t *testing.T) {
	checkNoLeaks(t)
	p := dialRaw(t, plainServer(t))
	p.open()
	p.write([]byte{0, 0, 0, 12, 2, 7, 0, 0, 0x00, 0x53, 0x17, 0x45})
	p.expectClose(ErrFramingError)
}

// Our client facing a server that sends a frame over our max-frame-size
// closes with amqp:connection:framing-error and ends cleanly.
func TestClientBadServerFrame(t *testing.T) {
	checkNoLeaks(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	got := make(chan any, 1)
	go func() {
		nc, err := ln.Accept()
		if err != nil {
			got <- err
			return
		}
		defer nc.Close()
		_ = nc.SetDeadline(time.Now().Add(10 * time.Second))
		br := bufio.NewReader(nc)
		if err := expectHeader(br, protoAMQP); err != nil {
			got <- err
			return
		}
		var w encoding.Buffer
		w.Write(protoHeader(protoAMQP))
		_ = appendFrame(&w, frameAMQP, 0, &Open{ContainerID: "bad", MaxFrameSize: 65536, ChannelMax: 1}, nil)
		_, _ = nc.Write(w.Bytes())
		time.Sleep(50 * time.Millisecond) // so the client is past its handshake
		_, _ = nc.Write([]byte{0x7f, 0, 0, 0, 2, 0, 0, 0})
		for {
			f, err := readFrame(br, 1<<20)
			if err != nil {
				got <- err
				return
			}
			if c, ok := f.body.(*closeFrame); ok {
				got <- c.err
				return
			}
		}
	}()
	conn, err := Dial(testContext(t), ln.Addr().String(), &ConnOptions{MaxFrameSize: 4096})
	if err == nil {
		<-conn.Done()
		err = conn.Err()
	}
	if !strings.Contains(err.Error(), "exceeds max-frame-size 4096") {
		t.Errorf("client reports %v", err)
	}
	if e, ok := (<-got).(*Error); !ok || e.Condition != ErrFramingError {
		t.Errorf("server got %v, want a close with %s", e, ErrFramingError)
	}
}
