package auth

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/honoctl/honoctl/internal/amqp"
	"github.com/honoctl/honoctl/internal/sim/hono"
)

// authenticate checks a SASL exchange against the permissions file and
// issues the token the client will fetch (HonoSaslAuthenticator with
// FileBasedAuthenticationService).
func (s *Server) authenticate(ctx context.Context, req *amqp.SASLRequest) (any, error) {
	var p hono.Principal
	var err error
	switch req.Mechanism {
	case amqp.MechPlain:
		p, err = s.perms.AuthenticatePlain(req.AuthzID, req.AuthcID, req.Password)
	case amqp.MechExternal:
		if len(req.PeerCertificates) == 0 {
			err = fmt.Errorf("%w: EXTERNAL without a client certificate", hono.ErrUnauthorized)
			break
		}
		p, err = s.perms.AuthenticateExternal(req.AuthzID, req.PeerCertificates[0].Subject)
	default:
		err = fmt.Errorf("unsupported mechanism %s", req.Mechanism)
	}
	if err != nil {
		// NOTE: the user name is logged, never the password.
		s.log.Info("authentication failed", "remote", addrString(req.RemoteAddr),
			"mechanism", req.Mechanism, "user", req.AuthcID, "err", err)
		return nil, &amqp.SASLError{Code: amqp.SASLAuth, Err: err}
	}
	tok, err := s.key.IssueToken(p, s.lifetime, time.Now())
	if err != nil {
		return nil, &amqp.SASLError{Code: amqp.SASLSys, Err: err}
	}
	s.log.Debug("authenticated", "remote", addrString(req.RemoteAddr), "mechanism", req.Mechanism, "user", p.Name)
	return &identity{Principal: p, token: tok}, nil
}

// open answers ADDRESS-AUTHZ and starts the 5 s token timer.
func (s *Server) open(ctx context.Context, req *amqp.OpenRequest) error {
	id, _ := req.Conn.Identity().(*identity)
	if id != nil && desires(req.Remote.DesiredCapabilities, CapabilityAddressAuthz) {
		authz := map[string]any{}
		for addr, perms := range id.Authorities.AddressAuthz() {
			authz[addr] = perms
		}
		req.Reply.OfferedCapabilities = []string{CapabilityAddressAuthz}
		req.Reply.Properties = map[string]any{
			PropertyIdentity:     id.Name,
			PropertyAddressAuthz: authz,
		}
		s.log.Debug("transferring permissions in open frame", "user", id.Name, "permissions", len(authz))
	}
	conn := req.Conn
	go func() {
		t := time.NewTimer(s.tokenTimeout)
		defer t.Stop()
		select {
		case <-conn.Done():
		case <-t.C:
			s.log.Debug("closing connection: token not fetched in time", "remote", addrString(conn.RemoteAddr()))
			_ = conn.CloseWithError(&amqp.Error{
				Condition:   amqp.ErrHonoInactivity,
				Description: "client must retrieve token within 5 secs after opening connection",
			})
		}
	}()
	return nil
}

// link serves the token link: a receiving link from "cbs" gets one message
// with the token, then the link is closed.
func (s *Server) link(ctx context.Context, req *amqp.LinkRequest) error {
	if req.Attach.Role == amqp.RoleSender {
		return &amqp.Error{Condition: amqp.ErrNotAllowed, Description: "cannot write to node"}
	}
	if hono.ParseResource(req.Address()).Endpoint() != TokenSource {
		err := &amqp.Error{Condition: amqp.ErrNotFound, Description: "no such node"}
		_ = req.Conn.CloseWithError(err)
		return err
	}
	id, _ := req.Conn.Identity().(*identity)
	if id == nil {
		err := &amqp.Error{Condition: amqp.ErrUnauthorizedAccess, Description: "client must authenticate using SASL"}
		_ = req.Conn.CloseWithError(err)
		return err
	}
	// Hono's AT_LEAST_ONCE is any mode but settled (proton's getRemoteQoS).
	if req.Attach.SndSettleMode == amqp.SenderSettled {
		return &amqp.Error{Condition: amqp.ErrInvalidField, Description: "token link must be AT_LEAST_ONCE"}
	}
	snd, err := req.AcceptSender(&amqp.SenderOptions{SettleMode: amqp.SenderUnsettled})
	if err != nil {
		return err
	}
	msg := &amqp.Message{
		ApplicationProperties: map[string]any{"type": TokenType},
		Value:                 id.token,
		HasValue:              true,
	}
	if err := snd.Send(ctx, msg); err != nil {
		var de *amqp.DeliveryError
		if !errors.As(err, &de) {
			return err
		}
		s.log.Debug("client did not accept its token", "user", id.Name, "state", de.State.String())
	}
	s.log.Debug("token sent", "user", id.Name, "remote", addrString(req.Conn.RemoteAddr()))
	return snd.Close(ctx)
}

func desires(caps []string, c string) bool {
	for _, x := range caps {
		if x == c {
			return true
		}
	}
	return false
}

func addrString(a interface{ String() string }) string {
	if a == nil {
		return ""
	}
	return a.String()
}
