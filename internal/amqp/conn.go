package amqp

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
)

var errNotImplemented = errors.New("not implemented yet")

// Conn is an open AMQP connection, on either side. Close it when done.
type Conn struct{}

// Dial connects to addr (host:port), runs TLS and SASL as opts say, and
// exchanges open frames. A failure is a *ConnError naming the stage.
func Dial(ctx context.Context, addr string, opts *ConnOptions) (*Conn, error) {
	return nil, errNotImplemented
}

// NewConn runs the AMQP handshake over an established connection nc (for
// TLS, nc may already be a *tls.Conn). It takes ownership of nc.
func NewConn(ctx context.Context, nc net.Conn, opts *ConnOptions) (*Conn, error) {
	return nil, errNotImplemented
}

// NewSession begins a session.
func (c *Conn) NewSession(ctx context.Context, opts *SessionOptions) (*Session, error) {
	return nil, errNotImplemented
}

// Close closes the connection without an error condition and waits, for a
// bounded time, for the peer's close. It returns nil if the connection
// ended cleanly.
func (c *Conn) Close() error { return errNotImplemented }

// CloseWithError closes the connection with cond, as a server does to
// tell a peer why (hono:inactivity, amqp:unauthorized-access...).
func (c *Conn) CloseWithError(cond *Error) error { return errNotImplemented }

// Done is closed when the connection has ended, for any reason.
func (c *Conn) Done() <-chan struct{} { return nil }

// Err says why the connection ended (a *ConnError), or nil while it runs.
func (c *Conn) Err() error { return nil }

// RemoteOpen is the peer's open frame: its container-id, hostname,
// offered capabilities and properties (the Auth Server's ADDRESS-AUTHZ
// answer).
func (c *Conn) RemoteOpen() *Open { return nil }

// Identity is what the server's Authenticator returned for this peer; nil
// on the client side or without SASL.
func (c *Conn) Identity() any { return nil }

// TLS is the TLS connection state, or nil on a plain connection.
func (c *Conn) TLS() *tls.ConnectionState { return nil }

// RemoteAddr is the peer's network address.
func (c *Conn) RemoteAddr() net.Addr { return nil }

// LocalAddr is our network address.
func (c *Conn) LocalAddr() net.Addr { return nil }
