package registry

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/honoctl/honoctl/internal/amqp"
	"github.com/honoctl/honoctl/internal/sim/auth"
	"github.com/honoctl/honoctl/internal/sim/config"
	"github.com/honoctl/honoctl/internal/sim/health"
	"github.com/honoctl/honoctl/internal/sim/hono"
	"github.com/honoctl/honoctl/internal/sim/tlsconf"
)

const (
	serverBlock = "hono.registry.amqp"
	authBlock   = "hono.auth"
)

// Server is a Device Registry. Build it with New.
type Server struct {
	cfg    *config.ServerConfig
	tls    *tls.Config
	auth   *auth.Client
	log    *slog.Logger
	status *health.Status
	store  stores
	// changes say which changes the stores take and where they are saved.
	changes changes
	// rest is hono.registry.rest; restTLS its TLS, nil without a secure port.
	rest    *config.ServerConfig
	restTLS *tls.Config
	// credit is the request links' credit (receiverLinkCredit).
	credit uint32

	mu      sync.Mutex
	replies map[string]*amqp.Sender // subscribed reply-to addresses
}

// stores is the registry's data.
type stores struct {
	devices     *hono.DeviceStore
	credentials *hono.CredentialsStore
	tenants     *hono.TenantStore
	key         *hono.Key // signs registration assertions
	lifetime    time.Duration
}

// New prepares a Device Registry from its configuration; its listeners
// and its link to the Auth Server are reported in status.
func New(cfg *config.Service, status *health.Status, log *slog.Logger) (*Server, error) {
	srv := cfg.Server(serverBlock)
	s := &Server{cfg: srv, log: log, status: status, replies: map[string]*amqp.Sender{}, credit: uint32(max(srv.ReceiverLinkCredit, 1))}
	var err error
	if s.store, err = loadStores(cfg, log); err != nil {
		return nil, err
	}
	if s.auth, err = auth.ClientFromConfig(authBlock, cfg.Client(authBlock), cfg.AuthValidation, status, log); err != nil {
		return nil, err
	}
	conf, err := tlsconf.ServiceServer(serverBlock, srv, log)
	if err != nil {
		return nil, err
	}
	s.tls = conf

	s.rest, s.changes = cfg.Server(restBlock), changesFrom(cfg)
	if s.restTLS, err = tlsconf.ServiceServer(restBlock, s.rest, log); err != nil {
		return nil, err
	}
	if !s.changes.devices.ModificationEnabled {
		log.Info("modification of registered devices has been disabled")
	}
	if !s.changes.tenants.ModificationEnabled {
		log.Info("modification of registered tenants has been disabled")
	}
	return s, nil
}

func loadStores(cfg *config.Service, log *slog.Logger) (stores, error) {
	st := stores{lifetime: hono.DefaultAssertionLifetime}
	sig := cfg.Registry.Signing
	var err error
	switch {
	case sig.SharedSecret != "":
		st.key, err = hono.SecretKey(sig.SharedSecret)
	case sig.KeyPath != "":
		st.key, err = hono.LoadSigningKey(sig.KeyPath)
	default:
		err = errors.New("set signing.sharedSecret or signing.keyPath")
	}
	if err != nil {
		return st, fmt.Errorf("hono.registry.svc.signing: %w", err)
	}
	if sig.TokenExpiration > 0 {
		st.lifetime = time.Duration(sig.TokenExpiration) * time.Second
	}

	// Hono starts with an empty store when a file does not exist yet.
	if st.devices, err = hono.LoadDevices(cfg.Registry.Filename); errors.Is(err, fs.ErrNotExist) {
		log.Warn("no device identities file, starting without devices", "path", cfg.Registry.Filename)
		st.devices, err = hono.NewDeviceStore(), nil
	}
	if err != nil {
		return st, err
	}
	if st.credentials, err = hono.LoadCredentials(cfg.Credentials.Filename); err != nil {
		return st, err
	}
	if st.tenants, err = hono.LoadTenants(cfg.Tenant.Filename); err != nil {
		return st, err
	}
	return st, nil
}

// Run serves the registry's AMQP and REST ports until ctx ends or one of
// them fails.
func Run(ctx context.Context, cfg *config.Service, status *health.Status, log *slog.Logger) error {
	s, err := New(cfg, status, log)
	if err != nil {
		return err
	}
	ports, err := auth.Listen(s.cfg, s.tls != nil)
	if err != nil {
		return err
	}
	rest, err := s.ListenREST()
	if err != nil {
		ports.Close()
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	restErr := make(chan error, 1)
	go func() {
		err := s.ServeREST(ctx, rest)
		cancel() // one API down takes the role down, so its health shows it
		restErr <- err
	}()
	err = s.Serve(ctx, ports)
	cancel()
	return errors.Join(err, <-restErr)
}

// AuthClient is the client the registry delegates logins with.
func (s *Server) AuthClient() *auth.Client { return s.auth }

// Serve serves on the given listeners until ctx ends, and closes them.
// It first probes the Auth Server, so that readiness shows at once
// whether logins can be checked.
func (s *Server) Serve(ctx context.Context, p auth.Ports) error {
	if err := s.auth.Probe(ctx); err != nil {
		s.log.Warn("Auth Server not reachable; logins will fail until it is", "err", err)
	}
	return auth.Serve(ctx, p, s.tls, serverBlock, s.status, s.log, s.amqpServer)
}

func (s *Server) amqpServer(addr net.Addr) *amqp.Server {
	return s.auth.DelegatingServer("Hono-DeviceRegistry-"+addr.String(), s.link, s.log)
}
