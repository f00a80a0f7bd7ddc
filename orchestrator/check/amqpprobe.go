package check

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/honoctl/honoctl/internal/amqp"
	"github.com/honoctl/honoctl/orchestrator/render"
	"github.com/honoctl/honoctl/orchestrator/topology"
)

// AMQP check identifiers.
const (
	IDAMQPSASL   = "amqp.sasl"   // the SASL mechanism the client uses succeeds
	IDAMQPOpen   = "amqp.open"   // the server opens the connection (vhost, capabilities)
	IDAMQPAttach = "amqp.attach" // the server accepts the link the client attaches
	IDAuthToken  = "auth.token"  // the Auth Server's token verifies with its certificate
)

// AMQPProber logs in on AMQP links and attaches what their clients attach.
// Its zero value is ready to use.
type AMQPProber struct {
	// Timeout bounds each link's whole probe. Default: 5 s (Hono's own
	// login timeout).
	Timeout time.Duration
	// Now is the clock tokens are judged by. Default: time.Now.
	Now func() time.Time
}

func (p *AMQPProber) timeout() time.Duration {
	if p.Timeout > 0 {
		return p.Timeout
	}
	return 5 * time.Second
}

// Probe runs the AMQP checks of one target: SASL, open, attach, and for a
// token link the token's signature. A stage that cannot run because an
// earlier one failed is skipped with the reason.
func (p *AMQPProber) Probe(ctx context.Context, t AMQPTarget) []Finding {
	ctx, cancel := context.WithTimeout(ctx, p.timeout())
	defer cancel()
	f := func(id string, st Status, msg string, ev ...Evidence) Finding {
		return Finding{Channel: t.Link.Channel, Link: t.Link.String(), Check: id, Status: st,
			Message: msg, Evidence: ev}
	}
	ids := []string{IDAMQPSASL, IDAMQPOpen, IDAMQPAttach}
	if t.Attach == AttachNone {
		ids = ids[:2]
	}
	if t.Attach == AttachToken {
		ids = append(ids, IDAuthToken)
	}
	skipFrom := func(out []Finding, from int, why string) []Finding {
		for _, id := range ids[from:] {
			out = append(out, f(id, Skip, why))
		}
		return out
	}
	who := []Evidence{{"mechanism", t.Mechanism}, {"address", t.Addr}}
	if t.Mechanism == topology.SASLPlain {
		who = append(who, Evidence{"user", t.User}, Evidence{"credentials from", t.CredentialsFrom})
	}
	if t.HostName != "" {
		who = append(who, Evidence{"open hostname", t.HostName})
	}

	conn, err := amqp.Dial(ctx, t.Addr, t.connOptions())
	var out []Finding
	if err != nil {
		var ce *amqp.ConnError
		if !errors.As(err, &ce) || ce.Stage == amqp.StageTCP || ce.Stage == amqp.StageTLS {
			return skipFrom(nil, 0, "no TLS connection to log in on ("+err.Error()+"); see tls.handshake")
		}
		if ce.Stage == amqp.StageHeader || ce.Stage == amqp.StageSASL {
			fd := f(IDAMQPSASL, Fail, saslMessage(t, ce), append(who, Evidence{"error", ce.Error()})...)
			fd.Hint = saslHint(t, ce)
			return skipFrom([]Finding{fd}, 1, "SASL failed")
		}
		out = append(out, f(IDAMQPSASL, Pass, t.Mechanism+" accepted", who...))
		fd := f(IDAMQPOpen, Fail, "the server closed the connection instead of opening it: "+remoteText(ce),
			append(who, Evidence{"error", ce.Error()})...)
		fd.Hint = openHint(t)
		return skipFrom(append(out, fd), 2, "the connection did not open")
	}
	defer conn.Close()
	out = append(out, f(IDAMQPSASL, Pass, t.Mechanism+" accepted", who...))

	remote := conn.RemoteOpen()
	openEv := []Evidence{{"container id", remote.ContainerID}}
	for _, want := range t.Desired {
		if !slices.Contains(remote.OfferedCapabilities, want) {
			fd := f(IDAMQPOpen, Fail, fmt.Sprintf("the server does not offer the %s capability the client desires", want),
				append(openEv, Evidence{"offered", strings.Join(remote.OfferedCapabilities, ",")})...)
			fd.Hint = fmt.Sprintf("the router's authServicePlugin needs %s from the Auth Server (Hono 0.7 or later); "+
				"check the image of %s and %s", want, t.Link.Server, t.Fix.ServerConfig)
			return skipFrom(append(out, fd), 2, "the open exchange failed")
		}
		openEv = append(openEv, Evidence{"offered", want})
	}
	out = append(out, f(IDAMQPOpen, Pass, "connection open", openEv...))
	if t.Attach == AttachNone {
		return out
	}

	token, ev, err := p.attach(ctx, conn, t)
	if err != nil {
		fd := f(IDAMQPAttach, Fail, "the server refused the link: "+linkText(err),
			append(ev, Evidence{"error", err.Error()})...)
		fd.Hint = attachHint(t, err)
		return skipFrom(append(out, fd), 3, "no link attached")
	}
	out = append(out, f(IDAMQPAttach, Pass, "attached "+t.Address, ev...))
	if t.Attach == AttachToken {
		out = append(out, p.verifyToken(t, token))
	}
	return out
}

func (t AMQPTarget) connOptions() *amqp.ConnOptions {
	o := &amqp.ConnOptions{TLSConfig: t.TLS, HostName: t.HostName, DesiredCapabilities: t.Desired,
		ContainerID: "honoctl-check"}
	if t.Mechanism == topology.SASLExternal {
		o.SASL = amqp.SASLExternal()
	} else {
		o.SASL = amqp.SASLPlain(t.User, t.Password)
	}
	return o
}

// attach attaches the target's link and returns the token read from a
// cbs link.
func (p *AMQPProber) attach(ctx context.Context, conn *amqp.Conn, t AMQPTarget) (string, []Evidence, error) {
	sess, err := conn.NewSession(ctx, nil)
	if err != nil {
		return "", nil, err
	}
	var ev []Evidence
	switch t.Attach {
	case AttachSender:
		snd, err := sess.NewSender(ctx, t.Address, nil)
		if err != nil {
			return "", nil, err
		}
		if caps := snd.RemoteAttach().OfferedCapabilities; len(caps) > 0 {
			ev = append(ev, Evidence{"offered", strings.Join(caps, ",")})
		}
		return "", ev, nil
	case AttachReceiver:
		_, err := sess.NewReceiver(ctx, t.Address, &amqp.ReceiverOptions{ManualCredit: true})
		return "", nil, err
	case AttachRequest:
		// Hono refuses a reply address already subscribed: one per probe.
		reply := t.Address + "/honoctl-check-" + rand.Text()[:8]
		if _, err := sess.NewReceiver(ctx, reply, nil); err != nil {
			return "", nil, err
		}
		if _, err := sess.NewSender(ctx, t.Address, nil); err != nil {
			return "", nil, err
		}
		return "", []Evidence{{"reply address", reply}}, nil
	}

	// AttachToken: the Auth Server sends one message, type amqp:jwt.
	rcv, err := sess.NewReceiver(ctx, t.Address, &amqp.ReceiverOptions{Credit: 1})
	if err != nil {
		return "", nil, err
	}
	d, err := rcv.Receive(ctx)
	if err != nil {
		return "", nil, fmt.Errorf("no token on %s: %w", t.Address, err)
	}
	_ = d.Accept()
	tok, ok := d.Message.Value.(string)
	if !ok {
		return "", nil, fmt.Errorf("the message on %s holds %T, not a JWT string", t.Address, d.Message.Value)
	}
	typ, _ := d.Message.ApplicationProperties["type"].(string)
	return tok, []Evidence{{"type", typ}}, nil
}

func saslMessage(t AMQPTarget, ce *amqp.ConnError) string {
	if ce.SASLCode != amqp.SASLOK {
		if t.Mechanism == topology.SASLExternal {
			return fmt.Sprintf("EXTERNAL refused (SASL outcome %s): the server does not accept %s's certificate as a user",
				ce.SASLCode, t.Link.Client)
		}
		return fmt.Sprintf("PLAIN refused for %s (SASL outcome %s)", t.User, ce.SASLCode)
	}
	return "SASL did not complete: " + ce.Error()
}

func saslHint(t AMQPTarget, ce *amqp.ConnError) string {
	if ce.Err != nil && strings.Contains(ce.Err.Error(), "server offers") {
		return fmt.Sprintf("the server does not offer %s; check the listener's saslMechanisms in %s",
			t.Mechanism, t.Fix.ServerConfig)
	}
	if t.Mechanism == topology.SASLExternal {
		return fmt.Sprintf("the router maps EXTERNAL peers to O;OU;CN of the client certificate (uidFormat oun): "+
			"check the subject of certs/%s and the users of vhost %s in %s",
			certOf(t), t.HostName, t.Fix.ServerConfig)
	}
	perms := filepath.Join(render.ConfigDir, render.PermissionsFile)
	switch t.CredentialsFrom {
	case appSettings:
		return fmt.Sprintf("the application logs in as %s with the demo password (%s): "+
			"%s must hold that user with mechanism PLAIN and the same password", t.User, t.CredentialsFrom, perms)
	case perms:
		return fmt.Sprintf("the Auth Server refused %s as %s defines it: check hono.auth.svc.permissionsPath in %s",
			t.User, perms, t.Fix.ServerConfig)
	}
	return fmt.Sprintf("user %s and its password in %s must match the user in %s", t.User, t.CredentialsFrom, perms)
}

func certOf(t AMQPTarget) string {
	if t.TLS == nil || len(t.TLS.Certificates) == 0 || t.TLS.Certificates[0].Leaf == nil {
		return t.Link.Client + "'s certificate"
	}
	return t.TLS.Certificates[0].Leaf.Subject.CommonName + "-cert.pem"
}

func openHint(t AMQPTarget) string {
	if t.HostNameSetting != "" {
		return fmt.Sprintf("open hostname %q: set %s in %s to a vhost of %s that lists the client's user",
			t.HostName, t.HostNameSetting, t.Fix.ClientConfig, t.Fix.ServerConfig)
	}
	return fmt.Sprintf("the server refused the connection; see its log and %s", t.Fix.ServerConfig)
}

func attachHint(t AMQPTarget, err error) string {
	var le *amqp.LinkError
	if errors.As(err, &le) && le.Remote != nil && le.Remote.Condition != amqp.ErrUnauthorizedAccess &&
		le.Remote.Condition != amqp.ErrNotAllowed {
		return fmt.Sprintf("%s refused %s with %s; see its log (honoctl logs %s) and %s",
			t.Link.Server, t.Address, le.Remote.Condition, t.Link.Server, t.Fix.ServerConfig)
	}
	if t.HostName != "" {
		// An unknown vhost is not refused at open: the router applies its
		// defaultVhost's policy, which refuses the link instead.
		return fmt.Sprintf("open hostname %q (%s in %s) selects the router's vhost: that vhost in %s "+
			"must list the client's user and allow %s", t.HostName, t.HostNameSetting, t.Fix.ClientConfig,
			t.Fix.ServerConfig, t.Address)
	}
	return fmt.Sprintf("user %s needs the authority for %s in config/permissions.json", t.User, t.Address)
}

func remoteText(ce *amqp.ConnError) string {
	if ce.Remote != nil {
		return ce.Remote.Error()
	}
	return ce.Error()
}

func linkText(err error) string {
	var le *amqp.LinkError
	if errors.As(err, &le) && le.Remote != nil {
		return le.Remote.Error()
	}
	return err.Error()
}
