package adapter

import (
	"context"
	"crypto/rand"
	"encoding/hex"
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

// Reconnect backoff: Hono's clients retry forever (reconnectAttempts -1);
// hono-sim doubles the wait from 100 ms up to 10 s.
const (
	minBackoff = 100 * time.Millisecond
	maxBackoff = 10 * time.Second
)

// peer is one AMQP connection of the adapter, kept up with backoff, its
// state reported to readiness.
type peer struct {
	name string // the configuration block, "hono.messaging"
	addr string
	opts amqp.ConnOptions
	cfg  *config.ClientConfig
	link *health.Link
	log  *slog.Logger

	mu   sync.Mutex
	sess *amqp.Session
	gen  uint64 // counts connections, so link caches know when to renew
}

// newPeer prepares the connection of block prefix; run keeps it up.
func newPeer(prefix string, c *config.ClientConfig, status *health.Status, log *slog.Logger) (*peer, error) {
	p := &peer{name: prefix, cfg: c, addr: net.JoinHostPort(c.Host, strconv.Itoa(c.Port)), log: log}
	p.opts.HostName = c.AmqpHostname
	if p.opts.HostName == "" {
		p.opts.HostName = c.Host
	}
	p.opts.ContainerID = containerID(c.Name)

	user, pass, plain, err := c.Credentials()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", prefix, err)
	}
	if c.CredentialsPath != "" && c.Username == "" {
		log.Info("loading credentials", "name", prefix, "host", c.Host, "path", c.CredentialsPath)
	}
	if c.UsesTLS() {
		tcfg, sum, err := tlsconf.Client(prefix, c)
		if err != nil {
			return nil, err
		}
		p.opts.TLSConfig = tcfg
		log.Info("TLS client", append(sum.Attrs(), "address", p.addr)...)
		if !plain && len(tcfg.Certificates) > 0 {
			p.opts.SASL = amqp.SASLExternal()
		}
	} else {
		log.Warn("plain client without TLS", "name", prefix, "address", p.addr)
	}
	if plain {
		p.opts.SASL = amqp.SASLPlain(user, pass)
	}
	p.link = status.Link(prefix, p.addr, true)
	return p, nil
}

// containerID is Hono's <name>-<UUID>.
func containerID(name string) string {
	if name == "" {
		name = "hono-sim"
	}
	b := make([]byte, 16)
	rand.Read(b) //nolint:errcheck // crypto/rand does not fail
	return name + "-" + hex.EncodeToString(b)
}

// run connects and reconnects until ctx ends.
func (p *peer) run(ctx context.Context) {
	backoff := minBackoff
	lastErr := ""
	for ctx.Err() == nil {
		p.link.Connecting()
		dctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		conn, err := amqp.Dial(dctx, p.addr, &p.opts)
		var sess *amqp.Session
		if err == nil {
			sess, err = conn.NewSession(dctx, nil)
			if err != nil {
				conn.Close()
			}
		}
		cancel()
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			p.link.Failed(err)
			// The first failure and every change are warnings; the same
			// failure again is debug, so a peer that stays down does not
			// flood the log.
			level := slog.LevelWarn
			if err.Error() == lastErr {
				level = slog.LevelDebug
			}
			lastErr = err.Error()
			attrs := []any{"name", p.name, "address", p.addr}
			if c := tlsconf.Classify(err); c != tlsconf.CauseOther {
				attrs = append(attrs, "cause", string(c))
			}
			p.log.Log(ctx, level, "connection failed", append(attrs, "error", err, "retry_in", backoff.String())...)
			if !sleep(ctx, backoff) {
				return
			}
			backoff = min(2*backoff, maxBackoff)
			continue
		}

		lastErr = ""
		backoff = minBackoff
		p.link.Connected(conn.TLS())
		p.log.Info("connected", "name", p.name, "address", p.addr, "tls", tlsSummary(conn))
		p.setSession(sess)
		select {
		case <-conn.Done():
			p.setSession(nil)
			p.link.Failed(conn.Err())
			p.log.Warn("connection lost", "name", p.name, "address", p.addr, "error", conn.Err())
		case <-ctx.Done():
			p.setSession(nil)
			conn.Close()
			return
		}
	}
}

func tlsSummary(c *amqp.Conn) string {
	cs := c.TLS()
	if cs == nil {
		return "none"
	}
	d := tlsconf.Describe(*cs)
	return d.Version + " " + d.Cipher + " peer " + d.Peer
}

func (p *peer) setSession(s *amqp.Session) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.sess = s
	if s != nil {
		p.gen++
	}
}

// session returns the current session and its generation, or
// ErrUnavailable when the peer is down.
func (p *peer) session() (*amqp.Session, uint64, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.sess == nil {
		return nil, 0, fmt.Errorf("%s (%s): %w", p.name, p.addr, ErrUnavailable)
	}
	return p.sess, p.gen, nil
}

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// dialPeers starts the adapter's AMQP connections: the registry's three
// APIs and Hono Messaging (or the router). hono.command is not dialled:
// hono-sim has no command and control, and says so.
func dialPeers(ctx context.Context, cfg *config.Service, status *health.Status, log *slog.Logger) (*Peers, error) {
	if c := cfg.Clients["hono.command"]; c != nil && c.Host != "localhost" {
		log.Warn("hono.command is configured but not supported by hono-sim: " +
			"no command and control connection is made")
	}
	peers := map[string]*peer{}
	for _, prefix := range []string{"hono.registration", "hono.credentials", "hono.tenant", "hono.messaging"} {
		p, err := newPeer(prefix, cfg.Client(prefix), status, log)
		if err != nil {
			return nil, err
		}
		peers[prefix] = p
		go p.run(ctx)
	}
	reg := &registryClient{
		registration: newRequester(peers["hono.registration"], "registration"),
		credentials:  newRequester(peers["hono.credentials"], "credentials"),
		tenant:       newRequester(peers["hono.tenant"], "tenant"),
	}
	return &Peers{Registry: reg, Downstream: newDownstream(peers["hono.messaging"])}, nil
}
