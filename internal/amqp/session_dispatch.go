package amqp

import (
	"fmt"
)

// dispatch handles a frame for this session; the reader goroutine calls it.
// An *Error result closes the connection with that condition.
func (s *Session) dispatch(body any) error {
	switch b := body.(type) {
	case *Attach:
		return s.remoteAttach(b)
	case *flow:
		return s.remoteFlow(b)
	case *transfer:
		return s.remoteTransfer(b)
	case *disposition:
		return s.remoteDisposition(b)
	case *detach:
		return s.remoteDetachFrame(b)
	case *end:
		s.remoteEnd(b.err)
		return nil
	}
	return &Error{Condition: ErrFramingError, Description: fmt.Sprintf("unexpected %T frame", body)}
}

// remoteAttach pairs the peer's attach with ours, or hands a link the peer
// starts to the server's handler.
func (s *Session) remoteAttach(a *Attach) error {
	s.mu.Lock()
	if _, dup := s.remoteLinks[a.Handle]; dup {
		s.mu.Unlock()
		return &Error{Condition: ErrHandleInUse, Description: fmt.Sprintf("handle %d is attached", a.Handle)}
	}
	var l *link
	for _, x := range s.links {
		if x.local.Name == a.Name && !x.hasRemote && x.role != a.Role {
			l = x
			break
		}
	}
	if l == nil {
		s.mu.Unlock()
		return s.incomingLink(a)
	}
	l.bindRemoteLocked(a)
	l.refused = (l.role == RoleSender && a.Target == nil) || (l.role == RoleReceiver && a.Source == nil)
	s.mu.Unlock()
	if !l.refused {
		close(l.attached)
	}
	return nil
}

func (l *link) bindRemoteLocked(a *Attach) {
	l.remote, l.hasRemote, l.remoteHandle = a, true, a.Handle
	l.s.remoteLinks[a.Handle] = l
	if l.role == RoleReceiver {
		l.deliveryCount = a.InitialDeliveryCount
	}
}

func (s *Session) remoteDetachFrame(d *detach) error {
	s.mu.Lock()
	l := s.remoteLinks[d.handle]
	s.mu.Unlock()
	if l == nil {
		return &Error{Condition: ErrUnattachedHandle,
			Description: fmt.Sprintf("detach of handle %d, which is not attached", d.handle)}
	}
	l.remoteDetach(d)
	return nil
}

// remoteTransfer takes one transfer frame: it checks the session window
// and the link's credit, reassembles multi-frame deliveries and queues
// complete messages for Receive.
func (s *Session) remoteTransfer(t *transfer) error {
	s.mu.Lock()
	if s.incomingWindow == 0 {
		s.mu.Unlock()
		return &Error{Condition: ErrWindowViolation, Description: "transfer beyond the session's incoming window"}
	}
	s.incomingWindow--
	s.nextIncomingID++
	var sessionFlow *flow
	if s.incomingWindow < s.windowSize/2 {
		s.incomingWindow = s.windowSize
		sessionFlow = s.sessionFlowLocked()
	}
	l := s.remoteLinks[t.handle]
	if l == nil || l.role != RoleReceiver {
		s.mu.Unlock()
		return &Error{Condition: ErrUnattachedHandle,
			Description: fmt.Sprintf("transfer on handle %d, which is not attached", t.handle)}
	}
	cond := l.takeTransferLocked(t)
	s.mu.Unlock()

	if cond != nil {
		l.detach(cond, true)
	}
	if sessionFlow != nil {
		return s.conn.queue(s.channel, sessionFlow, nil)
	}
	return nil
}

// remoteDisposition settles our outgoing deliveries in [first, last].
func (s *Session) remoteDisposition(d *disposition) error {
	if d.role == RoleSender {
		return nil // we settle first, so the sender's settlement needs nothing
	}
	last := d.first
	if d.hasLast {
		last = d.last
	}
	terminal := isTerminal(d.state)
	var done []*Tracker
	s.mu.Lock()
	take := func(id uint32, t *Tracker) {
		if d.settled || terminal {
			delete(s.unsettled, id)
			done = append(done, t)
		}
	}
	if last-d.first < uint32(len(s.unsettled)) {
		for id := d.first; ; id++ {
			if t := s.unsettled[id]; t != nil {
				take(id, t)
			}
			if id == last {
				break
			}
		}
	} else {
		for id, t := range s.unsettled {
			if id-d.first <= last-d.first {
				take(id, t)
			}
		}
	}
	s.mu.Unlock()
	for _, t := range done {
		t.finish(d.state, nil)
	}
	if !d.settled && terminal {
		// rcv-settle-mode second: the receiver waits for us to settle.
		return s.conn.queue(s.channel, &disposition{role: RoleSender, first: d.first,
			last: last, hasLast: d.hasLast, settled: true, state: d.state}, nil)
	}
	return nil
}

func isTerminal(s DeliveryState) bool {
	switch s.(type) {
	case *Accepted, *Rejected, *Released, *Modified:
		return true
	}
	return false
}
