package amqp

import "context"

// Session is a session on a connection (part 2, 2.5).
type Session struct{}

// NewSender attaches a sending link to target.
func (s *Session) NewSender(ctx context.Context, target string, opts *SenderOptions) (*Sender, error) {
	return nil, errNotImplemented
}

// NewReceiver attaches a receiving link from source.
func (s *Session) NewReceiver(ctx context.Context, source string, opts *ReceiverOptions) (*Receiver, error) {
	return nil, errNotImplemented
}

// Close ends the session (closing its links) and waits for the peer's end.
func (s *Session) Close(ctx context.Context) error { return errNotImplemented }

// Conn is the connection the session belongs to.
func (s *Session) Conn() *Conn { return nil }
