package router

import (
	"context"
	"errors"
	"sync/atomic"
	"time"

	"github.com/honoctl/honoctl/internal/amqp"
	"github.com/honoctl/honoctl/internal/sim/hono"
)

// Credit handling towards senders.
const (
	// maxSenderCredit caps the credit one sender holds.
	maxSenderCredit = 250
	// anonymousCredit is what an anonymous sender gets: its messages go
	// to many addresses, so no one consumer's credit applies.
	anonymousCredit = 100
	// creditPoll is how often a sender's credit follows its consumers'.
	//
	// TODO: polled for want of a credit-change notice in internal/amqp;
	// see the same note in package messaging.
	creditPoll = 5 * time.Millisecond
)

// consumer is a receiver attached to the router: the router's sending end.
type consumer struct {
	snd       *amqp.Sender
	settled   bool // the receiver asked for pre-settled messages
	unsettled atomic.Int64
}

func (c *consumer) Credit() int    { return int(c.snd.Credit()) }
func (c *consumer) Unsettled() int { return int(c.unsettled.Load()) }

var _ hono.Consumer = (*consumer)(nil)

func sameConsumer(a, b *consumer) bool { return a == b }

var errLinkDenied = &amqp.Error{Condition: hono.PolicyDeniedLinkCondition, Description: hono.PolicyDeniedLink}

// link serves a link: a receiver (the peer receives) becomes a consumer of
// its source address; a sender's messages are routed to consumers.
func (r *Router) link(ctx context.Context, req *amqp.LinkRequest) error {
	p, _ := req.Conn.Identity().(*peer)
	adm := r.admission(req.Conn)
	addr := req.Address()
	if req.Attach.Role == amqp.RoleReceiver {
		if addr == "" || !adm.AllowSource(addr) || (p != nil && p.authz != nil && !p.authz.Allows(addr, "recv")) {
			r.log.Info("receiver refused", "user", userOf(p), "address", addr)
			return errLinkDenied
		}
		return r.serveConsumer(ctx, req, addr)
	}
	if !adm.AllowTarget(addr) || (addr != "" && p != nil && p.authz != nil && !p.authz.Allows(addr, "send")) {
		r.log.Info("sender refused", "user", userOf(p), "address", addr)
		return errLinkDenied
	}
	return r.serveProducer(ctx, req, addr, p)
}

func userOf(p *peer) string {
	if p == nil {
		return ""
	}
	return p.user
}

func (r *Router) serveConsumer(ctx context.Context, req *amqp.LinkRequest, addr string) error {
	c := &consumer{settled: req.Attach.SndSettleMode == amqp.SenderSettled}
	mode := amqp.SenderUnsettled
	if c.settled {
		mode = amqp.SenderSettled
	}
	snd, err := req.AcceptSender(&amqp.SenderOptions{SettleMode: mode})
	if err != nil {
		return err
	}
	c.snd = snd
	r.consumers.Attach(addr, c)
	defer r.consumers.Detach(addr, c, sameConsumer)
	r.log.Debug("consumer attached", "address", addr, "consumers", r.consumers.Count(addr))
	select {
	case <-ctx.Done():
	case <-snd.Done():
	}
	return nil
}

// producer is a sender attached to the router: the router's receiving end.
type producer struct {
	r    *Router
	rcv  *amqp.Receiver
	addr string // "" for an anonymous sender: messages carry their "to"
	held atomic.Int64
}

func (r *Router) serveProducer(ctx context.Context, req *amqp.LinkRequest, addr string, p *peer) error {
	rcv, err := req.AcceptReceiver(&amqp.ReceiverOptions{ManualCredit: true})
	if err != nil {
		return err
	}
	pr := &producer{r: r, rcv: rcv, addr: addr}
	go pr.followCredit(ctx)
	for {
		d, err := rcv.Receive(ctx)
		if err != nil {
			var le *amqp.LinkError
			if ctx.Err() != nil || errors.As(err, &le) {
				return nil
			}
			return err
		}
		pr.held.Add(-1)
		to := addr
		if to == "" && d.Message.Properties != nil {
			to = d.Message.Properties.To
		}
		if to == "" || (addr == "" && p != nil && p.authz != nil && !p.authz.Allows(to, "send")) {
			_ = d.Reject(&amqp.Error{Condition: amqp.ErrUnauthorizedAccess, Description: "no address or not allowed: " + to})
			continue
		}
		r.route(ctx, to, d)
	}
}

// followCredit keeps the sender's credit at what the consumers of its
// address can take, so that a sender without consumers gets none: what
// makes Hono's adapters answer 503 when no application listens.
func (p *producer) followCredit(ctx context.Context) {
	t := time.NewTicker(creditPoll)
	defer t.Stop()
	for {
		want := int64(anonymousCredit)
		if p.addr != "" {
			want = min(int64(p.r.consumers.Credit(p.addr, p.r.routes.Distribution(p.addr))), maxSenderCredit)
		}
		if held := p.held.Load(); held < want {
			if p.rcv.IssueCredit(uint32(want-held)) != nil {
				return
			}
			p.held.Add(want - held)
		}
		select {
		case <-ctx.Done():
			return
		case <-p.rcv.Done():
			return
		case <-t.C:
		}
	}
}

// route hands a delivery to its consumers and settles it with their
// outcome (balanced, closest) or at once (multicast, pre-settled).
func (r *Router) route(ctx context.Context, addr string, d *amqp.Delivery) {
	dist := r.routes.Distribution(addr)
	targets := r.consumers.Pick(addr, dist)
	if len(targets) == 0 {
		if !d.Settled {
			_ = d.Release()
		}
		return
	}
	if dist == hono.Multicast {
		for _, c := range targets {
			m := *d.Message
			m.DeliveryTag = nil
			_, _ = c.snd.SendAsync(ctx, &m)
		}
		if !d.Settled {
			_ = d.Accept()
		}
		return
	}
	c := targets[0]
	m := *d.Message
	m.DeliveryTag = nil
	tr, err := c.snd.SendAsync(ctx, &m)
	if err != nil {
		if !d.Settled {
			_ = d.Release()
		}
		return
	}
	if c.settled {
		if !d.Settled {
			_ = d.Accept()
		}
		return
	}
	c.unsettled.Add(1)
	go func() {
		defer c.unsettled.Add(-1)
		_ = tr.Wait(ctx)
		if d.Settled {
			return
		}
		state := tr.State()
		if state == nil {
			state = &amqp.Released{}
		}
		_ = d.Settle(state)
	}()
}
