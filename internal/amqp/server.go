package amqp

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"
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

// Serve accepts connections on ln until ctx is cancelled or ln fails, and
// serves each in its own goroutines. On return every connection has been
// closed (amqp:connection:forced) and its goroutines have ended. It returns
// nil after cancellation.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	ctx, cancel := context.WithCancel(ctx)
	stop := context.AfterFunc(ctx, func() { _ = ln.Close() })
	var wg sync.WaitGroup
	defer func() {
		stop()
		cancel() // closes the connections still served
		wg.Wait()
	}()
	for {
		nc, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("accept on %s: %w", ln.Addr(), err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = s.ServeConn(ctx, nc)
		}()
	}
}

// ServeConn serves one connection and returns when it ends, with nil when
// it ended cleanly and the *ConnError otherwise. It takes ownership of nc.
func (s *Server) ServeConn(ctx context.Context, nc net.Conn) error {
	c := newConn(nc, nc.RemoteAddr().String())
	c.isServer, c.server = true, s
	c.maxFrameIn, c.maxMessage = limits(s.MaxFrameSize, s.MaxMessageSize)

	timeout := s.HandshakeTimeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	hctx, cancel := context.WithTimeout(ctx, timeout)
	_ = nc.SetDeadline(time.Now().Add(timeout))
	stop := context.AfterFunc(hctx, func() { _ = c.nc.SetDeadline(time.Unix(1, 0)) })
	err := c.serverHandshake(hctx)
	stop()
	cancel()
	if err != nil {
		closeGently(c.nc)
		c.shutdown(err) // wakes whoever waits on Done, as an Open handler may
		s.logf("AMQP handshake failed", "peer", c.addr, "err", err)
		return err
	}
	_ = c.nc.SetDeadline(time.Time{})
	c.start()

	stopServe := context.AfterFunc(ctx, func() {
		_ = c.CloseWithError(&Error{Condition: ErrConnectionForced, Description: "server shutting down"})
	})
	<-c.done
	stopServe()
	<-c.rdone
	c.handlers.Wait()
	if err := c.Err(); !errors.Is(err, ErrConnClosed) {
		s.logf("AMQP connection ended", "peer", c.addr, "err", err)
		return err
	}
	return nil
}

func (s *Server) logf(msg string, args ...any) {
	if s.Logger != nil {
		s.Logger.Debug(msg, args...)
	}
}

// closeGently closes a socket after a refused handshake so that what we
// wrote last (a protocol header, a SASL outcome, a close frame) reaches a
// peer that is still writing: closing with unread input would make the
// kernel send a reset, and the peer could lose our answer.
func closeGently(nc net.Conn) {
	if cw, ok := nc.(interface{ CloseWrite() error }); ok && cw.CloseWrite() == nil {
		_ = nc.SetReadDeadline(time.Now().Add(500 * time.Millisecond))
		_, _ = io.CopyN(io.Discard, nc, 64<<10)
	}
	_ = nc.Close()
}
