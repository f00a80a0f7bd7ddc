package messaging

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/honoctl/honoctl/internal/amqp"
	"github.com/honoctl/honoctl/internal/sim/config"
	"github.com/honoctl/honoctl/internal/sim/health"
	"github.com/honoctl/honoctl/internal/sim/tlsconf"
)

// defaultDownstreamHostname is the Open hostname Hono Messaging uses when
// amqpHostname is not set: the router's internal vhost.
const defaultDownstreamHostname = "hono-internal"

// Reconnect backoff towards the router: Hono retries every 500 ms
// (DEFAULT_RECONNECT_INTERVAL_MILLIS); the stand-in backs off from there
// so that a router that stays down is not hammered.
const (
	backoffMin = 500 * time.Millisecond
	backoffMax = 5 * time.Second
)

// downstream keeps the connection to the Dispatch Router, reconnecting
// with backoff whenever it ends.
type downstream struct {
	addr string
	opts amqp.ConnOptions
	log  *slog.Logger
	link *health.Link // required: no router, not ready

	mu      sync.Mutex
	conn    *amqp.Conn
	sess    *amqp.Session
	lastErr error
}

func newDownstream(block string, cc *config.ClientConfig, status *health.Status, log *slog.Logger) (*downstream, error) {
	d := &downstream{addr: net.JoinHostPort(cc.Host, strconv.Itoa(cc.Port)), log: log}
	d.link = status.Link(block, d.addr, true)
	d.opts.HostName = cc.AmqpHostname
	if d.opts.HostName == "" {
		d.opts.HostName = defaultDownstreamHostname
	}
	d.opts.ContainerID = cc.Name
	if cc.UsesTLS() {
		conf, sum, err := tlsconf.Client(block, cc)
		if err != nil {
			return nil, err
		}
		log.Info("TLS client", sum.Attrs()...)
		d.opts.TLSConfig = conf
	}
	// ConnectionFactoryImpl: a user name and password mean PLAIN (and no
	// client certificate); otherwise a client certificate means EXTERNAL.
	user, pass, plain, err := cc.Credentials()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", block, err)
	}
	switch {
	case plain:
		d.opts.SASL = amqp.SASLPlain(user, pass)
	case cc.HasKeyMaterial():
		d.opts.SASL = amqp.SASLExternal()
	default:
		// Hono starts anyway and offers what is left (ANONYMOUS); the
		// router's internal listener then refuses it in the TLS handshake,
		// for want of a client certificate, and Messaging never gets ready.
		log.Warn("no credentials and no client certificate: connecting anonymously", "block", block, "address", d.addr)
		d.opts.SASL = amqp.SASLAnonymous()
	}
	return d, nil
}

// run connects and reconnects until ctx ends.
func (d *downstream) run(ctx context.Context) {
	wait := backoffMin
	for ctx.Err() == nil {
		conn, sess, err := d.connect(ctx)
		if err != nil {
			d.setDown(err)
			d.log.Warn("cannot connect to downstream container", "addr", d.addr,
				"cause", string(tlsconf.Classify(err)), "err", err, "retry_in", wait.String())
			select {
			case <-ctx.Done():
				return
			case <-time.After(wait):
			}
			wait = min(wait*2, backoffMax)
			continue
		}
		wait = backoffMin
		d.log.Info("connected to downstream container", "addr", d.addr, "container", conn.RemoteOpen().ContainerID)
		d.setUp(conn, sess)
		select {
		case <-ctx.Done():
			_ = conn.Close()
			return
		case <-conn.Done():
		}
		d.setDown(conn.Err())
		d.log.Warn("lost connection to downstream container", "addr", d.addr, "err", conn.Err())
	}
}

func (d *downstream) connect(ctx context.Context) (*amqp.Conn, *amqp.Session, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	conn, err := amqp.Dial(ctx, d.addr, &d.opts)
	if err != nil {
		return nil, nil, err
	}
	sess, err := conn.NewSession(ctx, nil)
	if err != nil {
		_ = conn.Close()
		return nil, nil, err
	}
	return conn, sess, nil
}

func (d *downstream) setUp(conn *amqp.Conn, sess *amqp.Session) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.conn, d.sess, d.lastErr = conn, sess, nil
	d.link.Connected(conn.TLS())
}

func (d *downstream) setDown(err error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.conn, d.sess = nil, nil
	if err == nil {
		err = errors.New("connection closed")
	}
	d.lastErr = err
	d.link.Failed(err)
}

// current returns the open session, or nil and why there is none.
func (d *downstream) current() (*amqp.Conn, *amqp.Session, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.sess == nil {
		err := d.lastErr
		if err == nil {
			err = errors.New("not connected yet")
		}
		return nil, nil, err
	}
	return d.conn, d.sess, nil
}

// State says whether the router connection is up, and why not: what the
// role's readiness reports.
func (d *downstream) State() (up bool, err error) {
	_, _, err = d.current()
	return err == nil, err
}
