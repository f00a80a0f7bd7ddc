package amqp

import "context"

// Receiver is the receiving end of a link: ours on the client side, or
// the server's end of a link on which the peer sends.
type Receiver struct{}

// Receive waits for the next message.
func (r *Receiver) Receive(ctx context.Context) (*Delivery, error) {
	return nil, errNotImplemented
}

// IssueCredit grants the sender n more credits (ManualCredit links).
func (r *Receiver) IssueCredit(n uint32) error { return errNotImplemented }

// Name is the link name.
func (r *Receiver) Name() string { return "" }

// Address is the source address.
func (r *Receiver) Address() string { return "" }

// RemoteAttach is the peer's attach frame.
func (r *Receiver) RemoteAttach() *Attach { return nil }

// Close detaches the link (closed=true) and waits for the peer's detach.
func (r *Receiver) Close(ctx context.Context) error { return errNotImplemented }

// CloseWithError detaches the link with cond and does not wait.
func (r *Receiver) CloseWithError(cond *Error) error { return errNotImplemented }

// Done is closed when the link has been detached by either side.
func (r *Receiver) Done() <-chan struct{} { return nil }

// Err says why the link ended (a *LinkError), or nil while it is attached.
func (r *Receiver) Err() error { return nil }

// Delivery is a received message and the means to settle it.
type Delivery struct {
	Message *Message
	// Settled is set when the sender sent the message pre-settled; the
	// settle methods then do nothing.
	Settled bool
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

// Settle sends a disposition with state and settles the delivery.
func (d *Delivery) Settle(state DeliveryState) error { return errNotImplemented }
