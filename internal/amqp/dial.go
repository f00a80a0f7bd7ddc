package amqp

import (
	"bufio"
	"context"
	"crypto/rand"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"slices"
	"time"
)

// Dial connects to addr (host:port), runs TLS and SASL as opts say, and
// exchanges open frames. A failure is a *ConnError naming the stage.
func Dial(ctx context.Context, addr string, opts *ConnOptions) (*Conn, error) {
	var d net.Dialer
	nc, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, &ConnError{Stage: StageTCP, Addr: addr, Err: err}
	}
	return newClient(ctx, nc, addr, opts)
}

// NewConn runs the AMQP handshake over an established connection nc (for
// TLS, nc may already be a *tls.Conn). It takes ownership of nc.
func NewConn(ctx context.Context, nc net.Conn, opts *ConnOptions) (*Conn, error) {
	return newClient(ctx, nc, nc.RemoteAddr().String(), opts)
}

func newClient(ctx context.Context, nc net.Conn, addr string, opts *ConnOptions) (*Conn, error) {
	if opts == nil {
		opts = &ConnOptions{}
	}
	c := newConn(nc, addr)
	c.maxFrameIn, c.maxMessage = limits(opts.MaxFrameSize, opts.MaxMessageSize)
	if dl, ok := ctx.Deadline(); ok {
		_ = nc.SetDeadline(dl)
	}
	// Cancelling ctx unblocks whatever read or write the handshake is in.
	stop := context.AfterFunc(ctx, func() { _ = c.nc.SetDeadline(time.Unix(1, 0)) })
	err := c.clientHandshake(ctx, opts)
	stop()
	if err != nil {
		c.shutdown(err)
		var ce *ConnError
		if errors.As(err, &ce) && ctx.Err() != nil && ce.Remote == nil {
			ce.Err = fmt.Errorf("%w (%v)", ctx.Err(), ce.Err)
		}
		return nil, err
	}
	_ = c.nc.SetDeadline(time.Time{})
	c.start()
	return c, nil
}

func (c *Conn) clientHandshake(ctx context.Context, opts *ConnOptions) error {
	host, _, err := net.SplitHostPort(c.addr)
	if err != nil {
		host = c.addr
	}
	fail := func(stage Stage, err error) error { return &ConnError{Stage: stage, Addr: c.addr, Err: err} }

	if opts.StartTLS {
		if opts.TLSConfig == nil {
			return fail(StageHeader, errors.New("StartTLS needs a TLSConfig"))
		}
		if _, err := c.nc.Write(protoHeader(protoTLS)); err != nil {
			return fail(StageHeader, err)
		}
		if err := expectHeader(c.nc, protoTLS); err != nil {
			return fail(StageHeader, err)
		}
	}
	if opts.TLSConfig != nil {
		if err := c.clientTLS(ctx, opts.TLSConfig, host); err != nil {
			return fail(StageTLS, err)
		}
	}
	c.br = bufio.NewReaderSize(c.nc, 64<<10)
	if opts.SASL != nil {
		if err := c.clientSASL(opts.SASL, opts.HostName); err != nil {
			return err
		}
	}
	if _, err := c.nc.Write(protoHeader(protoAMQP)); err != nil {
		return fail(StageHeader, err)
	}
	if err := expectHeader(c.br, protoAMQP); err != nil {
		return fail(StageHeader, err)
	}
	return c.clientOpen(opts, host)
}

func (c *Conn) clientTLS(ctx context.Context, conf *tls.Config, host string) error {
	conf = conf.Clone()
	if conf.ServerName == "" {
		conf.ServerName = host
	}
	tc := tls.Client(c.nc, conf)
	if err := tc.HandshakeContext(ctx); err != nil {
		return err
	}
	state := tc.ConnectionState()
	c.nc, c.tls = tc, &state
	return nil
}

// clientSASL runs the SASL layer (part 5, 5.3) with one mechanism.
func (c *Conn) clientSASL(mech *SASL, hostname string) error {
	fail := func(err error) error { return &ConnError{Stage: StageSASL, Addr: c.addr, Err: err} }
	if _, err := c.nc.Write(protoHeader(protoSASL)); err != nil {
		return &ConnError{Stage: StageHeader, Addr: c.addr, Err: err}
	}
	if err := expectHeader(c.br, protoSASL); err != nil {
		return &ConnError{Stage: StageHeader, Addr: c.addr, Err: err}
	}
	body, err := c.readNow(frameSASL)
	if err != nil {
		return fail(err)
	}
	mechs, ok := body.(*saslMechanisms)
	if !ok {
		return fail(fmt.Errorf("expected sasl-mechanisms, got %T", body))
	}
	if !slices.Contains(mechs.mechanisms, mech.Mechanism) {
		return fail(fmt.Errorf("server offers %v, not %s", mechs.mechanisms, mech.Mechanism))
	}
	init := &saslInit{mechanism: mech.Mechanism, response: mech.Response, hostname: hostname}
	if err := c.writeNow(frameSASL, init); err != nil {
		return fail(err)
	}
	if body, err = c.readNow(frameSASL); err != nil {
		return fail(err)
	}
	switch b := body.(type) {
	case *saslOutcome:
		if b.code != SASLOK {
			return &ConnError{Stage: StageSASL, Addr: c.addr, SASLCode: b.code}
		}
		return nil
	case *saslChallenge:
		return fail(fmt.Errorf("%s: server sent a challenge, which this mechanism does not answer", mech.Mechanism))
	}
	return fail(fmt.Errorf("expected sasl-outcome, got %T", body))
}

func (c *Conn) clientOpen(opts *ConnOptions, host string) error {
	fail := func(err error) error { return &ConnError{Stage: StageOpen, Addr: c.addr, Err: err} }
	local := &Open{
		ContainerID: opts.ContainerID, Hostname: opts.HostName,
		MaxFrameSize: c.maxFrameIn, ChannelMax: opts.ChannelMax, IdleTimeout: opts.IdleTimeout,
		OfferedCapabilities: opts.OfferedCapabilities, DesiredCapabilities: opts.DesiredCapabilities,
		Properties: opts.Properties,
	}
	if local.ContainerID == "" {
		local.ContainerID = rand.Text()
	}
	if local.Hostname == "" {
		local.Hostname = host
	}
	if local.ChannelMax == 0 {
		local.ChannelMax = 65535
	}
	if err := c.writeNow(frameAMQP, local); err != nil {
		return fail(err)
	}
	body, err := c.readNow(frameAMQP)
	if err != nil {
		return fail(err)
	}
	switch b := body.(type) {
	case *closeFrame:
		return &ConnError{Stage: StageOpen, Addr: c.addr, Remote: b.err, Err: peerClosedCause(b.err)}
	case *Open:
		if err := c.agreeOpen(local, b); err != nil {
			return fail(err)
		}
	default:
		return fail(fmt.Errorf("expected open, got %T", body))
	}
	return c.refusedOpen()
}

// refusedOpen catches a server that refuses by sending open and then close
// at once (part 2, 2.4.1): if the close has already arrived, the failure
// belongs to the open stage rather than to a later NewSession.
func (c *Conn) refusedOpen() error {
	if c.br.Buffered() == 0 {
		return nil
	}
	f, err := readFrame(c.br, c.maxFrameIn)
	if err != nil {
		var fe *frameError
		if errors.As(err, &fe) {
			_ = c.writeNow(frameAMQP, &closeFrame{err: &Error{Condition: fe.cond, Description: fe.msg}})
		}
		return &ConnError{Stage: StageOpen, Addr: c.addr, Err: err}
	}
	if cl, ok := f.body.(*closeFrame); ok {
		_ = c.writeNow(frameAMQP, &closeFrame{})
		return &ConnError{Stage: StageOpen, Addr: c.addr, Remote: cl.err, Err: peerClosedCause(cl.err)}
	}
	c.early = &f
	return nil
}
