package check

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"time"
)

// TLSProber runs the TLS checks of one link. Its zero value is ready to use.
type TLSProber struct {
	// Now is the clock certificates are judged by. Default: time.Now.
	Now func() time.Time
	// Timeout bounds each connection attempt. Default: 3 s.
	Timeout time.Duration
	// ExpiryWarning is how close to its end a certificate is flagged.
	// Default: 30 days.
	ExpiryWarning time.Duration
	// Dialer opens TCP connections. Default: a net.Dialer.
	Dialer interface {
		DialContext(ctx context.Context, network, addr string) (net.Conn, error)
	}

	strangerOnce sync.Once
	stranger     *tls.Certificate
	strangerErr  error
}

func (p *TLSProber) now() time.Time {
	if p.Now != nil {
		return p.Now()
	}
	return time.Now()
}

func (p *TLSProber) timeout() time.Duration {
	if p.Timeout > 0 {
		return p.Timeout
	}
	return 3 * time.Second
}

func (p *TLSProber) expiryWarning() time.Duration {
	if p.ExpiryWarning > 0 {
		return p.ExpiryWarning
	}
	return 30 * 24 * time.Hour
}

// Probe runs every TLS check of the target and returns one finding per check.
// Checks that need a handshake are skipped, with the reason, when the
// handshake itself fails.
func (p *TLSProber) Probe(ctx context.Context, t Target) []Finding {
	r := &run{p: p, t: t}

	// The handshake as the client configures it; certificates are judged
	// separately below so that each problem gets its own finding.
	sh, err := p.handshake(ctx, t, t.Peer.Cert, clientVersions(t.Peer))
	r.handshake(sh, err)
	if sh != nil && len(sh.peer) > 0 {
		r.certificates(sh.peer)
	} else {
		r.skip("no certificate to judge: the handshake failed", IDChain, IDHostname, IDValidity)
	}

	// What the server accepts beyond this client: versions and ciphers,
	// strangers on a mutual-TLS listener, and the plain port.
	r.versions(ctx)
	r.ciphers(ctx)
	if t.Link.MutualTLS {
		r.clientAuth(ctx, err)
	}
	r.plaintext(ctx)
	return r.findings
}

// run collects the findings of one Probe call.
type run struct {
	p        *TLSProber
	t        Target
	findings []Finding
	// acceptedVersions is what versions() found, for ciphers().
	acceptedVersions []uint16
}

func (r *run) add(f Finding) {
	f.Channel, f.Link = r.t.Link.Channel, r.t.Link.String()
	r.findings = append(r.findings, f)
}

func (r *run) skip(reason string, ids ...string) {
	for _, id := range ids {
		r.add(Finding{Check: id, Status: Skip, Message: reason})
	}
}

// handshake dials the target and completes a TLS handshake with the given
// client certificate and versions, then exchanges the first bytes of the
// application protocol: with TLS 1.3 a server refuses a client certificate
// only after the client has finished its side of the handshake.
func (p *TLSProber) handshake(ctx context.Context, t Target, cert *tls.Certificate, v versionRange) (*shake, error) {
	ctx, cancel := context.WithTimeout(ctx, p.timeout())
	defer cancel()

	raw, err := p.dial(ctx, t.Addr)
	if err != nil {
		return nil, &dialError{addr: t.Addr, err: err}
	}
	defer raw.Close()
	if d, ok := ctx.Deadline(); ok {
		_ = raw.SetDeadline(d)
	}

	var sh shake
	cfg := &tls.Config{
		// NOTE: verification is done by certificates() against the
		// client's own trust, so that each failure is named precisely.
		InsecureSkipVerify: true, //nolint:gosec // verified by hand below
		ServerName:         serverName(t.Link.Hostname),
		MinVersion:         v.lo,
		MaxVersion:         v.hi,
		CipherSuites:       v.suites,
		// The server's chain arrives before the client sends its own
		// certificate, so it is kept even when the server then refuses
		// the client.
		VerifyPeerCertificate: func(raw [][]byte, _ [][]*x509.Certificate) error {
			for _, der := range raw {
				c, err := x509.ParseCertificate(der)
				if err != nil {
					return fmt.Errorf("server certificate: %w", err)
				}
				sh.peer = append(sh.peer, c)
			}
			return nil
		},
		VerifyConnection: func(cs tls.ConnectionState) error {
			sh.negotiated = &cs
			return nil
		},
	}
	if cert != nil {
		cfg.Certificates = []tls.Certificate{*cert}
	}
	conn := tls.Client(raw, cfg)
	if err := conn.HandshakeContext(ctx); err != nil {
		return &sh, err
	}
	state := conn.ConnectionState()
	sh.state = &state
	return &sh, hello(conn, t.Link.Protocol)
}

// shake is what a handshake saw: the server's chain and the negotiated
// version and cipher suite as soon as they were known (before the server
// judges the client's certificate), and the connection state when the
// handshake completed.
type shake struct {
	peer       []*x509.Certificate
	negotiated *tls.ConnectionState
	state      *tls.ConnectionState
}

// agreed reports whether client and server agreed on a version and cipher.
func (s *shake) agreed() bool { return s != nil && s.negotiated != nil }

func (p *TLSProber) dial(ctx context.Context, addr string) (net.Conn, error) {
	if p.Dialer != nil {
		return p.Dialer.DialContext(ctx, "tcp", addr)
	}
	var d net.Dialer
	return d.DialContext(ctx, "tcp", addr)
}

// serverName is the SNI to send: TLS forbids IP literals there.
func serverName(host string) string {
	if net.ParseIP(host) != nil {
		return ""
	}
	return host
}

// amqpSASLHeader opens an AMQP connection with a SASL layer (AMQP 1.0
// part 5.3.2); the server answers with its own header.
var amqpSASLHeader = []byte{'A', 'M', 'Q', 'P', 3, 1, 0, 0}

// hello sends the first bytes a client of the protocol sends and waits for
// the server's answer or for an alert that refuses the client.
func hello(conn *tls.Conn, protocol string) error {
	if protocol == "amqp" {
		if _, err := conn.Write(amqpSASLHeader); err != nil {
			return err
		}
		buf := make([]byte, len(amqpSASLHeader))
		if _, err := io.ReadFull(conn, buf); err != nil {
			return err
		}
		return nil
	}
	// HTTP and MQTT servers wait for the client to speak first: silence
	// for a moment means the server kept the connection.
	_ = conn.SetReadDeadline(time.Now().Add(250 * time.Millisecond))
	_, err := conn.Read(make([]byte, 1))
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return nil
	}
	return err
}

// dialError is a failure to open the TCP connection at all.
type dialError struct {
	addr string
	err  error
}

func (e *dialError) Error() string { return fmt.Sprintf("connect to %s: %v", e.addr, e.err) }
func (e *dialError) Unwrap() error { return e.err }

// Alerts a server sends when it refuses the client's certificate (RFC 8446
// section 6.2; Java sends certificate_unknown, Go bad_certificate or
// certificate_required).
var clientCertAlerts = map[tls.AlertError]bool{
	42: true, 43: true, 44: true, 45: true, 46: true, 48: true, 116: true,
}

// alertNames maps the text of each TLS alert back to its code: crypto/tls
// reports an alert the peer sent as a net.OpError around an unexported type
// whose text is that of the exported AlertError.
var alertNames = func() map[string]tls.AlertError {
	m := map[string]tls.AlertError{}
	for i := range 256 {
		m[tls.AlertError(i).Error()] = tls.AlertError(i)
	}
	return m
}()

// remoteAlert returns the alert the peer sent, if err is one.
func remoteAlert(err error) (tls.AlertError, bool) {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "remote error" && op.Err != nil {
		a, ok := alertNames[op.Err.Error()]
		return a, ok
	}
	var a tls.AlertError
	if errors.As(err, &a) {
		return a, true
	}
	return 0, false
}

// refusedClient reports whether err is the server refusing the client's
// certificate, or closing the connection right after the handshake, which
// is how a server that requires a certificate ends a connection without one.
func refusedClient(err error) bool {
	if err == nil {
		return false
	}
	if a, ok := remoteAlert(err); ok {
		return clientCertAlerts[a]
	}
	return errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed) ||
		strings.Contains(err.Error(), "connection reset")
}

func isAlert(err error, code tls.AlertError) bool {
	a, ok := remoteAlert(err)
	return ok && a == code
}
