package auth

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"net"
	"strconv"

	"github.com/honoctl/honoctl/internal/amqp"
	"github.com/honoctl/honoctl/internal/sim/config"
	"github.com/honoctl/honoctl/internal/sim/health"
	"github.com/honoctl/honoctl/internal/sim/tlsconf"
)

// Default ports of Hono's AMQP services (Constants.PORT_AMQPS, PORT_AMQP).
const (
	DefaultSecurePort   = 5671
	DefaultInsecurePort = 5672
)

// Ports are the TCP listeners of a Hono AMQP service; either may be nil.
// Auth, Device Registry and Hono Messaging share them.
type Ports struct {
	Secure, Plain net.Listener
}

// Close closes both listeners.
func (p Ports) Close() {
	if p.Secure != nil {
		p.Secure.Close()
	}
	if p.Plain != nil {
		p.Plain.Close()
	}
}

// Listen opens a server block's ports: the secure port when secure is set
// (the block has key material), the insecure one when it is enabled.
func Listen(cfg *config.ServerConfig, secure bool) (Ports, error) {
	return ListenOn(cfg, secure, DefaultSecurePort, DefaultInsecurePort)
}

// ListenOn is Listen for a server block whose default ports are
// defSecure and defPlain, such as the Device Registry's REST API.
func ListenOn(cfg *config.ServerConfig, secure bool, defSecure, defPlain int) (Ports, error) {
	var p Ports
	var err error
	if secure {
		addr := net.JoinHostPort(cfg.BindAddress, strconv.Itoa(cfg.SecurePort(defSecure)))
		if p.Secure, err = net.Listen("tcp", addr); err != nil {
			return p, fmt.Errorf("listen: %w", err)
		}
	}
	if cfg.InsecureEnabled() {
		addr := net.JoinHostPort(cfg.InsecurePortBindAddress, strconv.Itoa(cfg.PlainPort(defPlain)))
		if p.Plain, err = net.Listen("tcp", addr); err != nil {
			p.Close()
			return Ports{}, fmt.Errorf("listen: %w", err)
		}
	}
	return p, nil
}

// Serve runs an AMQP server on each port until ctx ends or one fails;
// the secure port does TLS with conf and logs every failed handshake with
// its cause. server makes the amqp.Server of a listener address. Each
// port is a listener in status, named after the server block. Serve
// closes the listeners.
func Serve(ctx context.Context, p Ports, conf *tls.Config, block string, status *health.Status, log *slog.Logger,
	server func(net.Addr) *amqp.Server) error {
	if p.Secure != nil && conf == nil {
		p.Close()
		return fmt.Errorf("secure listener %s without key material", p.Secure.Addr())
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errc := make(chan error, 2)
	n := 0
	if p.Secure != nil {
		n++
		ln := tlsconf.NewListener(p.Secure, conf, func(remote net.Addr, err error) {
			log.Warn("TLS handshake failed", "remote", remote.String(),
				"cause", string(tlsconf.Classify(err)), "err", err)
		})
		log.Info("listening", "addr", p.Secure.Addr().String(), "tls", true)
		hl := status.Listener(block+" amqps", p.Secure.Addr().String())
		hl.Up(p.Secure.Addr().String())
		go func() {
			err := server(p.Secure.Addr()).Serve(ctx, ln)
			hl.Down(err)
			errc <- err
		}()
	}
	if p.Plain != nil {
		n++
		log.Info("listening", "addr", p.Plain.Addr().String(), "tls", false)
		hl := status.Listener(block+" amqp", p.Plain.Addr().String())
		hl.Up(p.Plain.Addr().String())
		go func() {
			err := server(p.Plain.Addr()).Serve(ctx, p.Plain)
			hl.Down(err)
			errc <- err
		}()
	}
	var first error
	for range n {
		if err := <-errc; err != nil && first == nil {
			first = err
			cancel()
		}
	}
	return first
}
