package registry

import (
	"context"
	"errors"
	"fmt"

	"github.com/honoctl/honoctl/internal/amqp"
	"github.com/honoctl/honoctl/internal/sim/hono"
)

// Endpoints of the registry's AMQP API.
const (
	EndpointRegistration = "registration"
	EndpointCredentials  = "credentials"
	EndpointTenant       = "tenant"
)

// link serves one link: a reply link (the client receives) or a request
// link (the client sends), as Hono's RequestResponseEndpoint.
func (s *Server) link(ctx context.Context, req *amqp.LinkRequest) error {
	addr := req.Address()
	r := hono.ParseResource(addr)
	switch r.Endpoint() {
	case EndpointRegistration, EndpointCredentials, EndpointTenant:
	default:
		return &amqp.Error{Condition: amqp.ErrNotFound, Description: fmt.Sprintf("no endpoint for address %q", addr)}
	}
	tok, _ := req.Conn.Identity().(*hono.Token)
	if tok == nil {
		return &amqp.Error{Condition: amqp.ErrUnauthorizedAccess, Description: "client must authenticate using SASL"}
	}
	if req.Attach.Role == amqp.RoleReceiver {
		return s.replyLink(ctx, req, r, tok)
	}
	return s.requestLink(ctx, req, r, tok)
}

// replyLink registers the client's receiver as the destination of the
// responses to its reply-to address, until the link ends.
func (s *Server) replyLink(ctx context.Context, req *amqp.LinkRequest, r hono.Resource, tok *hono.Token) error {
	// registration/<tenant>/<reply>, credentials/<tenant>/<reply>,
	// tenant/<reply>.
	minSegs := 3
	if r.Endpoint() == EndpointTenant {
		minSegs = 2
	}
	if len(r.Path) < minSegs {
		return &amqp.Error{Condition: amqp.ErrInvalidField,
			Description: fmt.Sprintf("reply-to address must have the following format %s/<tenant>/<reply-address>", r.Endpoint())}
	}
	if !tok.Authorities.Allowed(r, hono.Read) {
		return &amqp.Error{Condition: amqp.ErrUnauthorizedAccess, Description: "unauthorized to receive from " + r.String()}
	}
	replyTo := r.String()
	s.mu.Lock()
	_, dup := s.replies[replyTo]
	if !dup {
		s.replies[replyTo] = nil // reserved until the attach completes
	}
	s.mu.Unlock()
	if dup {
		return &amqp.Error{Condition: amqp.ErrIllegalState,
			Description: fmt.Sprintf("reply-to address [%s] is already subscribed", replyTo)}
	}
	defer func() {
		s.mu.Lock()
		delete(s.replies, replyTo)
		s.mu.Unlock()
	}()
	snd, err := req.AcceptSender(&amqp.SenderOptions{SettleMode: amqp.SenderUnsettled})
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.replies[replyTo] = snd
	s.mu.Unlock()
	select {
	case <-ctx.Done():
	case <-snd.Done():
	}
	return nil
}

// replySender returns the subscribed sender of a reply-to address.
func (s *Server) replySender(replyTo string) *amqp.Sender {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.replies[replyTo]
}

// requestLink receives requests, answers each on its reply link and
// settles it, giving the client one credit back per request.
func (s *Server) requestLink(ctx context.Context, req *amqp.LinkRequest, r hono.Resource, tok *hono.Token) error {
	if req.Attach.SndSettleMode == amqp.SenderSettled {
		return &amqp.Error{Condition: amqp.ErrPreconditionFailed, Description: "endpoint requires AT_LEAST_ONCE QoS"}
	}
	if !tok.Authorities.Allowed(r, hono.Write) {
		return &amqp.Error{Condition: amqp.ErrUnauthorizedAccess, Description: "unauthorized to send to " + r.String()}
	}
	rcv, err := req.AcceptReceiver(&amqp.ReceiverOptions{Credit: s.credit, ManualCredit: true})
	if err != nil {
		return err
	}
	if err := rcv.IssueCredit(s.credit); err != nil {
		return err
	}
	for {
		d, err := rcv.Receive(ctx)
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, context.Canceled) {
				return nil
			}
			return err
		}
		s.handleRequest(ctx, r, tok, d)
		if err := rcv.IssueCredit(1); err != nil {
			return err
		}
	}
}

// handleRequest checks a request in Hono's order (form, subscribed reply-to,
// authorization), settles it and sends the response.
func (s *Server) handleRequest(ctx context.Context, target hono.Resource, tok *hono.Token, d *amqp.Delivery) {
	msg := d.Message
	req, err := parseRequest(target, msg)
	if err != nil {
		s.log.Debug("malformed request", "target", target.String(), "err", err)
		_ = d.Reject(&amqp.Error{Condition: amqp.ErrDecodeError, Description: "malformed payload"})
		return
	}
	snd := s.replySender(req.replyTo)
	if snd == nil {
		_ = d.Reject(&amqp.Error{Condition: amqp.ErrIllegalState, Description: "unsubscribed reply-to address"})
		return
	}
	if res, ok := authzResource(target, req); ok && !tok.Authorities.AllowedOperation(res, req.subject) {
		s.log.Debug("unauthorized request", "user", tok.Name, "resource", res.String(), "operation", req.subject)
		_ = d.Reject(&amqp.Error{Condition: amqp.ErrUnauthorizedAccess, Description: "unauthorized"})
		return
	}
	resp, err := s.process(target.Endpoint(), req)
	if err != nil {
		_ = d.Reject(&amqp.Error{Condition: amqp.ErrDecodeError, Description: "malformed payload"})
		return
	}
	if target.Endpoint() == EndpointTenant && resp.tenant != "" && resp.payload != nil {
		// TenantAmqpEndpoint.filterResponse: the client must be allowed
		// the operation on the tenant it gets.
		res := hono.Resource{Path: []string{EndpointTenant, resp.tenant}}
		if !tok.Authorities.AllowedOperation(res, req.subject) {
			resp = &response{status: hono.StatusForbidden, tenant: resp.tenant}
		}
	}
	_ = d.Accept()
	reply, err := resp.message(target.Endpoint(), req)
	if err != nil {
		s.log.Warn("cannot encode response", "err", err)
		return
	}
	if _, err := snd.SendAsync(ctx, reply); err != nil {
		s.log.Debug("cannot send response", "reply_to", req.replyTo, "err", err)
	}
}

// authzResource is the resource a request's operation is checked on: the
// link's target, except for the tenant API, which checks
// tenant/<tenant_id> when the request names a tenant and otherwise checks
// the response (TenantAmqpEndpoint.isAuthorized).
func authzResource(target hono.Resource, req *request) (hono.Resource, bool) {
	if target.Endpoint() != EndpointTenant {
		return target, true
	}
	if req.tenant == "" {
		return hono.Resource{}, false
	}
	return hono.Resource{Path: []string{EndpointTenant, req.tenant}}, true
}
