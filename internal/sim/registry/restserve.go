package registry

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/honoctl/honoctl/internal/sim/auth"
	"github.com/honoctl/honoctl/internal/sim/tlsconf"
)

const restBlock = "hono.registry.rest"

// Default ports of Hono's HTTP servers (HttpServiceBase).
const (
	DefaultRESTPort         = 8443
	DefaultRESTInsecurePort = 8080
)

// ListenREST opens the REST ports of hono.registry.rest: the secure one
// when its key material loaded, the insecure one when enabled.
func (s *Server) ListenREST() (auth.Ports, error) {
	p, err := auth.ListenOn(s.rest, s.restTLS != nil, DefaultRESTPort, DefaultRESTInsecurePort)
	if err != nil {
		return p, fmt.Errorf("%s: %w", restBlock, err)
	}
	return p, nil
}

// ServeREST serves the REST API on the given listeners until ctx ends,
// and closes them. Each is a listener in the health status.
func (s *Server) ServeREST(ctx context.Context, p auth.Ports) error {
	if p.Secure != nil && s.restTLS == nil {
		p.Close()
		return fmt.Errorf("%s: secure listener %s without key material", restBlock, p.Secure.Addr())
	}
	srv := &http.Server{Handler: s.RESTHandler(s.rest.MaxPayloadSize), ReadHeaderTimeout: 10 * time.Second,
		// net/http's own messages (malformed requests) go to our log.
		ErrorLog: slog.NewLogLogger(s.log.Handler(), slog.LevelInfo)}
	errc := make(chan error, 2)
	n := 0
	start := func(ln net.Listener, name string, tls bool) {
		n++
		addr := ln.Addr().String()
		s.log.Info("listening", "name", restBlock, "addr", addr, "tls", tls)
		hl := s.status.Listener(name, addr)
		hl.Up(addr)
		go func() {
			err := srv.Serve(ln)
			if errors.Is(err, http.ErrServerClosed) {
				err = nil
			}
			hl.Down(err)
			errc <- err
		}()
	}
	if p.Secure != nil {
		start(tlsconf.NewListener(p.Secure, s.restTLS, func(remote net.Addr, err error) {
			s.log.Warn("TLS handshake failed", "listener", restBlock, "remote", remote.String(),
				"cause", string(tlsconf.Classify(err)), "err", err)
		}), restBlock+" https", true)
	}
	if p.Plain != nil {
		s.log.Warn("plain server without TLS", "name", restBlock, "addr", p.Plain.Addr().String())
		start(p.Plain, restBlock+" http", false)
	}

	var first error
	select {
	case <-ctx.Done():
	case first = <-errc:
		n--
	}
	sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	srv.Shutdown(sctx) //nolint:errcheck // stopping anyway; Serve's errors count
	for range n {
		if err := <-errc; err != nil && first == nil {
			first = err
		}
	}
	return first
}
