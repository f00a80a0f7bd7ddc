package amqp

import (
	"context"
	"errors"
	"fmt"
	"sync"
)

// testBroker is a tiny store-and-forward server for tests: messages sent
// to an address queue up until a receiver on that address takes them.
type testBroker struct {
	mu     sync.Mutex
	queues map[string]chan *Message
}

func (b *testBroker) queue(addr string) chan *Message {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.queues == nil {
		b.queues = map[string]chan *Message{}
	}
	q := b.queues[addr]
	if q == nil {
		q = make(chan *Message, 1000)
		b.queues[addr] = q
	}
	return q
}

// authenticate accepts PLAIN user "consumer@HONO" / "verysecret" and
// EXTERNAL from a certificate, whose CN becomes the identity.
func testAuthenticate(_ context.Context, req *SASLRequest) (any, error) {
	switch req.Mechanism {
	case MechPlain:
		if req.AuthcID == "consumer@HONO" && req.Password == "verysecret" {
			return req.AuthcID, nil
		}
		return nil, errors.New("bad credentials")
	case MechExternal:
		if len(req.PeerCertificates) == 0 {
			return nil, errors.New("no client certificate")
		}
		return req.PeerCertificates[0].Subject.CommonName, nil
	case MechAnonymous:
		return "anonymous", nil
	}
	return nil, fmt.Errorf("mechanism %s", req.Mechanism)
}

func (b *testBroker) server() *Server {
	return &Server{
		ContainerID:  "test-broker",
		Mechanisms:   []string{MechExternal, MechPlain, MechAnonymous},
		Authenticate: testAuthenticate,
		Link:         b.serveLink,
	}
}

func (b *testBroker) serveLink(ctx context.Context, req *LinkRequest) error {
	if req.Address() == "forbidden" {
		return &Error{Condition: ErrUnauthorizedAccess, Description: "no access to forbidden"}
	}
	q := b.queue(req.Address())
	if req.Attach.Role == RoleSender {
		rcv, err := req.AcceptReceiver(&ReceiverOptions{OfferedCapabilities: []string{"hono-reg-assertion"}})
		if err != nil {
			return err
		}
		for {
			d, err := rcv.Receive(ctx)
			if err != nil {
				return nil
			}
			select {
			case q <- d.Message:
				_ = d.Accept()
			default:
				_ = d.Release()
			}
		}
	}
	snd, err := req.AcceptSender(nil)
	if err != nil {
		return err
	}
	for {
		select {
		case m := <-q:
			if err := snd.Send(ctx, m); err != nil {
				return nil
			}
		case <-ctx.Done():
			return nil
		}
	}
}
