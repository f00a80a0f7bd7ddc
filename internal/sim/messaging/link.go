package messaging

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/honoctl/honoctl/internal/amqp"
	"github.com/honoctl/honoctl/internal/sim/hono"
)

// Endpoints and the error condition Hono Messaging uses when it has no
// router to forward to.
const (
	EndpointTelemetry = "telemetry"
	EndpointEvent     = "event"

	ErrNoDownstreamConsumer amqp.Condition = "hono:no-downstream-consumer"
)

// creditPoll is how often an upstream link's credit follows the router's.
//
// TODO: internal/amqp has no notice when a sender's credit changes, so the
// credit is polled; each idle link wakes 200 times a second. A credit
// channel on amqp.Sender would make this event-driven.
const creditPoll = 5 * time.Millisecond

// link serves a link on which an adapter sends telemetry or events.
func (s *Server) link(ctx context.Context, req *amqp.LinkRequest) error {
	if req.Attach.Role == amqp.RoleReceiver {
		return &amqp.Error{Condition: amqp.ErrNotAllowed, Description: "Hono Messaging does not serve receivers"}
	}
	addr := req.Address()
	if addr == "" {
		return &amqp.Error{Condition: amqp.ErrNotAllowed, Description: "anonymous relay not supported"}
	}
	r := hono.ParseResource(addr)
	if r.Endpoint() != EndpointTelemetry && r.Endpoint() != EndpointEvent {
		return &amqp.Error{Condition: amqp.ErrNotFound, Description: fmt.Sprintf("no endpoint for address %q", addr)}
	}
	if r.Tenant() == "" {
		return &amqp.Error{Condition: amqp.ErrInvalidField, Description: "target address must contain a tenant"}
	}
	tok, _ := req.Conn.Identity().(*hono.Token)
	if tok == nil || !tok.Authorities.Allowed(r, hono.Write) {
		return &amqp.Error{Condition: amqp.ErrUnauthorizedAccess, Description: "unauthorized to send to " + addr}
	}
	// Telemetry takes both delivery modes; events only AT_LEAST_ONCE.
	settled := req.Attach.SndSettleMode == amqp.SenderSettled
	if settled && r.Endpoint() == EndpointEvent {
		return &amqp.Error{Condition: amqp.ErrHonoUnsupportedMode, Description: "endpoint does not support requested delivery mode"}
	}

	// A downstream sender per upstream link, to the tenant-only address.
	conn, sess, err := s.down.current()
	if err != nil {
		return &amqp.Error{Condition: ErrNoDownstreamConsumer, Description: "no downstream consumer available for data"}
	}
	mode := amqp.SenderUnsettled
	if settled {
		mode = amqp.SenderSettled
	}
	dsnd, err := sess.NewSender(ctx, r.Base(), &amqp.SenderOptions{SettleMode: mode})
	if err != nil {
		s.log.Info("downstream sender refused", "address", r.Base(), "err", err)
		return &amqp.Error{Condition: ErrNoDownstreamConsumer, Description: "no downstream consumer available for data"}
	}
	defer dsnd.Close(context.WithoutCancel(ctx))

	rcv, err := req.AcceptReceiver(&amqp.ReceiverOptions{
		ManualCredit:        true,
		OfferedCapabilities: []string{CapabilityRegAssertion},
	})
	if err != nil {
		return err
	}
	u := &upstream{s: s, r: r, rcv: rcv, dsnd: dsnd}
	go u.followCredit(ctx, conn)
	return u.receive(ctx)
}

// upstream is one adapter link and its downstream sender.
type upstream struct {
	s    *Server
	r    hono.Resource
	rcv  *amqp.Receiver
	dsnd *amqp.Sender
	// held is the credit the adapter holds: issued and not yet used.
	held atomic.Int64
}

// followCredit keeps the adapter's credit at the router's (at most the
// configured link credit), as ForwardingDownstreamAdapter passes credit
// upstream, and closes the link when the router connection or the
// downstream link goes away.
func (u *upstream) followCredit(ctx context.Context, conn *amqp.Conn) {
	t := time.NewTicker(creditPoll)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-u.rcv.Done():
			return
		case <-conn.Done():
			u.closeNoConsumer()
			return
		case <-u.dsnd.Done():
			u.closeNoConsumer()
			return
		case <-t.C:
		}
		want := min(int64(u.dsnd.Credit()), int64(u.s.credit))
		if held := u.held.Load(); held < want {
			if u.rcv.IssueCredit(uint32(want-held)) != nil {
				return
			}
			u.held.Add(want - held)
		}
	}
}

func (u *upstream) closeNoConsumer() {
	_ = u.rcv.CloseWithError(&amqp.Error{Condition: ErrNoDownstreamConsumer, Description: "no downstream consumer available for data"})
}

func (u *upstream) receive(ctx context.Context) error {
	for {
		d, err := u.rcv.Receive(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			var le *amqp.LinkError
			if errors.As(err, &le) {
				return nil // the adapter detached, or we closed the link
			}
			return err
		}
		u.held.Add(-1)
		u.forward(ctx, d)
	}
}

// forward checks a message (Hono's MessageForwardingEndpoint and
// TelemetryEndpoint/EventEndpoint) and sends it downstream.
func (u *upstream) forward(ctx context.Context, d *amqp.Delivery) {
	msg := d.Message
	device, err := checkMessage(u.r, msg)
	if err != nil {
		u.s.log.Debug("malformed message", "address", u.r.String(), "err", err)
		_ = d.Reject(&amqp.Error{Condition: amqp.ErrDecodeError, Description: err.Error()})
		return
	}
	tok, _ := msg.ApplicationProperties[propRegAssertion].(string)
	delete(msg.ApplicationProperties, propRegAssertion)
	if tok == "" || u.s.key.CheckAssertion(tok, u.r.Tenant(), device, time.Now()) != nil {
		u.s.log.Debug("registration assertion invalid", "tenant", u.r.Tenant(), "device", device, "present", tok != "")
		_ = d.Reject(&amqp.Error{Condition: amqp.ErrPreconditionFailed, Description: "device non-existent/disabled"})
		return
	}
	annotate(msg, u.r, device)

	if u.dsnd.Credit() == 0 {
		// ForwardingDownstreamAdapter: no downstream credit.
		if d.Settled {
			return
		}
		_ = d.Release()
		return
	}
	msg.DeliveryTag = nil
	tr, err := u.dsnd.SendAsync(ctx, msg)
	if err != nil {
		if !d.Settled {
			_ = d.Release()
		}
		return
	}
	if d.Settled {
		return
	}
	if u.r.Endpoint() == EndpointTelemetry {
		// Telemetry is accepted once forwarded; events wait for the
		// router's outcome and pass it on.
		_ = d.Accept()
		return
	}
	go func() {
		_ = tr.Wait(ctx)
		state := tr.State()
		if state == nil {
			state = &amqp.Released{}
		}
		_ = d.Settle(state)
	}()
}
