package amqp

import "context"

// defaultCredit is a receiver's link credit unless ReceiverOptions says.
const defaultCredit = 100

// Receiver is the receiving end of a link: ours on the client side, or
// the server's end of a link on which the peer sends.
type Receiver struct {
	l *link
}

// NewReceiver attaches a receiving link from source.
func (s *Session) NewReceiver(ctx context.Context, source string, opts *ReceiverOptions) (*Receiver, error) {
	if opts == nil {
		opts = &ReceiverOptions{}
	}
	a := &Attach{
		Name: opts.Name, Role: RoleReceiver,
		SndSettleMode: opts.SettleMode, RcvSettleMode: ReceiverFirst,
		Source:              &Source{Address: source},
		Target:              &Target{Address: opts.TargetAddress},
		OfferedCapabilities: opts.OfferedCapabilities,
		DesiredCapabilities: opts.DesiredCapabilities,
		Properties:          opts.Properties,
	}
	if a.Name == "" {
		a.Name = randomName("receiver-")
	}
	l := newLink(s, RoleReceiver, a)
	l.setCredit(opts, s.conn.maxMessage)
	if err := l.attach(ctx); err != nil {
		return nil, err
	}
	r := &Receiver{l: l}
	if !l.manual {
		if err := r.IssueCredit(l.maxCredit); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// setCredit applies a receiver's credit options and message size limit.
func (l *link) setCredit(opts *ReceiverOptions, connMax uint64) {
	l.maxCredit = opts.Credit
	if l.maxCredit == 0 {
		l.maxCredit = defaultCredit
	}
	l.manual = opts.ManualCredit
	l.maxMessage = connMax
	if opts.MaxMessageSize > 0 && opts.MaxMessageSize < connMax {
		l.maxMessage = opts.MaxMessageSize
	}
	l.local.MaxMessageSize = l.maxMessage
}

// Receive waits for the next message.
func (r *Receiver) Receive(ctx context.Context) (*Delivery, error) {
	l, s := r.l, r.l.s
	for {
		s.mu.Lock()
		if len(l.queue) > 0 {
			d := l.queue[0]
			l.queue[0] = nil
			l.queue = l.queue[1:]
			top := l.topUpLocked()
			s.mu.Unlock()
			if top != nil {
				_ = s.conn.queue(s.channel, top, nil)
			}
			return d, nil
		}
		err := l.err
		s.mu.Unlock()
		if err != nil {
			return nil, err
		}
		if err := l.wait(ctx, l.notify); err != nil {
			return nil, l.linkErr(StageTransfer, nil, err)
		}
	}
}

// topUpLocked returns a flow restoring the credit once half of it is used
// (automatic credit only), so the sender rarely stalls.
func (l *link) topUpLocked() *flow {
	if l.manual || l.err != nil {
		return nil
	}
	held := l.credit + uint32(len(l.queue))
	if held > l.maxCredit/2 {
		return nil
	}
	l.credit = l.maxCredit - uint32(len(l.queue))
	return l.s.linkFlowLocked(l)
}

// IssueCredit grants the sender n more credits (ManualCredit links).
func (r *Receiver) IssueCredit(n uint32) error {
	l, s := r.l, r.l.s
	s.mu.Lock()
	if l.err != nil {
		s.mu.Unlock()
		return l.err
	}
	l.credit += n
	f := s.linkFlowLocked(l)
	s.mu.Unlock()
	return s.conn.queue(s.channel, f, nil)
}

// Name is the link name.
func (r *Receiver) Name() string { return r.l.local.Name }

// Address is the source address.
func (r *Receiver) Address() string { return r.l.address() }

// RemoteAttach is the peer's attach frame.
func (r *Receiver) RemoteAttach() *Attach { return r.l.remote }

// Close detaches the link (closed=true) and waits for the peer's detach.
func (r *Receiver) Close(ctx context.Context) error { return r.l.close(ctx, nil) }

// CloseWithError detaches the link with cond and does not wait.
func (r *Receiver) CloseWithError(cond *Error) error {
	r.l.detach(cond, true)
	return nil
}

// Done is closed when the link has been detached by either side.
func (r *Receiver) Done() <-chan struct{} { return r.l.done }

// Err says why the link ended (a *LinkError), or nil while it is attached.
func (r *Receiver) Err() error {
	r.l.s.mu.Lock()
	defer r.l.s.mu.Unlock()
	return r.l.err
}

// Delivery is a received message and the means to settle it.
type Delivery struct {
	Message *Message
	// Settled is set when the sender sent the message pre-settled; the
	// settle methods then do nothing.
	Settled bool

	link *link
	id   uint32
}

// Accept settles the delivery as accepted.
func (d *Delivery) Accept() error { return d.Settle(&Accepted{}) }

// Reject settles the delivery as rejected with cond (Hono:
// amqp:decode-error for a malformed message).
func (d *Delivery) Reject(cond *Error) error { return d.Settle(&Rejected{Error: cond}) }

// Release settles the delivery as released: not processed, may be resent.
func (d *Delivery) Release() error { return d.Settle(&Released{}) }

// Modify settles the delivery as modified.
func (d *Delivery) Modify(m *Modified) error { return d.Settle(m) }

// Settle sends a disposition with state and settles the delivery. Our
// receivers settle first (rcv-settle-mode first), so one frame does it.
func (d *Delivery) Settle(state DeliveryState) error {
	if d.Settled || d.link == nil {
		return nil
	}
	d.Settled = true
	s := d.link.s
	return s.conn.queueDisposition(s.channel, &disposition{role: RoleReceiver, first: d.id,
		settled: true, state: state})
}
