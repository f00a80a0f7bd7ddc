package amqp

import "fmt"

// partial is a delivery whose frames are still arriving.
type partial struct {
	id      uint32
	tag     []byte
	format  uint32
	settled bool
	buf     []byte
}

// takeTransferLocked adds a transfer frame to the link's delivery in
// progress. It returns a condition to detach the link with when the peer
// broke the link's rules. The caller holds the session's mu.
func (l *link) takeTransferLocked(t *transfer) *Error {
	if l.err != nil || l.detachSent {
		return nil // detaching: drop what is still in flight
	}
	p := l.partial
	if p == nil {
		if l.credit == 0 {
			return &Error{Condition: ErrTransferLimit, Description: "transfer without link credit"}
		}
		l.credit--
		l.deliveryCount++
		p = &partial{id: t.deliveryID, tag: t.deliveryTag, format: t.messageFormat, settled: t.settled}
		if !t.more {
			// The common single-frame delivery keeps the frame's buffer.
			p.buf = t.payload
			return l.deliverLocked(p)
		}
		l.partial = p
	}
	if t.settled {
		p.settled = true
	}
	if t.aborted {
		l.partial = nil
		return nil
	}
	if uint64(len(p.buf)+len(t.payload)) > l.maxMessage {
		l.partial = nil
		return &Error{Condition: ErrMessageSizeExceed,
			Description: fmt.Sprintf("message larger than the link's limit of %d bytes", l.maxMessage)}
	}
	p.buf = append(p.buf, t.payload...)
	if t.more {
		return nil
	}
	l.partial = nil
	return l.deliverLocked(p)
}

// deliverLocked decodes a complete delivery and queues it for Receive. A
// message that does not decode is rejected with amqp:decode-error.
func (l *link) deliverLocked(p *partial) *Error {
	if uint64(len(p.buf)) > l.maxMessage {
		return &Error{Condition: ErrMessageSizeExceed,
			Description: fmt.Sprintf("message larger than the link's limit of %d bytes", l.maxMessage)}
	}
	msg, err := UnmarshalMessage(p.buf)
	if err != nil {
		if !p.settled {
			s := l.s
			_ = s.conn.queue(s.channel, &disposition{role: RoleReceiver, first: p.id, settled: true,
				state: &Rejected{Error: &Error{Condition: ErrDecodeError, Description: err.Error()}}}, nil)
		}
		return nil
	}
	msg.DeliveryTag, msg.Format = p.tag, p.format
	l.queue = append(l.queue, &Delivery{Message: msg, Settled: p.settled, link: l, id: p.id})
	signal(l.notify)
	return nil
}
