package amqp

import (
	"context"
	"errors"
	"sync"
)

// LinkRequest is a link the peer asked to attach.
type LinkRequest struct {
	Conn    *Conn
	Session *Session
	// Attach is the peer's attach frame: name, role, source, target,
	// settle modes, capabilities and properties.
	Attach *Attach

	l        *link
	mu       sync.Mutex
	accepted bool
}

// incomingLink handles an attach the peer starts: it records the link and
// runs the server's handler for it, or refuses it without a handler.
func (s *Session) incomingLink(a *Attach) error {
	c := s.conn
	role := !a.Role // ours is the other end
	// Settle modes: a sender follows the receiver's rcv-settle-mode; as a
	// receiver we settle first, which the receiver may always choose.
	local := &Attach{Name: a.Name, Role: role, SndSettleMode: a.SndSettleMode, RcvSettleMode: ReceiverFirst}
	if role == RoleSender {
		local.RcvSettleMode = a.RcvSettleMode
	}
	l := newLink(s, role, local)
	if err := l.register(); err != nil {
		return err
	}
	s.mu.Lock()
	l.bindRemoteLocked(a)
	s.mu.Unlock()
	req := &LinkRequest{Conn: c, Session: s, Attach: a, l: l}

	if c.server == nil || c.server.Link == nil {
		req.refuse(&Error{Condition: ErrNotFound, Description: "no links are served here"})
		return nil
	}
	ctx, cancel := context.WithCancel(c.ctx)
	l.cancel = cancel
	c.handlers.Add(1)
	go func() {
		defer c.handlers.Done()
		defer cancel()
		req.finish(c.server.Link(ctx, req))
	}()
	return nil
}

// finish ends a link whose handler returned: a link never accepted is
// refused, an accepted one still attached is detached.
func (r *LinkRequest) finish(err error) {
	r.mu.Lock()
	accepted := r.accepted
	r.accepted = true // no Accept after the handler returned
	r.mu.Unlock()
	var cond *Error
	if err != nil && !errors.Is(err, context.Canceled) {
		cond = asError(err)
	}
	if !accepted {
		if cond == nil {
			cond = &Error{Condition: ErrNotFound, Description: "link not accepted"}
		}
		r.refuse(cond)
		return
	}
	r.l.detach(cond, true)
}

// refuse answers the attach without a terminus and detaches with cond,
// as part 2, 2.6.3 prescribes for a link that cannot be established.
func (r *LinkRequest) refuse(cond *Error) {
	l := r.l
	if l.role == RoleReceiver {
		l.local.Source = r.Attach.Source
	} else {
		l.local.Target = r.Attach.Target
	}
	c := l.s.conn
	_ = c.queue(l.s.channel, l.local, nil)
	l.detach(cond, true)
}

// Address is what the peer addressed: the target of a link on which it
// sends, the source of one on which it receives.
func (r *LinkRequest) Address() string {
	if r.Attach.Role == RoleSender {
		if r.Attach.Target != nil {
			return r.Attach.Target.Address
		}
		return ""
	}
	if r.Attach.Source != nil {
		return r.Attach.Source.Address
	}
	return ""
}

// accept sends our attach echoing the peer's termini.
func (r *LinkRequest) accept(want Role, offered, desired []string, props map[string]any) error {
	l := r.l
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.accepted {
		return l.linkErr(StageAttach, nil, errors.New("link already accepted or finished"))
	}
	if l.role != want {
		return l.linkErr(StageAttach, nil, errors.New("peer's role does not match: use Accept"+otherAccept(l.role)))
	}
	r.accepted = true
	l.local.Source, l.local.Target = r.Attach.Source, r.Attach.Target
	l.local.OfferedCapabilities, l.local.DesiredCapabilities = offered, desired
	l.local.Properties = props
	if err := l.s.conn.queue(l.s.channel, l.local, nil); err != nil {
		return err
	}
	close(l.attached)
	return nil
}

func otherAccept(ours Role) string {
	if ours == RoleSender {
		return "Sender"
	}
	return "Receiver"
}

// AcceptReceiver accepts a link on which the peer sends. Our attach echoes
// the peer's source, target and settle modes; opts set our credit,
// capabilities and properties.
func (r *LinkRequest) AcceptReceiver(opts *ReceiverOptions) (*Receiver, error) {
	if opts == nil {
		opts = &ReceiverOptions{}
	}
	r.l.setCredit(opts, r.Conn.maxMessage)
	if err := r.accept(RoleReceiver, opts.OfferedCapabilities, opts.DesiredCapabilities, opts.Properties); err != nil {
		return nil, err
	}
	rcv := &Receiver{l: r.l}
	if !r.l.manual {
		if err := rcv.IssueCredit(r.l.maxCredit); err != nil {
			return nil, err
		}
	}
	return rcv, nil
}

// AcceptSender accepts a link on which the peer receives.
func (r *LinkRequest) AcceptSender(opts *SenderOptions) (*Sender, error) {
	if opts == nil {
		opts = &SenderOptions{}
	}
	if err := r.accept(RoleSender, opts.OfferedCapabilities, opts.DesiredCapabilities, opts.Properties); err != nil {
		return nil, err
	}
	return &Sender{l: r.l}, nil
}
