package adapter

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/honoctl/honoctl/internal/mqtt"
	"github.com/honoctl/honoctl/internal/sim/config"
	"github.com/honoctl/honoctl/internal/sim/health"
	"github.com/honoctl/honoctl/internal/sim/tlsconf"
)

// Peers are an adapter's Registry and Downstream. Run functions dial them
// over AMQP from the configuration; tests may hand in their own.
type Peers struct {
	Registry   Registry
	Downstream Downstream
}

// runOptions are what tests change: peers of their own, and listeners on
// ephemeral ports (Hono's configuration has no way to ask for port 0).
type runOptions struct {
	peers   *Peers
	anyPort bool
}

// RunHTTP runs the HTTP adapter from cfg (hono.http and the client blocks)
// until ctx ends.
func RunHTTP(ctx context.Context, cfg *config.Service, status *health.Status, log *slog.Logger) error {
	return runHTTP(ctx, cfg, status, log, runOptions{})
}

// RunMQTT runs the MQTT adapter (hono.mqtt).
func RunMQTT(ctx context.Context, cfg *config.Service, status *health.Status, log *slog.Logger) error {
	return runMQTT(ctx, "hono.mqtt", nil, cfg, status, log, runOptions{})
}

// RunKura runs the Kura adapter (hono.kura).
func RunKura(ctx context.Context, cfg *config.Service, status *health.Status, log *slog.Logger) error {
	k := &Kura{ControlPrefix: cfg.Kura.ControlPrefix, ControlContentType: cfg.Kura.CtrlMsgContentType,
		DataContentType: cfg.Kura.DataMsgContentType}
	return runMQTT(ctx, "hono.kura", k, cfg, status, log, runOptions{})
}

func runHTTP(ctx context.Context, cfg *config.Service, status *health.Status, log *slog.Logger, o runOptions) error {
	sc := cfg.Server("hono.http")
	lns, up, err := listen("hono.http", sc, 8443, 8080, status, log, o.anyPort)
	if err != nil {
		return err
	}
	p := o.peers
	if p == nil {
		if p, err = dialPeers(ctx, cfg, status, log); err != nil {
			closeAll(lns)
			return err
		}
	}
	up() // readiness: the links are registered, the ports accept
	h := &HTTP{Registry: p.Registry, Downstream: p.Downstream, MaxPayloadSize: sc.MaxPayloadSize,
		AuthenticationRequired: cfg.Adapter.AuthenticationRequired, Realm: cfg.Adapter.Realm, Log: log}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second,
		// net/http's own messages (malformed requests) go to our log.
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelInfo)}
	return serve(ctx, lns, func(l net.Listener) error { return srv.Serve(l) }, func() {
		sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		srv.Shutdown(sctx) //nolint:errcheck // stopping anyway
	})
}

func runMQTT(ctx context.Context, prefix string, kura *Kura, cfg *config.Service, status *health.Status,
	log *slog.Logger, o runOptions) error {
	sc := cfg.Server(prefix)
	lns, up, err := listen(prefix, sc, 8883, 1883, status, log, o.anyPort)
	if err != nil {
		return err
	}
	p := o.peers
	if p == nil {
		if p, err = dialPeers(ctx, cfg, status, log); err != nil {
			closeAll(lns)
			return err
		}
	}
	up()
	h := &MQTT{Registry: p.Registry, Downstream: p.Downstream, Kura: kura, MaxPayloadSize: sc.MaxPayloadSize,
		AuthenticationRequired: cfg.Adapter.AuthenticationRequired, Log: log}
	srv := &mqtt.Server{Handler: h, OnError: func(remote net.Addr, err error) {
		log.Info("device connection closed", "remote", remote.String(), "error", err)
	}}
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	return serve(ctx, lns, func(l net.Listener) error { return srv.Serve(sctx, l) }, cancel)
}

// listen opens the secure port when key material is configured and the
// plain port when enabled, as Hono's AbstractServiceBase does. The ports
// show in readiness as down until up is called, once the role's links are
// registered too.
func listen(prefix string, sc *config.ServerConfig, defSecure, defPlain int, status *health.Status,
	log *slog.Logger, anyPort bool) (lns []net.Listener, up func(), err error) {
	secure, plain := sc.SecurePort(defSecure), sc.PlainPort(defPlain)
	tcfg, err := tlsconf.ServiceServer(prefix, sc, log)
	if err != nil {
		return nil, nil, err
	}
	if tcfg != nil && sc.InsecureEnabled() && secure == plain {
		return nil, nil, fmt.Errorf("%s: secure and insecure port are both %d", prefix, secure)
	}

	if anyPort {
		secure, plain = 0, 0
	}

	var ups []func()
	up = func() {
		for _, u := range ups {
			u()
		}
	}
	if tcfg != nil {
		addr := net.JoinHostPort(sc.BindAddress, strconv.Itoa(secure))
		inner, err := net.Listen("tcp", addr)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", prefix, err)
		}
		ln := tlsconf.NewListener(inner, tcfg, func(remote net.Addr, err error) {
			log.Warn("TLS handshake failed", "listener", prefix, "remote", remote.String(),
				"cause", string(tlsconf.Classify(err)), "error", err)
		})
		log.Info("listening", "name", prefix, "address", ln.Addr().String(), "tls", true)
		hl := status.Listener(prefix+" (TLS)", addr)
		ups = append(ups, func() { hl.Up(ln.Addr().String()) })
		lns = append(lns, ln)
	}
	if sc.InsecureEnabled() {
		addr := net.JoinHostPort(sc.InsecurePortBindAddress, strconv.Itoa(plain))
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			closeAll(lns)
			return nil, nil, fmt.Errorf("%s: insecure port: %w", prefix, err)
		}
		log.Warn("plain server without TLS", "name", prefix, "address", ln.Addr().String())
		hl := status.Listener(prefix+" (plain)", addr)
		ups = append(ups, func() { hl.Up(ln.Addr().String()) })
		lns = append(lns, ln)
	}
	return lns, up, nil
}

// serve runs serveOne on every listener until ctx ends or one fails.
func serve(ctx context.Context, lns []net.Listener, serveOne func(net.Listener) error, stop func()) error {
	errs := make(chan error, len(lns))
	var wg sync.WaitGroup
	for _, l := range lns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- serveOne(l)
		}()
	}
	var err error
	select {
	case <-ctx.Done():
	case err = <-errs:
	}
	stop()
	closeAll(lns)
	wg.Wait()
	if errors.Is(err, http.ErrServerClosed) || errors.Is(err, net.ErrClosed) {
		err = nil
	}
	return err
}

func closeAll(lns []net.Listener) {
	for _, l := range lns {
		l.Close()
	}
}
