package router

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/honoctl/honoctl/internal/amqp"
	"github.com/honoctl/honoctl/internal/sim/auth"
	"github.com/honoctl/honoctl/internal/sim/config"
	"github.com/honoctl/honoctl/internal/sim/health"
	"github.com/honoctl/honoctl/internal/sim/hono"
	"github.com/honoctl/honoctl/internal/sim/tlsconf"
)

// Router is a Dispatch Router stand-in. Build it with New.
type Router struct {
	cfg       *config.Router
	log       *slog.Logger
	status    *health.Status
	policy    *hono.Policy
	routes    *hono.Routes
	listeners []*listener
	plugins   map[string]*auth.Client

	consumers hono.Fanout[*consumer]

	mu         sync.Mutex
	admissions map[*amqp.Conn]*hono.Admission
}

// listener is one "listener" entity, ready to serve.
type listener struct {
	spec   config.Listener
	tls    *tls.Config // nil: plain
	mechs  []string
	plugin *auth.Client // checks PLAIN; nil without saslPlugin
	uid    string       // the sslProfile's uidFormat, for EXTERNAL
}

// New prepares a router from its configuration; its listeners and its
// link to the Auth Server are reported in status.
func New(cfg *config.Router, status *health.Status, log *slog.Logger) (*Router, error) {
	r := &Router{cfg: cfg, log: log, status: status, policy: hono.NewPolicy(cfg), plugins: map[string]*auth.Client{},
		admissions: map[*amqp.Conn]*hono.Admission{}}
	for _, w := range cfg.Warnings {
		log.Warn(w)
	}
	var err error
	if r.routes, err = hono.NewRoutes(cfg.Addresses); err != nil {
		return nil, fmt.Errorf("%s: %w", cfg.File, err)
	}
	for name, p := range cfg.AuthServicePlugins {
		c, err := r.pluginClient(p)
		if err != nil {
			return nil, fmt.Errorf("%s: authServicePlugin %s: %w", cfg.File, name, err)
		}
		r.plugins[name] = c
	}
	for i, spec := range cfg.Listeners {
		l, err := r.newListener(spec)
		if err != nil {
			return nil, fmt.Errorf("%s: listener %d (port %d): %w", cfg.File, i+1, spec.Port, err)
		}
		r.listeners = append(r.listeners, l)
	}
	return r, nil
}

// pluginClient is the authServicePlugin's connection to the Auth Server,
// with the key pair and trust of its sslProfile. The router checks the
// Auth Server's host name against its certificate.
func (r *Router) pluginClient(p config.AuthServicePlugin) (*auth.Client, error) {
	o := auth.ClientOptions{Addr: net.JoinHostPort(p.Host, strconv.Itoa(int(p.Port))), Name: r.cfg.Router.ID}
	o.Link = r.status.Link("authServicePlugin "+p.Name, o.Addr, false)
	if p.SSLProfile != "" {
		prof, ok := r.cfg.SSLProfiles[p.SSLProfile]
		if !ok {
			return nil, fmt.Errorf("no sslProfile %q", p.SSLProfile)
		}
		cc := config.NewClientConfig()
		cc.TLS, cc.Host, cc.TLSEnabled = *tlsconf.ProfileTLS(prof), p.Host, true
		conf, sum, err := tlsconf.Client("authServicePlugin "+p.Name, cc)
		if err != nil {
			return nil, err
		}
		r.log.Info("TLS client", sum.Attrs()...)
		o.TLS = conf
	}
	return auth.NewClient(o), nil
}

func (r *Router) newListener(spec config.Listener) (*listener, error) {
	l := &listener{spec: spec, mechs: strings.Fields(spec.SASLMechanisms)}
	if spec.SSLProfile != "" {
		prof, ok := r.cfg.SSLProfiles[spec.SSLProfile]
		if !ok {
			return nil, fmt.Errorf("no sslProfile %q", spec.SSLProfile)
		}
		// EXTERNAL needs the peer's certificate: qdrouterd then verifies
		// the peer against certDb and refuses one without a certificate.
		ca := tlsconf.ClientAuthAuto
		if slices.Contains(l.mechs, amqp.MechExternal) {
			ca = tlsconf.ClientAuthRequire
		}
		conf, sum, err := tlsconf.Server("sslProfile "+prof.Name, tlsconf.ProfileTLS(prof), ca)
		if err != nil {
			return nil, err
		}
		r.log.Info("TLS server", append(sum.Attrs(), "port", int(spec.Port))...)
		l.tls, l.uid = conf, prof.UIDFormat
	} else if spec.RequireSSL {
		return nil, errors.New("requireSsl without an sslProfile")
	}
	if spec.SASLPlugin != "" {
		if l.plugin = r.plugins[spec.SASLPlugin]; l.plugin == nil {
			return nil, fmt.Errorf("no authServicePlugin %q", spec.SASLPlugin)
		}
	}
	if slices.Contains(l.mechs, amqp.MechPlain) && l.plugin == nil {
		// TODO: qdrouterd checks PLAIN with Cyrus SASL's sasldb without a
		// plugin; hono-sim has no sasldb.
		return nil, errors.New("PLAIN without a saslPlugin needs Cyrus SASL, which hono-sim does not have")
	}
	if !spec.AuthenticatePeer && len(l.mechs) == 0 {
		l.mechs = []string{amqp.MechAnonymous}
	}
	return l, nil
}

// Run serves every listener of the configuration until ctx ends.
func Run(ctx context.Context, cfg *config.Router, status *health.Status, log *slog.Logger) error {
	r, err := New(cfg, status, log)
	if err != nil {
		return err
	}
	lns := make([]net.Listener, len(r.listeners))
	for i, l := range r.listeners {
		addr := net.JoinHostPort(l.spec.Host, strconv.Itoa(int(l.spec.Port)))
		if lns[i], err = net.Listen("tcp", addr); err != nil {
			for _, ln := range lns[:i] {
				ln.Close()
			}
			return fmt.Errorf("listen: %w", err)
		}
	}
	return r.Serve(ctx, lns)
}

// Serve serves the configured listeners on the given TCP listeners (one
// each, in the configuration's order) until ctx ends, and closes them.
func (r *Router) Serve(ctx context.Context, lns []net.Listener) error {
	if len(lns) != len(r.listeners) {
		for _, ln := range lns {
			ln.Close()
		}
		return fmt.Errorf("%d TCP listeners for %d configured listeners", len(lns), len(r.listeners))
	}
	for name, c := range r.plugins {
		if err := c.Probe(ctx); err != nil {
			r.log.Warn("Auth Server not reachable; PLAIN logins will fail until it is", "plugin", name, "err", err)
		}
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errc := make(chan error, len(lns))
	for i, l := range r.listeners {
		var ln net.Listener = lns[i]
		if l.tls != nil {
			port := l.spec.Port
			ln = tlsconf.NewListener(ln, l.tls, func(remote net.Addr, err error) {
				r.log.Warn("TLS handshake failed", "port", int(port), "remote", remote.String(),
					"cause", string(tlsconf.Classify(err)), "err", err)
			})
		}
		r.log.Info("listening", "addr", lns[i].Addr().String(), "tls", l.tls != nil, "sasl", strings.Join(l.mechs, " "))
		hl := r.status.Listener(fmt.Sprintf("listener %d", l.spec.Port), lns[i].Addr().String())
		hl.Up(lns[i].Addr().String())
		go func() {
			err := r.amqpServer(l).Serve(ctx, ln)
			hl.Down(err)
			errc <- err
		}()
	}
	var first error
	for range lns {
		if err := <-errc; err != nil && first == nil {
			first = err
			cancel()
		}
	}
	return first
}

func (r *Router) amqpServer(l *listener) *amqp.Server {
	return &amqp.Server{
		ContainerID:  r.cfg.Router.ID,
		Mechanisms:   l.mechs,
		Authenticate: r.authenticator(l),
		Open:         r.open,
		Link:         r.link,
		Logger:       r.log,
	}
}
