package amqp

import (
	"bufio"
	"bytes"
	"context"
	"sync"
	"testing"
	"time"

	goamqp "github.com/Azure/go-amqp"
	"github.com/honoctl/honoctl/internal/amqp/encoding"
)

// honoTelemetry is a typical message from a Hono protocol adapter: the
// properties an adapter sets, device_id and the adapter's own application
// properties, and a 100-byte data body.
func honoTelemetry() *Message {
	return &Message{
		Properties: &Properties{
			MessageID: "b8c1f0e2-4a47-4f34-9d52-6a3c1e0f9e10", To: "telemetry/DEFAULT_TENANT",
			ContentType: "application/json", CreationTime: time.UnixMilli(1_700_000_000_000),
		},
		ApplicationProperties: map[string]any{"device_id": "4711"},
		Data:                  [][]byte{bytes.Repeat([]byte{'x'}, 100)},
	}
}

func goamqpTelemetry() *goamqp.Message {
	id, to, ct := any("b8c1f0e2-4a47-4f34-9d52-6a3c1e0f9e10"), "telemetry/DEFAULT_TENANT", "application/json"
	now := time.UnixMilli(1_700_000_000_000)
	return &goamqp.Message{
		Properties:            &goamqp.MessageProperties{MessageID: id, To: &to, ContentType: &ct, CreationTime: &now},
		ApplicationProperties: map[string]any{"device_id": "4711"},
		Data:                  [][]byte{bytes.Repeat([]byte{'x'}, 100)},
	}
}

// BenchmarkEncodeTransfer encodes a whole transfer frame: frame header,
// transfer performative and the message.
func BenchmarkEncodeTransfer(b *testing.B) {
	msg := honoTelemetry()
	var w, payload encoding.Buffer
	t := &transfer{handle: 1, hasDeliveryID: true, deliveryTag: []byte{1, 2, 3, 4}}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		w.Reset()
		payload.Reset()
		if err := msg.Marshal(&payload); err != nil {
			b.Fatal(err)
		}
		t.deliveryID = uint32(i)
		if err := appendFrame(&w, frameAMQP, 0, t, payload.Bytes()); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(int64(w.Len()))
}

// BenchmarkDecodeTransfer reads a transfer frame from a stream and decodes
// its message, as the connection's reader does.
func BenchmarkDecodeTransfer(b *testing.B) {
	var w, payload encoding.Buffer
	if err := honoTelemetry().Marshal(&payload); err != nil {
		b.Fatal(err)
	}
	_ = appendFrame(&w, frameAMQP, 0, &transfer{handle: 1, hasDeliveryID: true, deliveryTag: []byte{1, 2, 3, 4}},
		payload.Bytes())
	frame := w.Bytes()
	src := bytes.NewReader(frame)
	br := bufio.NewReader(src)
	var scratch transfer
	b.SetBytes(int64(len(frame)))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		src.Reset(frame)
		br.Reset(src)
		f, err := readFrameInto(br, 1<<16, &scratch)
		if err != nil {
			b.Fatal(err)
		}
		m, err := UnmarshalMessage(f.body.(*transfer).payload)
		if err != nil || m.ApplicationProperties["device_id"] != "4711" {
			b.Fatal(err)
		}
	}
}

// The references: go-amqp's message codec on the same message (it has no
// exported frame codec, so message only; compare with ours below).
func BenchmarkEncodeMessage(b *testing.B) {
	b.Run("ours", func(b *testing.B) {
		msg := honoTelemetry()
		var w encoding.Buffer
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			w.Reset()
			if err := msg.Marshal(&w); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("go-amqp", func(b *testing.B) {
		msg := goamqpTelemetry()
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			if _, err := msg.MarshalBinary(); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkDecodeMessage(b *testing.B) {
	var w encoding.Buffer
	if err := honoTelemetry().Marshal(&w); err != nil {
		b.Fatal(err)
	}
	data := w.Bytes()
	b.Run("ours", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			// The reader gives every frame its own buffer; so does this.
			buf := append([]byte(nil), data...)
			if _, err := UnmarshalMessage(buf); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("go-amqp", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			buf := append([]byte(nil), data...)
			var m goamqp.Message
			if err := m.UnmarshalBinary(buf); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// forwarder is a server that passes every message sent to an address on to
// the receiver attached to that address, settling the sender's delivery
// with the receiver's outcome, as a router does.
type forwarder struct {
	mu    sync.Mutex
	out   map[string]*Sender
	ready chan struct{}
}

func (f *forwarder) serveLink(ctx context.Context, req *LinkRequest) error {
	if req.Attach.Role == RoleReceiver {
		snd, err := req.AcceptSender(nil)
		if err != nil {
			return err
		}
		f.mu.Lock()
		f.out[req.Address()] = snd
		f.mu.Unlock()
		close(f.ready)
		<-ctx.Done()
		return nil
	}
	<-f.ready
	f.mu.Lock()
	out := f.out[req.Address()]
	f.mu.Unlock()
	rcv, err := req.AcceptReceiver(&ReceiverOptions{Credit: 500})
	if err != nil {
		return err
	}
	type pending struct {
		d *Delivery
		t *Tracker
	}
	settle := make(chan pending, 1000)
	defer close(settle)
	go func() {
		for p := range settle {
			select {
			case <-p.t.Done():
				_ = p.d.Settle(p.t.State())
			case <-ctx.Done():
			}
		}
	}()
	for {
		d, err := rcv.Receive(ctx)
		if err != nil {
			return nil
		}
		t, err := out.SendAsync(ctx, d.Message)
		if err != nil {
			return nil
		}
		if t != nil && !d.Settled {
			settle <- pending{d, t}
		}
	}
}

// BenchmarkThroughputTLS measures messages per second through our server
// over TLS on loopback, go-amqp sender to go-amqp receiver.
func BenchmarkThroughputTLS(b *testing.B) {
	for _, mode := range []struct {
		name     string
		settled  bool
		senders  int
		settleMd goamqp.SenderSettleMode
	}{
		{"pre-settled", true, 1, goamqp.SenderSettleModeSettled},
		{"at-least-once", false, 64, goamqp.SenderSettleModeUnsettled},
	} {
		b.Run(mode.name, func(b *testing.B) {
			p := mustPKI(b)
			f := &forwarder{out: map[string]*Sender{}, ready: make(chan struct{})}
			addr := startServer(b, &Server{Mechanisms: []string{MechPlain}, Link: f.serveLink}, p.serverConf)
			ctx := testContext(b)
			sendConn := goamqpDial(b, ctx, addr, goamqp.SASLTypePlain("u", "p"))
			recvConn := goamqpDial(b, ctx, addr, goamqp.SASLTypePlain("u", "p"))
			rs, _ := recvConn.NewSession(ctx, nil)
			rcv, err := rs.NewReceiver(ctx, "telemetry", &goamqp.ReceiverOptions{Credit: 1000,
				RequestedSenderSettleMode: mode.settleMd.Ptr()})
			if err != nil {
				b.Fatal(err)
			}
			ss, _ := sendConn.NewSession(ctx, nil)
			snd, err := ss.NewSender(ctx, "telemetry", &goamqp.SenderOptions{SettlementMode: mode.settleMd.Ptr()})
			if err != nil {
				b.Fatal(err)
			}
			msg := goamqpTelemetry()
			b.ReportAllocs()
			b.ResetTimer()
			start := time.Now()
			errs := make(chan error, mode.senders+1)
			go func() {
				for i := 0; i < b.N; i++ {
					m, err := rcv.Receive(ctx, nil)
					if err == nil && !mode.settled {
						err = rcv.AcceptMessage(ctx, m)
					}
					if err != nil {
						errs <- err
						return
					}
				}
				errs <- nil
			}()
			var wg sync.WaitGroup
			for s := 0; s < mode.senders; s++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := s; i < b.N; i += mode.senders {
						if err := snd.Send(ctx, msg, nil); err != nil {
							errs <- err
							return
						}
					}
				}()
			}
			wg.Wait()
			if err := <-errs; err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "msg/s")
		})
	}
}

// BenchmarkThroughputTLSOwnClient is the same path with our client at both
// ends: a reference for how much of the go-amqp figure is the server's.
func BenchmarkThroughputTLSOwnClient(b *testing.B) {
	for _, mode := range []struct {
		name string
		sm   SenderSettleMode
	}{{"pre-settled", SenderSettled}, {"at-least-once", SenderUnsettled}} {
		b.Run(mode.name, func(b *testing.B) {
			p := mustPKI(b)
			f := &forwarder{out: map[string]*Sender{}, ready: make(chan struct{})}
			addr := startServer(b, &Server{Mechanisms: []string{MechPlain}, Link: f.serveLink}, p.serverConf)
			ctx := testContext(b)
			dial := func() *Session {
				c, err := Dial(ctx, addr, &ConnOptions{TLSConfig: p.clientConf, SASL: SASLPlain("u", "p")})
				if err != nil {
					b.Fatal(err)
				}
				b.Cleanup(func() { _ = c.Close() })
				s, err := c.NewSession(ctx, nil)
				if err != nil {
					b.Fatal(err)
				}
				return s
			}
			rcv, err := dial().NewReceiver(ctx, "telemetry", &ReceiverOptions{Credit: 1000, SettleMode: mode.sm})
			if err != nil {
				b.Fatal(err)
			}
			snd, err := dial().NewSender(ctx, "telemetry", &SenderOptions{SettleMode: mode.sm})
			if err != nil {
				b.Fatal(err)
			}
			msg := honoTelemetry()
			b.ReportAllocs()
			b.ResetTimer()
			start := time.Now()
			errs := make(chan error, 2)
			go func() {
				for i := 0; i < b.N; i++ {
					d, err := rcv.Receive(ctx)
					if err == nil {
						err = d.Accept()
					}
					if err != nil {
						errs <- err
						return
					}
				}
				errs <- nil
			}()
			inflight := make(chan *Tracker, 256)
			go func() {
				for t := range inflight {
					if err := t.Wait(ctx); err != nil {
						errs <- err
						return
					}
				}
			}()
			for i := 0; i < b.N; i++ {
				t, err := snd.SendAsync(ctx, msg)
				if err != nil {
					b.Fatal(err)
				}
				if t != nil {
					inflight <- t
				}
			}
			close(inflight)
			if err := <-errs; err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "msg/s")
		})
	}
}
