package check

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/honoctl/honoctl/internal/sim/config"
	"github.com/honoctl/honoctl/orchestrator/render"
	"github.com/honoctl/honoctl/orchestrator/topology"
)

// The demo application's login (facts sheet section 5): what Hono's example
// consumer and getting-started use against the router's external listener.
const (
	AppUser     = "consumer@HONO"
	AppPassword = "verysecret"
	AppTenant   = render.DefaultTenant
)

// appSettings is where the application keeps its login (Hono's example
// consumer: hono.client.username and password).
const appSettings = "the application's hono.client.username/password"

// Attach says which link a probe attaches once the connection is open: the
// one the link's real client attaches first.
type Attach int

const (
	// AttachNone attaches nothing: the router's authServicePlugin only
	// reads the Auth Server's open frame (ADDRESS-AUTHZ).
	AttachNone Attach = iota
	// AttachSender attaches a sender to Address (telemetry/<tenant>).
	AttachSender
	// AttachReceiver attaches a receiver on Address, without credit, so
	// that it never takes a message meant for the real application.
	AttachReceiver
	// AttachToken attaches the Auth Server's "cbs" receiver and reads the
	// token from it.
	AttachToken
	// AttachRequest attaches the reply receiver first, then the request
	// sender on Address, as Hono's request-response clients do.
	AttachRequest
)

// AMQPTarget is one AMQP link, logged in on as its client logs in.
type AMQPTarget struct {
	Link topology.Link
	// Addr is the address dialled; TLS is nil on a plain link.
	Addr string
	TLS  *tls.Config
	// Mechanism is PLAIN or EXTERNAL; User and Password are PLAIN's.
	// NOTE: the password never goes into a finding.
	Mechanism      string
	User, Password string
	// CredentialsFrom names where the user comes from, for hints:
	// config/http-adapter.credentials, config/permissions.json, ...
	CredentialsFrom string
	// HostName is the open frame's hostname (the router's vhost); empty
	// means the host dialled.
	HostName string
	// HostNameSetting names the client setting HostName comes from.
	HostNameSetting string
	// Desired are the capabilities desired in the open frame.
	Desired []string
	Attach  Attach
	Address string
	// TokenCert is the certificate the token's signature must verify with
	// (hono.auth.validation.certPath of the client), with its stack folder
	// path in TokenCertFile; nil when the target fetches no token.
	TokenCert     *x509.Certificate
	TokenCertFile string
	Fix           Fix
}

// Stack is what the AMQP and data path checks read of a stack folder
// besides the PKI: the rendered configuration of each service.
type Stack struct {
	// Dir is the stack folder (topology.json, certs/, config/).
	Dir string
	Top *topology.Topology
	PKI *PKI
}

// AMQPTargets builds the AMQP targets of every link reached from v, with
// the credentials each client reads from its rendered files.
func AMQPTargets(s *Stack, v Vantage) ([]AMQPTarget, error) {
	var out []AMQPTarget
	for _, l := range s.Top.Links {
		if l.Protocol != "amqp" || !v.Reaches(l) {
			continue
		}
		t, err := s.amqpTarget(l, v)
		if err != nil {
			return nil, fmt.Errorf("AMQP probe of %s: %w", l, err)
		}
		out = append(out, t)
	}
	return out, nil
}

func (s *Stack) amqpTarget(l topology.Link, v Vantage) (AMQPTarget, error) {
	t := AMQPTarget{Link: l, Addr: address(l, v), Mechanism: l.SASL, Fix: fixFor(s.Top, l)}
	if t.Mechanism == topology.SASLNone {
		t.Mechanism = topology.SASLPlain
	}
	if l.TLS {
		t.TLS = &tls.Config{RootCAs: pool(s.PKI.Trust), ServerName: l.Hostname,
			MinVersion: tls.VersionTLS12, MaxVersion: clientMaxVersion(l)}
		if v == Host {
			t.TLS.ServerName = "localhost"
		}
	}
	if l.ClientCert {
		c, err := s.PKI.clientCert(s.Top.MustService(l.Client))
		if err != nil {
			return t, err
		}
		t.TLS.Certificates = []tls.Certificate{*c}
	}
	server := s.Top.MustService(l.Server)

	switch {
	case l.Client == topology.ClientApplication:
		t.User, t.Password = AppUser, AppPassword
		t.CredentialsFrom = appSettings
		t.Attach, t.Address = AttachReceiver, "telemetry/"+AppTenant
		return t, nil
	case server.Role == topology.RoleAuth:
		return s.authTarget(t, l)
	}

	client := s.Top.MustService(l.Client)
	cfg, err := s.clientConfig(client, t.Fix.ClientPrefix)
	if err != nil {
		return t, err
	}
	if t.Mechanism == topology.SASLPlain {
		if err := s.credentials(&t, cfg); err != nil {
			return t, err
		}
	}
	switch server.Role {
	case topology.RoleRouter:
		// The vhost: Hono Messaging defaults to hono-internal when unset.
		t.HostName, t.HostNameSetting = cfg.AmqpHostname, t.Fix.ClientPrefix+".amqpHostname"
		if t.HostName == "" {
			t.HostName = "hono-internal"
		}
		t.Attach, t.Address = AttachSender, "telemetry/"+AppTenant
	case topology.RoleMessaging:
		t.Attach, t.Address = AttachSender, "telemetry/"+AppTenant
	case topology.RoleRegistry:
		t.Attach, t.Address = AttachRequest, "registration/"+AppTenant
	}
	return t, nil
}

// authTarget logs in at the Auth Server as its clients do. Hono Messaging
// and the Device Registry delegate their own clients' PLAIN logins, so the
// probe uses a user the real flow passes on: the first adapter's (or the
// application's for the router). Their token is checked with the
// certificate the client's hono.auth.validation.certPath names.
func (s *Stack) authTarget(t AMQPTarget, l topology.Link) (AMQPTarget, error) {
	client := s.Top.MustService(l.Client)
	if client.Role == topology.RoleRouter {
		// authServicePlugin: qdrouter's certificate on the TLS layer, the
		// application's PLAIN login passed on, ADDRESS-AUTHZ desired.
		t.User, t.Password = AppUser, AppPassword
		t.CredentialsFrom = appSettings
		t.Desired = []string{"ADDRESS-AUTHZ"}
		t.Attach = AttachNone
		return t, nil
	}
	t.Attach, t.Address = AttachToken, "cbs"
	// The user is one the real flow passes on, with its password as the
	// Auth Server knows it: a wrong password in an adapter's credentials
	// file is the adapter's link's fault (channels 5 and 6), not this one's.
	t.User, t.Password = AppUser, AppPassword
	if adapters := s.adapters(); len(adapters) > 0 {
		t.User = render.AdapterUser(adapters[0])
	}
	t.CredentialsFrom = filepath.Join(render.ConfigDir, render.PermissionsFile)
	if t.User != AppUser {
		pw, err := s.permissionsPassword(t.User)
		if err != nil {
			return t, err
		}
		t.Password = pw
	}

	// The validation key, as DelegatingAuthenticationServiceConfig picks it.
	svc, err := s.serviceConfig(client)
	if err != nil {
		return t, err
	}
	certPath := svc.AuthValidation.CertPath
	if certPath == "" {
		certPath = svc.Client("hono.auth").CertPath
	}
	if svc.AuthValidation.SharedSecret != "" || certPath == "" {
		return t, nil // HS256 or nothing: the token check says so
	}
	t.TokenCertFile = s.local(certPath)
	certs, err := readCerts(filepath.Join(s.Dir, t.TokenCertFile))
	if err != nil {
		return t, fmt.Errorf("%s's hono.auth.validation.certPath: %w", client.Name, err)
	}
	t.TokenCert = certs[0]
	return t, nil
}

// permissionsPassword is a PLAIN user's password in config/permissions.json.
func (s *Stack) permissionsPassword(user string) (string, error) {
	file := filepath.Join(s.Dir, render.ConfigDir, render.PermissionsFile)
	b, err := os.ReadFile(file)
	if err != nil {
		return "", fmt.Errorf("read users: %w", err)
	}
	var p struct {
		Users map[string]struct {
			Mechanism string `json:"mechanism"`
			Password  string `json:"password"`
		} `json:"users"`
	}
	if err := json.Unmarshal(b, &p); err != nil {
		return "", fmt.Errorf("%s: %w", file, err)
	}
	u, ok := p.Users[user]
	if !ok || u.Mechanism != topology.SASLPlain {
		return "", fmt.Errorf("%s has no PLAIN user %s", file, user)
	}
	return u.Password, nil
}

func (s *Stack) adapters() []topology.Service {
	var out []topology.Service
	for _, sv := range s.Top.Services {
		if sv.Role.IsAdapter() {
			out = append(out, sv)
		}
	}
	return out
}

// serviceConfig loads a service's rendered Hono YAML from config/.
func (s *Stack) serviceConfig(sv topology.Service) (*config.Service, error) {
	file := filepath.Join(s.Dir, render.ConfigDir, render.ConfigFile(sv))
	cfg, err := config.Load(sv.Role, config.Sources{Location: file})
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", file, err)
	}
	return cfg, nil
}

func (s *Stack) clientConfig(sv topology.Service, prefix string) (*config.ClientConfig, error) {
	cfg, err := s.serviceConfig(sv)
	if err != nil {
		return nil, err
	}
	c, ok := cfg.Clients[prefix]
	if !ok {
		return nil, fmt.Errorf("%s has no client block %s", sv.Name, prefix)
	}
	return c, nil
}

// credentials sets the target's PLAIN user from a client block: username
// and password, else the credentials file it names.
func (s *Stack) credentials(t *AMQPTarget, c *config.ClientConfig) error {
	if c.Username != "" || c.Password != "" {
		t.User, t.Password = c.Username, c.Password
		t.CredentialsFrom = t.Fix.ClientConfig
		return nil
	}
	if c.CredentialsPath == "" {
		return fmt.Errorf("no username, password or credentialsPath in %s", t.Fix.ClientConfig)
	}
	t.CredentialsFrom = s.local(c.CredentialsPath)
	u, p, err := config.ReadCredentials(filepath.Join(s.Dir, t.CredentialsFrom))
	if err != nil {
		return err
	}
	t.User, t.Password = u, p
	return nil
}

// local maps a path a container reads (/run/secrets/x) to the stack
// folder's file mounted there, relative to the folder: keys and
// certificates live in certs/, everything else in config/ (render's
// layout).
func (s *Stack) local(p string) string {
	if !strings.HasPrefix(p, render.SecretsDir+"/") {
		return p
	}
	base := path.Base(p)
	if _, err := os.Stat(filepath.Join(s.Dir, render.CertsDir, base)); err == nil {
		return filepath.Join(render.CertsDir, base)
	}
	return filepath.Join(render.ConfigDir, base)
}

// AMQPFiles lists the stack folder files the AMQP targets of v read,
// relative to the folder: configuration, credentials and validation
// certificates. NOTE: never a private key beyond the clients' own, which
// Targets already needs.
func AMQPFiles(s *Stack, v Vantage) ([]string, error) {
	files := []string{filepath.Join(render.ConfigDir, render.PermissionsFile)}
	for _, sv := range s.Top.Services {
		if sv.Role == topology.RoleRouter {
			continue // qdrouterd.json: nothing in it the probe reads
		}
		files = append(files, filepath.Join(render.ConfigDir, render.ConfigFile(sv)))
		if sv.Role.IsAdapter() {
			files = append(files, filepath.Join(render.ConfigDir, render.CredentialsFile(sv)))
		}
	}
	ts, err := AMQPTargets(s, v)
	if err != nil {
		return nil, err
	}
	for _, t := range ts {
		if t.TokenCertFile != "" {
			files = append(files, t.TokenCertFile)
		}
		if t.CredentialsFrom != "" && strings.HasPrefix(t.CredentialsFrom, render.ConfigDir) {
			files = append(files, t.CredentialsFrom)
		}
	}
	return files, nil
}
