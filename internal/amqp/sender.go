package amqp

import "context"

// Sender is the sending end of a link: ours on the client side, or the
// server's end of a link on which the peer receives.
type Sender struct{}

// Send transfers msg once the receiver has granted credit. An unsettled
// (at-least-once) sender waits for the disposition: nil when accepted, a
// *DeliveryError otherwise. A pre-settled sender returns once the frames
// are queued for writing.
func (s *Sender) Send(ctx context.Context, msg *Message) error {
	return errNotImplemented
}

// SendAsync is Send without waiting for the disposition: it returns once
// the message is queued, with a Tracker for its outcome. It lets a server
// forward messages without a round trip each.
func (s *Sender) SendAsync(ctx context.Context, msg *Message) (*Tracker, error) {
	return nil, errNotImplemented
}

// Credit is the credit the receiver has granted and we have not used.
func (s *Sender) Credit() uint32 { return 0 }

// Name is the link name.
func (s *Sender) Name() string { return "" }

// Address is the target address.
func (s *Sender) Address() string { return "" }

// RemoteAttach is the peer's attach frame (its offered capabilities, e.g.
// hono-reg-assertion).
func (s *Sender) RemoteAttach() *Attach { return nil }

// Close detaches the link (closed=true) and waits for the peer's detach.
func (s *Sender) Close(ctx context.Context) error { return errNotImplemented }

// CloseWithError detaches the link with cond and does not wait.
func (s *Sender) CloseWithError(cond *Error) error { return errNotImplemented }

// Done is closed when the link has been detached by either side.
func (s *Sender) Done() <-chan struct{} { return nil }

// Err says why the link ended (a *LinkError), or nil while it is attached.
func (s *Sender) Err() error { return nil }

// Tracker follows an unsettled message's delivery to its outcome.
type Tracker struct{}

// Done is closed when the receiver has settled the delivery or the link ended.
func (t *Tracker) Done() <-chan struct{} { return nil }

// Wait waits for the outcome: nil when accepted, a *DeliveryError for
// rejected, released or modified, or the link's error.
func (t *Tracker) Wait(ctx context.Context) error { return errNotImplemented }

// State is the delivery's terminal state, nil until Done.
func (t *Tracker) State() DeliveryState { return nil }
