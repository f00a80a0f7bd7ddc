package amqp

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"math"
)

// link is the state both ends of a link share; Sender and Receiver wrap
// it. Fields below the line are guarded by the session's mu.
type link struct {
	s      *Session
	role   Role // ours
	local  *Attach
	remote *Attach

	attached chan struct{} // closed when the peer's attach arrives
	done     chan struct{} // closed when the link has ended
	// cancel ends a server link handler's context.
	cancel context.CancelFunc

	handle       uint32
	remoteHandle uint32
	hasRemote    bool
	refused      bool // the peer answered without a terminus: a detach follows
	detachSent   bool
	err          error

	// Sender side.
	deliveryCount uint32
	credit        uint32
	creditCh      chan struct{}
	nextTag       uint64

	// Receiver side.
	maxCredit  uint32
	manual     bool
	queue      []*Delivery
	notify     chan struct{}
	partial    *partial
	maxMessage uint64
}

func newLink(s *Session, role Role, local *Attach) *link {
	return &link{
		s: s, role: role, local: local,
		attached: make(chan struct{}),
		done:     make(chan struct{}),
		creditCh: make(chan struct{}, 1),
		notify:   make(chan struct{}, 1),
	}
}

func randomName(prefix string) string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return prefix + hex.EncodeToString(b[:])
}

// address is the target of a sender, the source of a receiver.
func (l *link) address() string {
	if l.role == RoleSender {
		if l.local.Target != nil {
			return l.local.Target.Address
		}
		return ""
	}
	if l.local.Source != nil {
		return l.local.Source.Address
	}
	return ""
}

// register gives the link the lowest free handle on its session.
func (l *link) register() error {
	s := l.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return s.err
	}
	for h := uint32(0); ; h++ {
		if _, used := s.links[h]; !used {
			l.handle = h
			break
		}
		if h == math.MaxUint32 {
			return fmt.Errorf("all link handles in use")
		}
	}
	l.local.Handle = l.handle
	s.links[l.handle] = l
	return nil
}

// attach sends our attach and waits for the peer's (client side).
func (l *link) attach(ctx context.Context) error {
	if err := l.register(); err != nil {
		return l.linkErr(StageAttach, nil, err)
	}
	if err := l.s.conn.queue(l.s.channel, l.local, nil); err != nil {
		return l.linkErr(StageAttach, nil, err)
	}
	select {
	case <-l.attached:
		return nil
	case <-l.done:
		return l.err
	case <-ctx.Done():
		l.detach(nil, true)
		return l.linkErr(StageAttach, nil, ctx.Err())
	}
}

func (l *link) linkErr(stage Stage, remote *Error, err error) *LinkError {
	return &LinkError{Stage: stage, Name: l.local.Name, Address: l.address(), Remote: remote, Err: err}
}

// detach sends our detach once, with closed set and cond as the error.
func (l *link) detach(cond *Error, closed bool) {
	s := l.s
	s.mu.Lock()
	sent := l.detachSent
	l.detachSent = true
	s.mu.Unlock()
	if !sent {
		_ = s.conn.queue(s.channel, &detach{handle: l.handle, closed: closed, err: cond}, nil)
	}
}

// remoteDetach handles the peer's detach: answer it and end the link.
func (l *link) remoteDetach(d *detach) {
	l.detach(nil, d.closed)
	stage := StageTransfer
	select {
	case <-l.attached:
	default:
		stage = StageAttach
	}
	var err error
	if d.err == nil {
		err = l.linkErr(stage, nil, errDetached)
	} else {
		err = l.linkErr(stage, d.err, nil)
	}
	l.fail(err)
}

var errDetached = fmt.Errorf("link detached")

// fail ends the link: it leaves the session's tables and every waiter
// wakes with err.
func (l *link) fail(err error) {
	s := l.s
	s.mu.Lock()
	if l.err != nil {
		s.mu.Unlock()
		return
	}
	l.err = err
	delete(s.links, l.handle)
	if l.hasRemote && s.remoteLinks[l.remoteHandle] == l {
		delete(s.remoteLinks, l.remoteHandle)
	}
	var trackers []*Tracker
	for id, t := range s.unsettled {
		if t.link == l {
			trackers = append(trackers, t)
			delete(s.unsettled, id)
		}
	}
	s.mu.Unlock()
	for _, t := range trackers {
		t.finish(nil, err)
	}
	close(l.done)
	if l.cancel != nil {
		l.cancel()
	}
}

// close detaches with closed=true and waits for the peer's detach.
func (l *link) close(ctx context.Context, cond *Error) error {
	l.detach(cond, true)
	select {
	case <-l.done:
	case <-ctx.Done():
		return l.linkErr(StageTransfer, nil, ctx.Err())
	}
	if le, ok := l.err.(*LinkError); ok && le.Remote == nil && le.Err == errDetached {
		return nil
	}
	return l.err
}

// wait blocks until ch is signalled, the link ends or ctx is done.
func (l *link) wait(ctx context.Context, ch <-chan struct{}) error {
	select {
	case <-ch:
		return nil
	case <-l.done:
		return l.err
	case <-ctx.Done():
		return ctx.Err()
	}
}

func signal(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}
