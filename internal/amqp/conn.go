package amqp

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/honoctl/honoctl/internal/amqp/encoding"
)

// closeTimeout bounds how long Close waits for the peer's close frame and
// how long the final frames may take to write.
const closeTimeout = 5 * time.Second

// Conn is an open AMQP connection, on either side. Close it when done.
type Conn struct {
	nc       net.Conn
	br       *bufio.Reader
	addr     string
	isServer bool
	server   *Server
	tls      *tls.ConnectionState
	identity any

	local, remote *Open
	// maxFrameOut is the largest frame we may send (the peer's limit), and
	// maxFrameIn the largest we accept (ours).
	maxFrameOut, maxFrameIn uint32
	maxMessage              uint64
	// early is a frame read during the handshake that readLoop dispatches first.
	early *frame

	// ctx lives as long as the connection; server link handlers derive
	// their contexts from it.
	ctx    context.Context
	cancel context.CancelFunc

	// Writing: frames are appended to wbuf under wmu and written in
	// batches by the writer goroutine (conn_write.go).
	wmu     sync.Mutex
	wbuf    encoding.Buffer
	drun    dispositionRun // see queueDisposition
	wclosed bool
	wake    chan struct{}
	drained chan struct{}
	wdone   chan struct{}

	mu       sync.Mutex
	sessions map[uint16]*Session // by our channel
	remoteCh map[uint16]*Session // by the peer's channel
	closing  bool                // we sent close
	err      error
	done     chan struct{}
	rdone    chan struct{}
	// remoteClosed is closed when the peer's close frame arrives.
	remoteClosed chan struct{}
	// running is set once the reader and writer run (after the handshake).
	running  atomic.Bool
	handlers sync.WaitGroup
}

func newConn(nc net.Conn, addr string) *Conn {
	c := &Conn{
		nc: nc, addr: addr,
		wake:         make(chan struct{}, 1),
		drained:      make(chan struct{}, 1),
		wdone:        make(chan struct{}),
		sessions:     make(map[uint16]*Session),
		remoteCh:     make(map[uint16]*Session),
		done:         make(chan struct{}),
		rdone:        make(chan struct{}),
		remoteClosed: make(chan struct{}),
	}
	c.ctx, c.cancel = context.WithCancel(context.Background())
	return c
}

// start runs the reader and writer once the handshake is done.
func (c *Conn) start() {
	c.running.Store(true)
	go c.writeLoop()
	go c.readLoop()
}

// Close closes the connection without an error condition and waits, for a
// bounded time, for the peer's close. It returns nil if the connection
// ended cleanly.
func (c *Conn) Close() error { return c.CloseWithError(nil) }

// CloseWithError closes the connection with cond, as a server does to
// tell a peer why (hono:inactivity, amqp:unauthorized-access...). Called
// from an Open handler, it returns at once and the close follows our open.
func (c *Conn) CloseWithError(cond *Error) error {
	c.mu.Lock()
	first := !c.closing && c.err == nil
	c.closing = true
	c.mu.Unlock()
	if first {
		_ = c.queue(0, &closeFrame{err: cond}, nil)
	}
	if !c.running.Load() {
		// Called from a server's Open handler: the close goes out right
		// after our open, when the writer starts.
		return nil
	}
	select {
	case <-c.remoteClosed:
	case <-c.done:
	case <-time.After(closeTimeout):
	}
	c.shutdown(&ConnError{Stage: StageConn, Addr: c.addr, Err: ErrConnClosed})
	<-c.rdone
	if err := c.Err(); !errors.Is(err, ErrConnClosed) {
		return err
	}
	return nil
}

// ErrConnClosed is the cause in the *ConnError of a connection we closed.
var ErrConnClosed = errors.New("connection closed")

// shutdown ends the connection once: it records why, lets the writer
// flush what is queued (a final close frame), closes the socket and wakes
// every session, link and waiter.
func (c *Conn) shutdown(err error) {
	c.mu.Lock()
	if c.err != nil {
		c.mu.Unlock()
		return
	}
	c.err = err
	sessions := make([]*Session, 0, len(c.sessions))
	for _, s := range c.sessions {
		sessions = append(sessions, s)
	}
	c.mu.Unlock()

	c.wmu.Lock()
	c.wclosed = true
	c.wmu.Unlock()
	if c.running.Load() {
		c.signalWriter()
		select {
		case <-c.wdone:
		case <-time.After(closeTimeout):
		}
	}
	_ = c.nc.Close()
	c.cancel()
	for _, s := range sessions {
		s.fail(err)
	}
	close(c.done)
}

// Done is closed when the connection has ended, for any reason.
func (c *Conn) Done() <-chan struct{} { return c.done }

// Err says why the connection ended (a *ConnError), or nil while it runs.
func (c *Conn) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// RemoteOpen is the peer's open frame: its container-id, hostname,
// offered capabilities and properties (the Auth Server's ADDRESS-AUTHZ
// answer).
func (c *Conn) RemoteOpen() *Open { return c.remote }

// Identity is what the server's Authenticator returned for this peer; nil
// on the client side or without SASL.
func (c *Conn) Identity() any { return c.identity }

// TLS is the TLS connection state, or nil on a plain connection.
func (c *Conn) TLS() *tls.ConnectionState { return c.tls }

// RemoteAddr is the peer's network address.
func (c *Conn) RemoteAddr() net.Addr { return c.nc.RemoteAddr() }

// LocalAddr is our network address.
func (c *Conn) LocalAddr() net.Addr { return c.nc.LocalAddr() }
