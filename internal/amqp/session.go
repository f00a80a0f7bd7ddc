package amqp

import (
	"context"
	"fmt"
	"math"
	"sync"
)

// defaultWindow is our session incoming window in frames, as go-amqp's.
const defaultWindow = 5000

// Session is a session on a connection (part 2, 2.5).
type Session struct {
	conn    *Conn
	channel uint16 // ours
	remote  uint16 // the peer's

	// sendMu keeps the frames of one multi-frame delivery together.
	sendMu sync.Mutex

	mu sync.Mutex
	// Flow state of part 2, 2.5.6, in transfer frames.
	nextOutgoingID       uint32
	remoteIncomingWindow uint32
	nextIncomingID       uint32
	incomingWindow       uint32
	windowSize           uint32
	nextDeliveryID       uint32
	windowOpen           chan struct{} // signalled when remoteIncomingWindow grows

	links       map[uint32]*link // by our handle
	remoteLinks map[uint32]*link // by the peer's handle
	unsettled   map[uint32]*Tracker

	begun   chan struct{}
	ended   chan struct{}
	endSent bool
	err     error
}

func (c *Conn) newSession(window uint32) (*Session, error) {
	if window == 0 {
		window = defaultWindow
	}
	s := &Session{
		conn: c, incomingWindow: window, windowSize: window,
		windowOpen:  make(chan struct{}, 1),
		links:       make(map[uint32]*link),
		remoteLinks: make(map[uint32]*link),
		unsettled:   make(map[uint32]*Tracker),
		begun:       make(chan struct{}),
		ended:       make(chan struct{}),
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err != nil || c.closing {
		return nil, c.closedErrLocked()
	}
	for ch := uint16(0); ; ch++ {
		if _, used := c.sessions[ch]; !used {
			s.channel = ch
			break
		}
		if ch == c.remote.ChannelMax || ch == math.MaxUint16 {
			return nil, &SessionError{Err: fmt.Errorf("all %d channels in use", int(ch)+1)}
		}
	}
	c.sessions[s.channel] = s
	return s, nil
}

func (c *Conn) closedErrLocked() error {
	if c.err != nil {
		return c.err
	}
	return &ConnError{Stage: StageConn, Addr: c.addr, Err: ErrConnClosed}
}

func (s *Session) beginFrame() *begin {
	return &begin{
		nextOutgoingID: s.nextOutgoingID,
		incomingWindow: s.incomingWindow,
		outgoingWindow: math.MaxUint32,
		handleMax:      math.MaxUint32,
	}
}

// NewSession begins a session.
func (c *Conn) NewSession(ctx context.Context, opts *SessionOptions) (*Session, error) {
	var window uint32
	if opts != nil {
		window = opts.IncomingWindow
	}
	s, err := c.newSession(window)
	if err != nil {
		return nil, err
	}
	if err := c.queue(s.channel, s.beginFrame(), nil); err != nil {
		return nil, err
	}
	select {
	case <-s.begun:
		return s, nil
	case <-s.ended:
		return nil, s.err
	case <-ctx.Done():
		// The peer may still answer; end what we began.
		go s.Close(context.Background())
		return nil, &SessionError{Err: fmt.Errorf("begin: %w", ctx.Err())}
	}
}

// remoteBegin handles the peer's begin: the answer to ours, or, on a
// server, a session the peer starts.
func (c *Conn) remoteBegin(channel uint16, b *begin) error {
	var s *Session
	if b.hasRemoteChannel {
		c.mu.Lock()
		s = c.sessions[b.remoteChannel]
		c.mu.Unlock()
		if s == nil {
			return &Error{Condition: ErrIllegalState,
				Description: fmt.Sprintf("begin answers channel %d, which we did not begin", b.remoteChannel)}
		}
	} else {
		var err error
		if s, err = c.newSession(0); err != nil {
			return err
		}
	}
	c.mu.Lock()
	if _, dup := c.remoteCh[channel]; dup {
		c.mu.Unlock()
		return &Error{Condition: ErrFramingError, Description: fmt.Sprintf("second begin on channel %d", channel)}
	}
	c.remoteCh[channel] = s
	c.mu.Unlock()

	s.mu.Lock()
	s.remote = channel
	s.nextIncomingID = b.nextOutgoingID
	s.remoteIncomingWindow = b.incomingWindow
	s.mu.Unlock()
	close(s.begun)
	if !b.hasRemoteChannel {
		reply := s.beginFrame()
		reply.hasRemoteChannel, reply.remoteChannel = true, channel
		return c.queue(s.channel, reply, nil)
	}
	return nil
}

// Close ends the session (closing its links) and waits for the peer's end.
func (s *Session) Close(ctx context.Context) error {
	s.sendEnd(nil)
	select {
	case <-s.ended:
	case <-ctx.Done():
		return &SessionError{Err: fmt.Errorf("end: %w", ctx.Err())}
	}
	if se, ok := s.err.(*SessionError); ok && se.Remote == nil && se.Err == errSessionEnded {
		return nil
	}
	return s.err
}

var errSessionEnded = fmt.Errorf("session ended")

func (s *Session) sendEnd(cond *Error) {
	s.mu.Lock()
	sent := s.endSent
	s.endSent = true
	s.mu.Unlock()
	if !sent {
		_ = s.conn.queue(s.channel, &end{err: cond}, nil)
	}
}

// remoteEnd handles the peer's end: answer it, then fail the links.
func (s *Session) remoteEnd(remote *Error) {
	s.sendEnd(nil)
	var err error = &SessionError{Err: errSessionEnded}
	if remote != nil {
		err = &SessionError{Remote: remote}
	}
	s.fail(err)
}

// fail ends the session locally: its links fail with err and it leaves the
// connection's tables.
func (s *Session) fail(err error) {
	s.mu.Lock()
	if s.err != nil {
		s.mu.Unlock()
		return
	}
	s.err = err
	links := make([]*link, 0, len(s.links))
	for _, l := range s.links {
		links = append(links, l)
	}
	trackers := s.unsettled
	s.unsettled = map[uint32]*Tracker{}
	s.mu.Unlock()

	for _, l := range links {
		l.fail(err)
	}
	for _, t := range trackers {
		t.finish(nil, err)
	}
	c := s.conn
	c.mu.Lock()
	delete(c.sessions, s.channel)
	if c.remoteCh[s.remote] == s {
		delete(c.remoteCh, s.remote)
	}
	c.mu.Unlock()
	close(s.ended)
}

// Conn is the connection the session belongs to.
func (s *Session) Conn() *Conn { return s.conn }
