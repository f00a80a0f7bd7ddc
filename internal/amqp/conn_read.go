package amqp

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"time"
)

// readLoop is the connection's one reader: it reads every frame and
// dispatches it to the connection, a session or a link, which update their
// state under their locks and never block on the application.
func (c *Conn) readLoop() {
	defer close(c.rdone)
	idle := c.local.IdleTimeout
	if c.early != nil {
		if err := c.dispatch(*c.early); err != nil {
			c.protocolError(err)
			return
		}
	}
	var scratch transfer
	for {
		if idle > 0 {
			_ = c.nc.SetReadDeadline(time.Now().Add(idle))
		}
		f, err := readFrameInto(c.br, c.maxFrameIn, &scratch)
		if err != nil {
			c.readFailed(err)
			return
		}
		if err := c.dispatch(f); err != nil {
			c.protocolError(err)
			return
		}
		select {
		case <-c.remoteClosed:
			return
		default:
		}
	}
}

// readFailed ends the connection after a read error: a framing error or an
// idle timeout is reported to the peer, a network error is not.
func (c *Conn) readFailed(err error) {
	var fe *frameError
	var ne net.Error
	switch {
	case errors.As(err, &fe):
		c.protocolError(&Error{Condition: fe.cond, Description: fe.msg})
	case errors.As(err, &ne) && ne.Timeout() && !c.isClosing():
		c.protocolError(&Error{Condition: ErrResourceLimit,
			Description: fmt.Sprintf("no frame within the idle timeout of %s", c.local.IdleTimeout)})
	case errors.Is(err, io.EOF), errors.Is(err, net.ErrClosed), errors.Is(err, os.ErrDeadlineExceeded):
		c.shutdown(&ConnError{Stage: StageConn, Addr: c.addr, Err: closedCause(c, err)})
	default:
		c.shutdown(&ConnError{Stage: StageConn, Addr: c.addr, Err: err})
	}
}

func closedCause(c *Conn, err error) error {
	if c.isClosing() {
		return ErrConnClosed
	}
	if errors.Is(err, io.EOF) {
		return errors.New("peer closed the socket without an AMQP close frame")
	}
	return err
}

func (c *Conn) isClosing() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closing || c.err != nil
}

// protocolError closes the connection with a condition we detected. An
// *Error is sent as is; anything else as amqp:internal-error.
func (c *Conn) protocolError(err error) {
	var e *Error
	if !errors.As(err, &e) {
		e = &Error{Condition: ErrInternal, Description: err.Error()}
	}
	c.mu.Lock()
	c.closing = true
	c.mu.Unlock()
	_ = c.queue(0, &closeFrame{err: e}, nil)
	c.shutdown(&ConnError{Stage: StageConn, Addr: c.addr, Err: fmt.Errorf("we closed the connection: %w", e)})
}

// dispatch handles one frame read after the open exchange.
func (c *Conn) dispatch(f frame) error {
	switch body := f.body.(type) {
	case nil:
		return nil // heartbeat
	case *closeFrame:
		c.remoteClose(body.err)
		return nil
	case *begin:
		return c.remoteBegin(f.channel, body)
	case *Open:
		return &Error{Condition: ErrIllegalState, Description: "second open frame"}
	}
	if f.typ != frameAMQP {
		return &Error{Condition: ErrFramingError, Description: "SASL frame after the SASL exchange"}
	}
	c.mu.Lock()
	s := c.remoteCh[f.channel]
	c.mu.Unlock()
	if s == nil {
		return &Error{Condition: ErrFramingError,
			Description: fmt.Sprintf("frame on channel %d, which has no session", f.channel)}
	}
	return s.dispatch(f.body)
}

// remoteClose handles the peer's close: we answer with ours unless we
// closed first, then end the connection.
func (c *Conn) remoteClose(remote *Error) {
	c.mu.Lock()
	weClosed := c.closing
	c.closing = true
	c.mu.Unlock()
	close(c.remoteClosed)
	if !weClosed {
		_ = c.queue(0, &closeFrame{}, nil)
		c.shutdown(&ConnError{Stage: StageConn, Addr: c.addr, Remote: remote,
			Err: peerClosedCause(remote)})
		return
	}
	var err error = &ConnError{Stage: StageConn, Addr: c.addr, Err: ErrConnClosed}
	if remote != nil {
		err = &ConnError{Stage: StageConn, Addr: c.addr, Remote: remote}
	}
	c.shutdown(err)
}

// peerClosedCause is nil when the peer gave a reason (Remote says it) and
// says that the peer closed when it gave none.
func peerClosedCause(remote *Error) error {
	if remote != nil {
		return nil
	}
	return errors.New("peer closed the connection")
}
