package auth

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"time"

	"github.com/honoctl/honoctl/internal/amqp"
	"github.com/honoctl/honoctl/internal/sim/config"
	"github.com/honoctl/honoctl/internal/sim/health"
	"github.com/honoctl/honoctl/internal/sim/hono"
	"github.com/honoctl/honoctl/internal/sim/tlsconf"
)

// Delegation limits of Hono's AuthenticationServerClient.
const (
	loginAttempts   = 3
	loginRetryDelay = 50 * time.Millisecond
	loginTimeout    = 5 * time.Second
)

// ErrUnavailable wraps a failure to reach the Auth Server or to get a token
// from it, as opposed to credentials it refused.
var ErrUnavailable = errors.New("auth server unavailable")

// ClientOptions configure a Client.
type ClientOptions struct {
	// Addr is the Auth Server's host:port.
	Addr string
	// TLS is the TLS configuration; nil means a plain connection.
	TLS *tls.Config
	// Name prefixes the container id ("Hono Messaging-<random>").
	Name string
	// Key validates the tokens; nil accepts them unchecked (the router's
	// ADDRESS-AUTHZ exchange needs no token).
	Key *hono.Key
	// Link, if set, reports the Auth Server's reachability in the role's
	// readiness: every login updates it, and Probe sets it at start.
	Link *health.Link
}

// Client logs in at the Auth Server on behalf of other clients. It is
// safe for concurrent use.
type Client struct {
	o ClientOptions
}

// NewClient returns a client with the given options.
func NewClient(o ClientOptions) *Client { return &Client{o: o} }

// Addr is the Auth Server's host:port.
func (c *Client) Addr() string { return c.o.Addr }

// ClientFromConfig builds the client of a Hono service's hono.auth block,
// validating tokens as DelegatingAuthenticationServiceConfig does: the
// shared secret, else validation.certPath, else the block's certPath. The
// Auth Server is a link in status, not required for readiness (Hono's
// services are ready without it).
func ClientFromConfig(block string, cc *config.ClientConfig, v config.Validation, status *health.Status, log *slog.Logger) (*Client, error) {
	var key *hono.Key
	var err error
	switch {
	case v.SharedSecret != "":
		key, err = hono.SecretKey(v.SharedSecret)
		log.Info("using shared secret for validating tokens", "bytes", len(v.SharedSecret))
	case v.CertPath != "":
		key, err = hono.LoadCertKey(v.CertPath)
		log.Info("using public key from certificate for validating tokens", "path", v.CertPath)
	case cc.CertPath != "":
		key, err = hono.LoadCertKey(cc.CertPath)
		log.Info("using public key from certificate for validating tokens", "path", cc.CertPath)
	default:
		err = fmt.Errorf("no key material for validating tokens: set %s.validation.certPath or sharedSecret", block)
	}
	if err != nil {
		return nil, fmt.Errorf("%s.validation: %w", block, err)
	}
	o := ClientOptions{Addr: net.JoinHostPort(cc.Host, strconv.Itoa(cc.Port)), Name: cc.Name, Key: key}
	o.Link = status.Link(block, o.Addr, false)
	if cc.UsesTLS() {
		conf, sum, err := tlsconf.Client(block, cc)
		if err != nil {
			return nil, err
		}
		log.Info("TLS client", sum.Attrs()...)
		o.TLS = conf
	}
	return NewClient(o), nil
}

// Login authenticates a PLAIN client at the Auth Server, fetches its token
// from "cbs" and validates it. Refused credentials give an error for which
// Refused is true; anything else wraps ErrUnavailable. Connection failures
// are retried, as Hono does: 3 attempts, 50 ms apart.
func (c *Client) Login(ctx context.Context, authzid, authcid, password string) (hono.Token, error) {
	ctx, cancel := context.WithTimeout(ctx, loginTimeout)
	defer cancel()
	var last error
	for i := range loginAttempts {
		if i > 0 {
			select {
			case <-ctx.Done():
				return hono.Token{}, fmt.Errorf("%w: %w", ErrUnavailable, last)
			case <-time.After(loginRetryDelay):
			}
		}
		tok, err := c.fetchToken(ctx, amqp.SASLPlainAs(authzid, authcid, password))
		if err == nil {
			return c.validate(tok)
		}
		if Refused(err) {
			return hono.Token{}, err
		}
		last = err
	}
	return hono.Token{}, fmt.Errorf("%w: %w", ErrUnavailable, last)
}

// Refused reports whether err is the Auth Server refusing the credentials
// (SASL outcome auth), rather than a failure to reach it.
func Refused(err error) bool {
	var ce *amqp.ConnError
	return errors.As(err, &ce) && ce.Stage == amqp.StageSASL && ce.SASLCode == amqp.SASLAuth
}

func (c *Client) validate(tok string) (hono.Token, error) {
	if c.o.Key == nil {
		return hono.Token{}, errors.New("login: no key to validate the token with")
	}
	t, err := c.o.Key.ValidateToken(tok, time.Now())
	if err != nil {
		return hono.Token{}, fmt.Errorf("%w: token from %s: %w", ErrUnavailable, c.o.Addr, err)
	}
	return t, nil
}

func (c *Client) dial(ctx context.Context, sasl *amqp.SASL, desired []string) (*amqp.Conn, error) {
	conn, err := amqp.Dial(ctx, c.o.Addr, &amqp.ConnOptions{
		TLSConfig:           c.o.TLS,
		SASL:                sasl,
		ContainerID:         containerID(c.o.Name),
		DesiredCapabilities: desired,
	})
	if c.o.Link != nil {
		switch {
		case err == nil:
			c.o.Link.Connected(conn.TLS())
		case !Refused(err):
			// Refused credentials say nothing against the server.
			c.o.Link.Failed(err)
		}
	}
	return conn, err
}

// Probe checks that the Auth Server is reachable and its certificate
// trusted (a TCP connection and the TLS handshake, no login) and reports
// the result to the health link. Services run it at start, so that an
// expired or untrusted Auth Server certificate shows before any login.
func (c *Client) Probe(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, loginTimeout)
	defer cancel()
	var cs *tls.ConnectionState
	var err error
	if c.o.TLS != nil {
		var tc net.Conn
		tc, err = (&tls.Dialer{Config: c.o.TLS}).DialContext(ctx, "tcp", c.o.Addr)
		if err == nil {
			state := tc.(*tls.Conn).ConnectionState()
			cs = &state
			tc.Close()
		}
	} else {
		var nc net.Conn
		nc, err = (&net.Dialer{}).DialContext(ctx, "tcp", c.o.Addr)
		if err == nil {
			nc.Close()
		}
	}
	if c.o.Link != nil {
		if err != nil {
			c.o.Link.Failed(err)
		} else {
			c.o.Link.Connected(cs)
		}
	}
	if err != nil {
		return fmt.Errorf("%w: %s: %w", ErrUnavailable, c.o.Addr, err)
	}
	return nil
}

func (c *Client) fetchToken(ctx context.Context, sasl *amqp.SASL) (string, error) {
	conn, err := c.dial(ctx, sasl, nil)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	sess, err := conn.NewSession(ctx, nil)
	if err != nil {
		return "", err
	}
	rcv, err := sess.NewReceiver(ctx, TokenSource, &amqp.ReceiverOptions{Credit: 1})
	if err != nil {
		return "", err
	}
	d, err := rcv.Receive(ctx)
	if err != nil {
		return "", err
	}
	_ = d.Accept()
	if typ, _ := d.Message.ApplicationProperties["type"].(string); typ != TokenType {
		return "", fmt.Errorf("token message from %s has type %q, want %q", c.o.Addr, typ, TokenType)
	}
	tok, ok := d.Message.Value.(string)
	if !ok || !d.Message.HasValue {
		return "", fmt.Errorf("token message from %s has no string amqp-value body", c.o.Addr)
	}
	return tok, nil
}

// AddressAuthz is the answer to the Dispatch Router's authServicePlugin
// exchange: who the user is and what it may send and receive.
type AddressAuthz struct {
	Identity string
	// Permissions maps address patterns ("telemetry/*") to "send"/"recv".
	Permissions map[string][]string
}

// Allows reports whether perm ("send" or "recv") is granted on address:
// a pattern "*" matches all, a trailing "*" matches by prefix.
func (a *AddressAuthz) Allows(address, perm string) bool {
	for pattern, perms := range a.Permissions {
		if !matchAddress(pattern, address) {
			continue
		}
		for _, p := range perms {
			if p == perm {
				return true
			}
		}
	}
	return false
}

func matchAddress(pattern, address string) bool {
	if pattern == "*" || pattern == address {
		return true
	}
	n := len(pattern)
	return n > 0 && pattern[n-1] == '*' && len(address) >= n-1 && address[:n-1] == pattern[:n-1]
}

// Authorize logs the client in and asks for ADDRESS-AUTHZ in the Open
// frame, as the Dispatch Router's authServicePlugin does: no token link.
func (c *Client) Authorize(ctx context.Context, authzid, authcid, password string) (*AddressAuthz, error) {
	ctx, cancel := context.WithTimeout(ctx, loginTimeout)
	defer cancel()
	conn, err := c.dial(ctx, amqp.SASLPlainAs(authzid, authcid, password), []string{CapabilityAddressAuthz})
	if err != nil {
		if Refused(err) {
			return nil, err
		}
		return nil, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	defer conn.Close()
	open := conn.RemoteOpen()
	if !desires(open.OfferedCapabilities, CapabilityAddressAuthz) {
		return nil, fmt.Errorf("%w: %s does not offer %s (is it Hono 0.7's Auth Server?)", ErrUnavailable, c.o.Addr, CapabilityAddressAuthz)
	}
	a := &AddressAuthz{Permissions: map[string][]string{}}
	a.Identity, _ = open.Properties[PropertyIdentity].(string)
	for k, v := range asMap(open.Properties[PropertyAddressAuthz]) {
		a.Permissions[k] = asStrings(v)
	}
	if a.Identity == "" {
		a.Identity = authcid
	}
	return a, nil
}

// asMap and asStrings accept the shapes a decoded AMQP map and array of
// strings or symbols can take.
func asMap(v any) map[string]any {
	out := map[string]any{}
	switch m := v.(type) {
	case map[string]any:
		return m
	case map[amqp.Symbol]any:
		for k, x := range m {
			out[string(k)] = x
		}
	case map[any]any:
		for k, x := range m {
			switch ks := k.(type) {
			case string:
				out[ks] = x
			case amqp.Symbol:
				out[string(ks)] = x
			}
		}
	}
	return out
}

func asStrings(v any) []string {
	var out []string
	switch l := v.(type) {
	case []string:
		return l
	case []amqp.Symbol:
		for _, s := range l {
			out = append(out, string(s))
		}
	case []any:
		for _, x := range l {
			switch s := x.(type) {
			case string:
				out = append(out, s)
			case amqp.Symbol:
				out = append(out, string(s))
			}
		}
	}
	return out
}

// Authenticator is an amqp.Authenticator for a Hono service that delegates
// SASL PLAIN to the Auth Server. The identity is the validated
// hono.Token. EXTERNAL is not delegated, as in Hono 0.7.
func (c *Client) Authenticator(log *slog.Logger) amqp.Authenticator {
	return func(ctx context.Context, req *amqp.SASLRequest) (any, error) {
		if req.Mechanism != amqp.MechPlain {
			return nil, &amqp.SASLError{Code: amqp.SASLAuth, Err: fmt.Errorf("unsupported mechanism %s", req.Mechanism)}
		}
		tok, err := c.Login(ctx, req.AuthzID, req.AuthcID, req.Password)
		if err != nil {
			log.Info("authentication failed", "remote", addrString(req.RemoteAddr), "user", req.AuthcID,
				"auth_server", c.o.Addr, "err", err)
			if Refused(err) {
				return nil, &amqp.SASLError{Code: amqp.SASLAuth, Err: err}
			}
			return nil, &amqp.SASLError{Code: amqp.SASLSysTemp, Err: err}
		}
		return &tok, nil
	}
}

// DelegatingServer is the AMQP server of a Hono service whose clients log in
// through the Auth Server (Device Registry, Hono Messaging): SASL PLAIN
// delegated as Authenticator does, and each connection closed when its
// client's token expires, as Hono 0.7 does.
func (c *Client) DelegatingServer(containerID string, link amqp.LinkHandler, log *slog.Logger) *amqp.Server {
	return &amqp.Server{
		ContainerID:  containerID,
		Mechanisms:   []string{amqp.MechPlain, amqp.MechExternal},
		Authenticate: c.Authenticator(log),
		Open: func(ctx context.Context, req *amqp.OpenRequest) error {
			tok, _ := req.Conn.Identity().(*hono.Token)
			WatchExpiry(req.Conn, tok)
			return nil
		},
		Link:   link,
		Logger: log,
	}
}

// containerID is Hono's "<name>-<UUID>"; a random hex id stands in for the
// UUID.
func containerID(name string) string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	id := hex.EncodeToString(b[:])
	if name == "" {
		return id
	}
	return name + "-" + id
}
