package messaging

import (
	"context"
	"crypto/tls"
	"errors"
	"log/slog"
	"net"

	"github.com/honoctl/honoctl/internal/amqp"
	"github.com/honoctl/honoctl/internal/sim/auth"
	"github.com/honoctl/honoctl/internal/sim/config"
	"github.com/honoctl/honoctl/internal/sim/health"
	"github.com/honoctl/honoctl/internal/sim/hono"
	"github.com/honoctl/honoctl/internal/sim/tlsconf"
)

const (
	serverBlock     = "hono.messaging"
	authBlock       = "hono.auth"
	downstreamBlock = "hono.downstream"
)

// CapabilityRegAssertion is offered on receiver links when registration
// assertions are checked (Constants.CAP_REG_ASSERTION_VALIDATION); an
// adapter that sees it adds reg_assertion to its messages.
const CapabilityRegAssertion = "hono-reg-assertion"

// Server is a Hono Messaging. Build it with New.
type Server struct {
	cfg    *config.ServerConfig
	tls    *tls.Config
	auth   *auth.Client
	key    *hono.Key // checks registration assertions
	down   *downstream
	log    *slog.Logger
	status *health.Status
	credit int // most credit held by one upstream link
}

// New prepares Hono Messaging from its configuration; its listeners and
// links (the router, required; the Auth Server) are reported in status.
func New(cfg *config.Service, status *health.Status, log *slog.Logger) (*Server, error) {
	srv := cfg.Server(serverBlock)
	s := &Server{cfg: srv, log: log, status: status, credit: max(srv.ReceiverLinkCredit, 1)}
	var err error
	if s.key, err = assertionKey(cfg.MessagingValidation, srv, log); err != nil {
		return nil, err
	}
	if s.auth, err = auth.ClientFromConfig(authBlock, cfg.Client(authBlock), cfg.AuthValidation, status, log); err != nil {
		return nil, err
	}
	if s.down, err = newDownstream(downstreamBlock, cfg.Client(downstreamBlock), status, log); err != nil {
		return nil, err
	}
	conf, err := tlsconf.ServiceServer(serverBlock, srv, log)
	if err != nil {
		return nil, err
	}
	s.tls = conf
	return s, nil
}

// assertionKey follows Hono Messaging's validation: the shared secret,
// else validation.certPath, else the server's own certificate.
func assertionKey(v config.Validation, srv *config.ServerConfig, log *slog.Logger) (*hono.Key, error) {
	switch {
	case v.SharedSecret != "":
		log.Info("using shared secret for validating registration assertions", "bytes", len(v.SharedSecret))
		return hono.SecretKey(v.SharedSecret)
	case v.CertPath != "":
		log.Info("using public key from certificate for validating registration assertions", "path", v.CertPath)
		return hono.LoadCertKey(v.CertPath)
	case srv.CertPath != "":
		log.Info("using public key from certificate for validating registration assertions", "path", srv.CertPath)
		return hono.LoadCertKey(srv.CertPath)
	}
	return nil, errors.New(serverBlock + ".validation: set sharedSecret or certPath to check registration assertions")
}

// Run serves Hono Messaging until ctx ends.
func Run(ctx context.Context, cfg *config.Service, status *health.Status, log *slog.Logger) error {
	s, err := New(cfg, status, log)
	if err != nil {
		return err
	}
	ports, err := auth.Listen(s.cfg, s.tls != nil)
	if err != nil {
		return err
	}
	return s.Serve(ctx, ports)
}

// Downstream reports the state of the router connection.
func (s *Server) Downstream() (up bool, err error) { return s.down.State() }

// Serve connects downstream and serves on the given listeners until ctx
// ends; it closes them.
func (s *Server) Serve(ctx context.Context, p auth.Ports) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.down.run(ctx)
	}()
	if err := s.auth.Probe(ctx); err != nil {
		s.log.Warn("Auth Server not reachable; logins will fail until it is", "err", err)
	}
	err := auth.Serve(ctx, p, s.tls, serverBlock, s.status, s.log, s.amqpServer)
	cancel()
	<-done
	return err
}

func (s *Server) amqpServer(addr net.Addr) *amqp.Server {
	return s.auth.DelegatingServer("Hono-Messaging-"+addr.String(), s.link, s.log)
}
