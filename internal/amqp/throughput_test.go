package amqp

import (
	"context"
	"sync"
	"testing"
	"time"

	goamqp "github.com/Azure/go-amqp"
)

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
