package amqp

import (
	"context"
	"crypto/tls"
	"log/slog"
	"net"
	"time"
)

// Server accepts AMQP connections. Its fields are read when Serve starts.
type Server struct {
	// ContainerID is our open frame's container-id.
	ContainerID string

	// Mechanisms are the SASL mechanisms offered, in order of preference
	// (MechExternal, MechPlain, MechAnonymous). With none, the server runs
	// no SASL layer and refuses a peer that asks for one; with some, a
	// peer that skips SASL is refused (as Hono's servers do).
	Mechanisms []string
	// Authenticate decides each SASL exchange. Nil accepts everyone (with
	// the mechanism's authcid as identity).
	Authenticate Authenticator

	// TLSConfig lets a peer on a plain listener upgrade with the AMQP TLS
	// header. For amqps, pass a TLS listener (tls.NewListener) instead.
	TLSConfig *tls.Config

	// Open sees the peer's open frame and shapes ours; returning an error
	// refuses the connection (an *Error is sent to the peer as is, any
	// other error as amqp:internal-error). Nil accepts every peer.
	Open OpenHandler
	// Link serves each link the peer attaches. Nil refuses every link
	// with amqp:not-found.
	Link LinkHandler

	// MaxFrameSize, IdleTimeout and MaxMessageSize as in ConnOptions.
	MaxFrameSize   uint32
	IdleTimeout    time.Duration
	MaxMessageSize uint64
	// HandshakeTimeout bounds TLS, headers, SASL and open; default 10s.
	HandshakeTimeout time.Duration

	// Logger receives one debug line per failed connection; nil: silent.
	Logger *slog.Logger
}

// OpenHandler decides on a peer's open frame; see Server.Open.
type OpenHandler func(ctx context.Context, req *OpenRequest) error

// OpenRequest is a peer's open frame and the answer we are about to send.
type OpenRequest struct {
	Conn *Conn
	// Remote is the peer's open frame.
	Remote *Open
	// Reply is our open frame, preset from the Server's fields; set its
	// OfferedCapabilities and Properties to answer the peer (the Auth
	// Server's ADDRESS-AUTHZ).
	Reply *Open
}

// LinkHandler serves one link a peer attached. It runs in its own
// goroutine; ctx is cancelled when the link or the connection ends.
//
// The handler accepts the link with req.AcceptReceiver (the peer sends)
// or req.AcceptSender (the peer receives), then uses it. When it returns,
// a link still attached is detached: without error for nil, with the
// error otherwise (an *Error as is, others as amqp:internal-error). A
// handler that returns an error without accepting refuses the attach.
type LinkHandler func(ctx context.Context, req *LinkRequest) error

// LinkRequest is a link the peer asked to attach.
type LinkRequest struct {
	Conn    *Conn
	Session *Session
	// Attach is the peer's attach frame: name, role, source, target,
	// settle modes, capabilities and properties.
	Attach *Attach
}

// Address is what the peer addressed: the target of a link on which it
// sends, the source of one on which it receives.
func (r *LinkRequest) Address() string { return "" }

// AcceptReceiver accepts a link on which the peer sends. Our attach echoes
// the peer's source, target and settle modes; opts set our credit,
// capabilities and properties.
func (r *LinkRequest) AcceptReceiver(opts *ReceiverOptions) (*Receiver, error) {
	return nil, errNotImplemented
}

// AcceptSender accepts a link on which the peer receives.
func (r *LinkRequest) AcceptSender(opts *SenderOptions) (*Sender, error) {
	return nil, errNotImplemented
}

// Serve accepts connections on ln until ctx is cancelled or ln fails, and
// serves each in its own goroutines. On return every connection has been
// closed (amqp:connection:forced) and its goroutines have ended. It returns
// nil after cancellation.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	return errNotImplemented
}

// ServeConn serves one connection and returns when it ends.
func (s *Server) ServeConn(ctx context.Context, nc net.Conn) error {
	return errNotImplemented
}
