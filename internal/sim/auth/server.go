package auth

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"time"

	"github.com/honoctl/honoctl/internal/amqp"
	"github.com/honoctl/honoctl/internal/sim/config"
	"github.com/honoctl/honoctl/internal/sim/health"
	"github.com/honoctl/honoctl/internal/sim/hono"
	"github.com/honoctl/honoctl/internal/sim/tlsconf"
)

// Wire names of the Auth Server (SimpleAuthenticationServer,
// AuthenticationConstants).
const (
	// TokenSource is the source address of the token link.
	TokenSource = "cbs"
	// TokenType is the "type" application property of the token message.
	TokenType = "amqp:jwt"
	// CapabilityAddressAuthz is the capability the Dispatch Router desires
	// to get the user's permissions in the Open frame.
	CapabilityAddressAuthz = "ADDRESS-AUTHZ"
	// PropertyIdentity and PropertyAddressAuthz are the Open properties of
	// the answer.
	PropertyIdentity     = "authenticated-identity"
	PropertyAddressAuthz = "address-authz"
)

// TokenTimeout is how long a client has to fetch its token after the
// connection opened before the server closes it with hono:inactivity.
const TokenTimeout = 5 * time.Second

// serverBlock is the configuration prefix of the Auth Server's listener.
const serverBlock = "hono.auth.amqp"

// Server is an Auth Server. Build it with New; it is safe for concurrent
// use.
type Server struct {
	perms    *hono.Permissions
	key      *hono.Key
	lifetime time.Duration
	tls      *tls.Config
	cfg      *config.ServerConfig
	log      *slog.Logger
	status   *health.Status
	// tokenTimeout is TokenTimeout; tests shorten it.
	tokenTimeout time.Duration
}

// identity is what SASL establishes for a connection: the principal and the
// token issued for it.
type identity struct {
	hono.Principal
	token string
}

// New prepares an Auth Server from its configuration: the permissions
// file, the signing key and the TLS material. Nothing listens yet. Its
// listeners are reported in status.
func New(cfg *config.Service, status *health.Status, log *slog.Logger) (*Server, error) {
	srv := cfg.Server(serverBlock)
	s := &Server{cfg: srv, log: log, status: status, lifetime: hono.DefaultTokenLifetime, tokenTimeout: TokenTimeout}

	path, err := config.ResourcePath(cfg.AuthService.PermissionsPath)
	if cfg.AuthService.PermissionsPath == "" {
		err = errors.New("hono.auth.svc.permissionsPath is not set; Hono's built-in file is inside its jar, give a file")
	}
	if err != nil {
		return nil, fmt.Errorf("permissions: %w", err)
	}
	if s.perms, err = hono.LoadPermissions(path); err != nil {
		return nil, err
	}
	log.Info("loading permissions from resource", "path", path, "users", len(s.perms.Users()))

	if s.key, err = signingKey(cfg.AuthService.Signing, srv, log); err != nil {
		return nil, err
	}
	if n := cfg.AuthService.Signing.TokenExpiration; n > 0 {
		s.lifetime = time.Duration(n) * time.Second
	}

	conf, err := tlsconf.ServiceServer(serverBlock, srv, log)
	if err != nil {
		return nil, err
	}
	s.tls = conf
	return s, nil
}

// signingKey follows JwtHelper.forSigning: a shared secret wins, then
// signing.keyPath, then the server's own TLS key.
func signingKey(sig config.Signing, srv *config.ServerConfig, log *slog.Logger) (*hono.Key, error) {
	switch {
	case sig.SharedSecret != "":
		k, err := hono.SecretKey(sig.SharedSecret)
		if err != nil {
			return nil, fmt.Errorf("hono.auth.svc.signing.sharedSecret: %w", err)
		}
		log.Info("using shared secret for signing tokens", "bytes", len(sig.SharedSecret))
		return k, nil
	case sig.KeyPath != "":
		log.Info("using private key for signing tokens", "path", sig.KeyPath)
		return hono.LoadSigningKey(sig.KeyPath)
	case srv.KeyPath != "":
		log.Info("using private key for signing tokens", "path", srv.KeyPath)
		return hono.LoadSigningKey(srv.KeyPath)
	}
	return nil, errors.New("no key to sign tokens with: set hono.auth.svc.signing.sharedSecret or keyPath, or hono.auth.amqp.keyPath")
}

// Run serves the Auth Server on its configured ports until ctx ends.
func Run(ctx context.Context, cfg *config.Service, status *health.Status, log *slog.Logger) error {
	s, err := New(cfg, status, log)
	if err != nil {
		return err
	}
	ports, err := Listen(s.cfg, s.tls != nil)
	if err != nil {
		return err
	}
	return s.Serve(ctx, ports)
}

// Serve serves on the given listeners until ctx ends, and closes them.
func (s *Server) Serve(ctx context.Context, p Ports) error {
	return Serve(ctx, p, s.tls, serverBlock, s.status, s.log, s.amqpServer)
}

func (s *Server) amqpServer(addr net.Addr) *amqp.Server {
	return &amqp.Server{
		ContainerID:  "Hono-Auth-" + addr.String(),
		Mechanisms:   []string{amqp.MechExternal, amqp.MechPlain},
		Authenticate: s.authenticate,
		Open:         s.open,
		Link:         s.link,
		Logger:       s.log,
	}
}
