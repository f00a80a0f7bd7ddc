package amqp

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/honoctl/honoctl/internal/amqp/encoding"
)

// serverHandshake takes a peer from the socket to an open connection:
// TLS (on a TLS listener, or after the AMQP TLS header), SASL when the
// server has mechanisms, then the open exchange.
func (c *Conn) serverHandshake(ctx context.Context) error {
	s := c.server
	fail := func(stage Stage, err error) error { return &ConnError{Stage: stage, Addr: c.addr, Err: err} }
	if tc, ok := c.nc.(*tls.Conn); ok {
		if err := tc.HandshakeContext(ctx); err != nil {
			return fail(StageTLS, err)
		}
		state := tc.ConnectionState()
		c.tls = &state
	}
	// The first header is read without buffering: after a TLS header the
	// next bytes belong to the TLS handshake.
	proto, err := readHeader(c.nc)
	if err != nil {
		_, _ = c.nc.Write(protoHeader(c.preferredProto()))
		return fail(StageHeader, err)
	}
	if proto == protoTLS {
		if err := c.serverStartTLS(ctx); err != nil {
			return err
		}
		if proto, err = readHeader(c.nc); err != nil {
			_, _ = c.nc.Write(protoHeader(c.preferredProto()))
			return fail(StageHeader, err)
		}
	}
	c.br = bufio.NewReaderSize(c.nc, 64<<10)
	if len(s.Mechanisms) > 0 {
		if proto != protoSASL {
			_, _ = c.nc.Write(protoHeader(protoSASL))
			return fail(StageHeader, errors.New("peer skipped SASL, which this server requires"))
		}
		if err := c.serverSASL(ctx); err != nil {
			return err
		}
		if proto, err = readHeader(c.br); err != nil {
			_, _ = c.nc.Write(protoHeader(protoAMQP))
			return fail(StageHeader, err)
		}
	}
	if proto != protoAMQP {
		_, _ = c.nc.Write(protoHeader(protoAMQP))
		return fail(StageHeader, fmt.Errorf("peer asked for %s, which this server does not offer", protoNames[proto]))
	}
	if _, err := c.nc.Write(protoHeader(protoAMQP)); err != nil {
		return fail(StageHeader, err)
	}
	return c.serverOpen(ctx)
}

// preferredProto is the header we answer a bad header with (part 2, 2.2).
func (c *Conn) preferredProto() byte {
	if len(c.server.Mechanisms) > 0 {
		return protoSASL
	}
	return protoAMQP
}

func (c *Conn) serverStartTLS(ctx context.Context) error {
	if c.tls != nil || c.server.TLSConfig == nil {
		_, _ = c.nc.Write(protoHeader(c.preferredProto()))
		return &ConnError{Stage: StageHeader, Addr: c.addr, Err: errors.New("peer asked for TLS, which this listener does not offer")}
	}
	if _, err := c.nc.Write(protoHeader(protoTLS)); err != nil {
		return &ConnError{Stage: StageHeader, Addr: c.addr, Err: err}
	}
	tc := tls.Server(c.nc, c.server.TLSConfig)
	if err := tc.HandshakeContext(ctx); err != nil {
		return &ConnError{Stage: StageTLS, Addr: c.addr, Err: err}
	}
	state := tc.ConnectionState()
	c.nc, c.tls = tc, &state
	return nil
}

// serverOpen reads the peer's open, lets the Open handler decide and
// answers; a refusal is an open followed by a close (part 2, 2.4.1).
func (c *Conn) serverOpen(ctx context.Context) error {
	s := c.server
	fail := func(err error) error { return &ConnError{Stage: StageOpen, Addr: c.addr, Err: err} }
	body, err := c.readNow(frameAMQP)
	if err != nil {
		c.closeHandshake(err)
		return fail(err)
	}
	remote, ok := body.(*Open)
	if !ok {
		return fail(fmt.Errorf("expected open, got %T", body))
	}
	local := &Open{ContainerID: s.ContainerID, MaxFrameSize: c.maxFrameIn,
		ChannelMax: 65535, IdleTimeout: s.IdleTimeout}
	refusal := c.agreeOpen(local, remote)
	if refusal == nil && s.Open != nil {
		refusal = s.Open(ctx, &OpenRequest{Conn: c, Remote: remote, Reply: local})
	}
	if refusal == nil {
		if err := c.writeNow(frameAMQP, local); err != nil {
			return fail(err)
		}
		return nil
	}
	// Open and close go out in one write, so that a client sees the
	// refusal while it is still opening (Conn.refusedOpen).
	e := asError(refusal)
	var w encoding.Buffer
	_ = appendFrame(&w, frameAMQP, 0, local, nil)
	_ = appendFrame(&w, frameAMQP, 0, &closeFrame{err: e}, nil)
	_, _ = c.nc.Write(w.Bytes())
	return fail(fmt.Errorf("refused: %w", e))
}

// closeHandshake tells the peer why its open was not read, when the
// failure was a bad frame rather than a broken socket: an open of our own
// and a close with the condition (part 2, 2.4.1 wants the open first).
func (c *Conn) closeHandshake(err error) {
	var fe *frameError
	if !errors.As(err, &fe) {
		return
	}
	_ = c.writeNow(frameAMQP, &Open{ContainerID: c.server.ContainerID, MaxFrameSize: c.maxFrameIn})
	_ = c.writeNow(frameAMQP, &closeFrame{err: &Error{Condition: fe.cond, Description: fe.msg}})
}

// asError turns a handler's error into the AMQP error sent to the peer.
func asError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return &Error{Condition: ErrInternal, Description: err.Error()}
}

// serverSASL offers the mechanisms, takes the peer's sasl-init and sends
// the outcome the Authenticator decides.
func (c *Conn) serverSASL(ctx context.Context) error {
	s := c.server
	fail := func(code SASLCode, err error) error {
		return &ConnError{Stage: StageSASL, Addr: c.addr, SASLCode: code, Err: err}
	}
	if _, err := c.nc.Write(protoHeader(protoSASL)); err != nil {
		return fail(SASLOK, err)
	}
	if err := c.writeNow(frameSASL, &saslMechanisms{mechanisms: s.Mechanisms}); err != nil {
		return fail(SASLOK, err)
	}
	body, err := c.readNow(frameSASL)
	if err != nil {
		return fail(SASLOK, err)
	}
	init, ok := body.(*saslInit)
	if !ok {
		return fail(SASLOK, fmt.Errorf("expected sasl-init, got %T", body))
	}
	identity, code, err := c.authenticate(ctx, init)
	if werr := c.writeNow(frameSASL, &saslOutcome{code: code}); werr != nil && err == nil {
		err = werr
	}
	if err != nil {
		c.lingerForClose()
		return fail(code, err)
	}
	c.identity = identity
	return nil
}

// saslLinger is how long a refused peer gets to read its outcome and close
// first.
const saslLinger = time.Second

// lingerForClose waits, briefly, for the peer to close after a failed SASL
// outcome. NOTE: when the server closes at once, a TLS peer reads the
// outcome and the end of the stream together, and some clients (go-amqp
// 1.7) then report only the end, never the outcome.
func (c *Conn) lingerForClose() {
	if err := c.nc.SetReadDeadline(time.Now().Add(saslLinger)); err != nil {
		return
	}
	_, _ = io.Copy(io.Discard, c.br)
}

func (c *Conn) authenticate(ctx context.Context, init *saslInit) (any, SASLCode, error) {
	s := c.server
	if !slices.Contains(s.Mechanisms, init.mechanism) {
		return nil, SASLAuth, fmt.Errorf("peer chose mechanism %q, not one of %v", init.mechanism, s.Mechanisms)
	}
	req := &SASLRequest{Mechanism: init.mechanism, Response: init.response,
		Hostname: init.hostname, TLS: c.tls, RemoteAddr: c.nc.RemoteAddr()}
	if c.tls != nil {
		req.PeerCertificates = c.tls.PeerCertificates
	}
	switch init.mechanism {
	case MechPlain:
		parts := strings.Split(string(init.response), "\x00")
		if len(parts) != 3 {
			return nil, SASLAuth, fmt.Errorf("PLAIN response has %d fields, not 3", len(parts))
		}
		req.AuthzID, req.AuthcID, req.Password = parts[0], parts[1], parts[2]
	case MechExternal:
		req.AuthzID = string(init.response)
	case MechAnonymous:
		req.AuthcID = string(init.response) // trace information (RFC 4505)
	}
	if s.Authenticate == nil {
		return req.AuthcID, SASLOK, nil
	}
	identity, err := s.Authenticate(ctx, req)
	if err != nil {
		var se *SASLError
		if errors.As(err, &se) && se.Code != SASLOK {
			return nil, se.Code, err
		}
		return nil, SASLAuth, err
	}
	return identity, SASLOK, nil
}
