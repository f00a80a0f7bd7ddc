package amqp

import (
	"context"
	"fmt"
)

// linkFlowLocked builds a flow frame with the session's window and the
// link's credit state. The caller holds s.mu.
func (s *Session) linkFlowLocked(l *link) *flow {
	f := s.sessionFlowLocked()
	f.hasHandle, f.handle = true, l.handle
	f.hasDeliveryCount, f.deliveryCount = true, l.deliveryCount
	f.hasLinkCredit, f.linkCredit = true, l.credit
	return f
}

func (s *Session) sessionFlowLocked() *flow {
	return &flow{
		hasNextIncomingID: true, nextIncomingID: s.nextIncomingID,
		incomingWindow: s.incomingWindow,
		nextOutgoingID: s.nextOutgoingID,
		outgoingWindow: 1<<32 - 1,
	}
}

// takeWindow waits until the peer's incoming window has room for one more
// transfer frame and uses it (part 2, 2.5.6).
func (s *Session) takeWindow(ctx context.Context, l *link) error {
	for {
		s.mu.Lock()
		if s.err != nil {
			err := s.err
			s.mu.Unlock()
			return err
		}
		if s.remoteIncomingWindow > 0 {
			s.remoteIncomingWindow--
			s.nextOutgoingID++
			s.mu.Unlock()
			return nil
		}
		s.mu.Unlock()
		select {
		case <-s.windowOpen:
		case <-s.ended:
		case <-ctx.Done():
			return l.linkErr(StageTransfer, nil, ctx.Err())
		}
	}
}

// remoteFlow applies the peer's flow: its session window and, for a link,
// its credit (part 2, 2.6.7).
func (s *Session) remoteFlow(f *flow) error {
	s.mu.Lock()
	next := f.nextIncomingID // what the peer expects next from us
	if !f.hasNextIncomingID {
		next = 0 // our initial next-outgoing-id
	}
	s.remoteIncomingWindow = next + f.incomingWindow - s.nextOutgoingID
	var reply *flow
	var l *link
	if f.hasHandle {
		l = s.remoteLinks[f.handle]
		if l == nil {
			s.mu.Unlock()
			return &Error{Condition: ErrUnattachedHandle,
				Description: fmt.Sprintf("flow on handle %d, which is not attached", f.handle)}
		}
		reply = l.applyFlowLocked(f)
	} else if f.echo {
		reply = s.sessionFlowLocked()
	}
	s.mu.Unlock()
	signal(s.windowOpen)
	if l != nil {
		signal(l.creditCh)
	}
	if reply != nil {
		return s.conn.queue(s.channel, reply, nil)
	}
	return nil
}

// applyFlowLocked updates a link from the peer's flow and returns the flow
// to answer with, if any.
func (l *link) applyFlowLocked(f *flow) *flow {
	if l.role == RoleSender {
		count := f.deliveryCount
		if !f.hasDeliveryCount {
			count = l.local.InitialDeliveryCount
		}
		if f.hasLinkCredit {
			l.credit = count + f.linkCredit - l.deliveryCount
		}
		if f.drain && l.credit > 0 {
			// Nothing is queued on our side: use up the credit at once.
			l.deliveryCount += l.credit
			l.credit = 0
			reply := l.s.linkFlowLocked(l)
			reply.drain = true
			return reply
		}
	} else if f.hasDeliveryCount {
		// The sender's count moves when it drains or skips deliveries.
		used := f.deliveryCount - l.deliveryCount
		if used > l.credit {
			used = l.credit
		}
		l.credit -= used
		l.deliveryCount = f.deliveryCount
	}
	if f.echo {
		return l.s.linkFlowLocked(l)
	}
	return nil
}
