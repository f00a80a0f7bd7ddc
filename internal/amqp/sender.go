package amqp

import (
	"context"
	"encoding/binary"
	"sync"

	"github.com/honoctl/honoctl/internal/amqp/encoding"
)

// Sender is the sending end of a link: ours on the client side, or the
// server's end of a link on which the peer receives.
type Sender struct {
	l *link
}

// NewSender attaches a sending link to target.
func (s *Session) NewSender(ctx context.Context, target string, opts *SenderOptions) (*Sender, error) {
	if opts == nil {
		opts = &SenderOptions{}
	}
	a := &Attach{
		Name: opts.Name, Role: RoleSender,
		SndSettleMode: opts.SettleMode, RcvSettleMode: opts.ReceiverSettleMode,
		Source:              &Source{Address: opts.SourceAddress},
		Target:              &Target{Address: target},
		OfferedCapabilities: opts.OfferedCapabilities,
		DesiredCapabilities: opts.DesiredCapabilities,
		Properties:          opts.Properties,
	}
	if a.Name == "" {
		a.Name = randomName("sender-")
	}
	l := newLink(s, RoleSender, a)
	if err := l.attach(ctx); err != nil {
		return nil, err
	}
	return &Sender{l: l}, nil
}

var bufPool = sync.Pool{New: func() any { return new(encoding.Buffer) }}

// Send transfers msg once the receiver has granted credit. An unsettled
// (at-least-once) sender waits for the disposition: nil when accepted, a
// *DeliveryError otherwise. A pre-settled sender returns once the frames
// are queued for writing.
func (s *Sender) Send(ctx context.Context, msg *Message) error {
	t, err := s.SendAsync(ctx, msg)
	if err != nil || t == nil {
		return err
	}
	return t.Wait(ctx)
}

// SendAsync is Send without waiting for the disposition: it returns once
// the message is queued, with a Tracker for its outcome (nil for a
// pre-settled sender). It lets a server forward messages without a round
// trip each.
func (s *Sender) SendAsync(ctx context.Context, msg *Message) (*Tracker, error) {
	buf := bufPool.Get().(*encoding.Buffer)
	defer func() { buf.Reset(); bufPool.Put(buf) }()
	if err := msg.Marshal(buf); err != nil {
		return nil, s.l.linkErr(StageTransfer, nil, err)
	}
	if err := s.takeCredit(ctx); err != nil {
		return nil, err
	}
	return s.transfer(ctx, msg, buf.Bytes())
}

// takeCredit waits until the receiver has granted credit and uses one.
func (s *Sender) takeCredit(ctx context.Context) error {
	l, sess := s.l, s.l.s
	for {
		sess.mu.Lock()
		if l.err != nil {
			sess.mu.Unlock()
			return l.err
		}
		if l.credit > 0 {
			l.credit--
			l.deliveryCount++
			sess.mu.Unlock()
			return nil
		}
		sess.mu.Unlock()
		if err := l.wait(ctx, l.creditCh); err != nil {
			return s.l.linkErr(StageTransfer, nil, err)
		}
	}
}

// transfer sends payload as one delivery, in as many frames as the peer's
// max-frame-size needs, each within the session's window.
func (s *Sender) transfer(ctx context.Context, msg *Message, payload []byte) (*Tracker, error) {
	l, sess := s.l, s.l.s
	c := sess.conn
	if err := s.waitWriter(ctx); err != nil {
		return nil, err
	}
	sess.sendMu.Lock()
	defer sess.sendMu.Unlock()

	settled := l.local.SndSettleMode == SenderSettled
	sess.mu.Lock()
	l.nextTag++
	t := &transfer{handle: l.handle, hasDeliveryID: true, deliveryID: sess.nextDeliveryID,
		deliveryTag: binary.AppendUvarint(nil, l.nextTag), messageFormat: msg.Format, settled: settled}
	sess.nextDeliveryID++
	var tr *Tracker
	if !settled {
		tr = &Tracker{link: l, id: t.deliveryID, done: make(chan struct{})}
		sess.unsettled[t.deliveryID] = tr
	}
	sess.mu.Unlock()

	for first := true; first || len(payload) > 0; first = false {
		if err := sess.takeWindow(ctx, l); err != nil {
			return nil, err
		}
		var err error
		if payload, err = c.queueTransfer(sess.channel, t, payload); err != nil {
			return nil, l.linkErr(StageTransfer, nil, err)
		}
		t = &transfer{handle: l.handle, more: false}
	}
	return tr, nil
}

// waitWriter holds a sender back while the connection's write buffer is full.
func (s *Sender) waitWriter(ctx context.Context) error {
	c := s.l.s.conn
	for c.pending() > maxPending {
		select {
		case <-c.drained:
		case <-c.done:
			return c.closedErr()
		case <-ctx.Done():
			return s.l.linkErr(StageTransfer, nil, ctx.Err())
		}
	}
	return nil
}

// Credit is the credit the receiver has granted and we have not used.
func (s *Sender) Credit() uint32 {
	s.l.s.mu.Lock()
	defer s.l.s.mu.Unlock()
	return s.l.credit
}

// Name is the link name.
func (s *Sender) Name() string { return s.l.local.Name }

// Address is the target address.
func (s *Sender) Address() string { return s.l.address() }

// RemoteAttach is the peer's attach frame (its offered capabilities, e.g.
// hono-reg-assertion).
func (s *Sender) RemoteAttach() *Attach { return s.l.remote }

// Close detaches the link (closed=true) and waits for the peer's detach.
func (s *Sender) Close(ctx context.Context) error { return s.l.close(ctx, nil) }

// CloseWithError detaches the link with cond and does not wait.
func (s *Sender) CloseWithError(cond *Error) error {
	s.l.detach(cond, true)
	return nil
}

// Done is closed when the link has been detached by either side.
func (s *Sender) Done() <-chan struct{} { return s.l.done }

// Err says why the link ended (a *LinkError), or nil while it is attached.
func (s *Sender) Err() error {
	s.l.s.mu.Lock()
	defer s.l.s.mu.Unlock()
	return s.l.err
}
