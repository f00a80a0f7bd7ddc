package render

import (
	"bytes"
	"fmt"

	"go.yaml.in/yaml/v4"

	"github.com/honoctl/honoctl/orchestrator/topology"
)

// server is a Hono ServiceConfigProperties block: the keys Hono 0.7 binds
// (facts sheet section 3), in the order its admin guides list them.
type server struct {
	BindAddress             string   `yaml:"bindAddress,omitempty"`
	Port                    int      `yaml:"port,omitempty"`
	KeyPath                 string   `yaml:"keyPath,omitempty"`
	CertPath                string   `yaml:"certPath,omitempty"`
	TrustStorePath          string   `yaml:"trustStorePath,omitempty"`
	SecureProtocols         []string `yaml:"secureProtocols,omitempty"`
	NativeTLSRequired       bool     `yaml:"nativeTlsRequired,omitempty"`
	InsecurePortEnabled     bool     `yaml:"insecurePortEnabled,omitempty"`
	InsecurePortBindAddress string   `yaml:"insecurePortBindAddress,omitempty"`
	InsecurePort            int      `yaml:"insecurePort,omitempty"`
}

// client is a Hono ClientConfigProperties block.
type client struct {
	Name                         string   `yaml:"name,omitempty"`
	Host                         string   `yaml:"host"`
	Port                         int      `yaml:"port"`
	AmqpHostname                 string   `yaml:"amqpHostname,omitempty"`
	CredentialsPath              string   `yaml:"credentialsPath,omitempty"`
	KeyPath                      string   `yaml:"keyPath,omitempty"`
	CertPath                     string   `yaml:"certPath,omitempty"`
	TrustStorePath               string   `yaml:"trustStorePath,omitempty"`
	TLSEnabled                   bool     `yaml:"tlsEnabled"`
	HostnameVerificationRequired *bool    `yaml:"hostnameVerificationRequired,omitempty"`
	SecureProtocols              []string `yaml:"secureProtocols,omitempty"`
}

// tlsProtocols is Hono 0.7's default, written out so that a reader of the
// file sees what the service offers.
var tlsProtocols = []string{"TLSv1.2"}

// tree is a nested YAML map; keys are sorted when written, which keeps the
// files stable.
type tree map[string]any

// app is hono.app: one verticle instance and the health endpoint that the
// compose health check asks (hono.app.healthCheckPort).
func app() tree {
	return tree{
		"maxInstances":           1,
		"healthCheckPort":        topology.HealthPort.Container,
		"healthCheckBindAddress": "0.0.0.0",
	}
}

// serverOf configures the listener of s whose TLS port is named tlsName: key
// and certificate when the port is there, the plain port only when the
// topology opened it (--plaintext, or TLS off on a channel).
func (r *renderer) serverOf(s topology.Service, tlsName string) server {
	c := server{BindAddress: "0.0.0.0"}
	if p, ok := s.Port(tlsName); ok && p.TLS {
		c.Port = p.Container
		c.KeyPath, c.CertPath = secret(s.KeyFile()), secret(s.CertFile())
		c.SecureProtocols = tlsProtocols
		// Both flavors read the same file: hono-sim logs that it cannot
		// honour OpenSSL rather than being given a different setting.
		c.NativeTLSRequired = s.Engine == topology.EngineOpenSSL
	}
	if p, ok := s.Port(plainName(tlsName)); ok && !p.TLS {
		c.InsecurePortEnabled = true
		c.InsecurePortBindAddress = "0.0.0.0"
		c.InsecurePort = p.Container
	}
	return c
}

func plainName(tlsName string) string {
	return map[string]string{"amqps": "amqp", "https": "http", "mqtts": "mqtt"}[tlsName]
}

// clientOf configures the client side of link l, as the topology has it.
func (r *renderer) clientOf(l topology.Link, name string) client {
	self := r.top.MustService(l.Client)
	c := client{Name: name, Host: l.Hostname, Port: l.Port.Container}
	if l.TLS {
		verify := true
		c.TLSEnabled = true
		c.TrustStorePath = secret(TrustedCerts)
		c.HostnameVerificationRequired = &verify
		c.SecureProtocols = tlsProtocols
	}
	if l.ClientCert {
		c.KeyPath, c.CertPath = secret(self.KeyFile()), secret(self.CertFile())
	}
	return c
}

// link finds the link of channel ch whose client is the named service.
func (r *renderer) link(ch topology.Channel, clientName string) (topology.Link, error) {
	for _, l := range r.top.LinksOf(ch) {
		if l.Client == clientName {
			return l, nil
		}
	}
	return topology.Link{}, fmt.Errorf("topology: no link of channel %d from %s", ch, clientName)
}

// honoConfig renders the Hono YAML of one Java service.
func (r *renderer) honoConfig(s topology.Service) ([]byte, error) {
	var (
		hono tree
		err  error
	)
	switch s.Role {
	case topology.RoleAuth:
		hono = r.authConfig(s)
	case topology.RoleRegistry:
		hono, err = r.registryConfig(s)
	case topology.RoleMessaging:
		hono, err = r.messagingConfig(s)
	default:
		hono, err = r.adapterConfig(s)
	}
	if err != nil {
		return nil, err
	}
	hono["app"] = app()
	var b bytes.Buffer
	fmt.Fprintf(&b, "# Hono 0.7 configuration of %s, rendered by honoctl.\n"+
		"# Named by SPRING_CONFIG_LOCATION=file://%s;\n"+
		"# every path below is a file mounted read-only into the container.\n",
		s.Name, secret(ConfigFile(s)))
	enc := newEncoder(&b)
	if err := enc.Dump(tree{"hono": hono}); err != nil {
		return nil, fmt.Errorf("%s: %w", ConfigFile(s), err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("%s: %w", ConfigFile(s), err)
	}
	return b.Bytes(), nil
}

func (r *renderer) authConfig(s topology.Service) tree {
	// A trust store on the Auth Server makes it request (not require) client
	// certificates: the router's authServicePlugin presents its own.
	srv := r.serverOf(s, "amqps")
	if srv.KeyPath != "" {
		srv.TrustStorePath = secret(TrustedCerts)
	}
	// No signing block: Hono then signs tokens with hono.auth.amqp.keyPath
	// (auth-server-key.pem, RS256), which services validate with
	// auth-server-cert.pem.
	return tree{
		"auth": tree{
			"amqp": srv,
			"svc":  tree{"permissionsPath": "file://" + secret(PermissionsFile)},
		},
	}
}

// authClient is hono.auth of Hono Messaging and the Device Registry: the
// connection they delegate their clients' PLAIN credentials over, and the
// certificate they validate tokens with.
func (r *renderer) authClient(ch topology.Channel, s topology.Service, name string) (tree, error) {
	l, err := r.link(ch, s.Name)
	if err != nil {
		return nil, err
	}
	c := r.clientOf(l, name)
	out := tree{}
	if err := mergeStruct(out, c); err != nil {
		return nil, err
	}
	out["validation"] = tree{"certPath": secret("auth-server-cert.pem")}
	return out, nil
}

func (r *renderer) registryConfig(s topology.Service) (tree, error) {
	auth, err := r.authClient(topology.ChannelRegistryAuth, s, "Hono Device Registry")
	if err != nil {
		return nil, err
	}
	file := func(name string) string { return RegistryDataPath + "/" + name }
	return tree{
		"auth": auth,
		"registry": tree{
			"amqp": r.serverOf(s, "amqps"),
			"rest": r.serverOf(s, "https"),
			"svc": tree{
				"filename":   file(registryDevices),
				"saveToFile": true,
				"signing":    tree{"sharedSecret": r.opt.SharedSecret},
			},
		},
		"credentials": tree{"svc": tree{"filename": file(registryCreds), "saveToFile": true}},
		"tenant":      tree{"svc": tree{"filename": file(registryTenants), "saveToFile": true}},
	}, nil
}

func (r *renderer) messagingConfig(s topology.Service) (tree, error) {
	auth, err := r.authClient(topology.ChannelMessagingAuth, s, "Hono Messaging")
	if err != nil {
		return nil, err
	}
	l, err := r.link(topology.ChannelMessagingRouter, s.Name)
	if err != nil {
		return nil, err
	}
	down := r.clientOf(l, "Hono Messaging")
	down.AmqpHostname = "hono-internal"
	if l.SASL == topology.SASLPlain {
		down.CredentialsPath = secret(CredentialsFile(s))
	}

	srv := tree{}
	if err := mergeStruct(srv, r.serverOf(s, "amqps")); err != nil {
		return nil, err
	}
	srv["validation"] = tree{"sharedSecret": r.opt.SharedSecret}
	return tree{"auth": auth, "downstream": down, "messaging": srv}, nil
}

// adapterPrefix is the adapter's server prefix and its human name.
var adapterPrefix = map[topology.Role][2]string{
	topology.RoleHTTPAdapter: {"http", "Hono HTTP Adapter"},
	topology.RoleMQTTAdapter: {"mqtt", "Hono MQTT Adapter"},
	topology.RoleKuraAdapter: {"kura", "Hono Kura Adapter"},
}

func (r *renderer) adapterConfig(s topology.Service) (tree, error) {
	prefix, name := adapterPrefix[s.Role][0], adapterPrefix[s.Role][1]
	tlsName := "mqtts"
	if s.Role == topology.RoleHTTPAdapter {
		tlsName = "https"
	}
	out := tree{prefix: r.serverOf(s, tlsName)}

	// Device Registry: registration, credentials and tenant share one link
	// and one set of PLAIN credentials, as in Hono's deployment.
	reg, err := r.link(topology.ChannelAdapterRegistry, s.Name)
	if err != nil {
		return nil, err
	}
	for _, api := range []string{"registration", "credentials", "tenant"} {
		c := r.clientOf(reg, name)
		c.CredentialsPath = secret(CredentialsFile(s))
		out[api] = c
	}

	// Telemetry and events: to Hono Messaging with PLAIN credentials, or
	// straight to the router's internal listener with the adapter's
	// certificate (SASL EXTERNAL) on the hono-internal vhost.
	msg, err := r.link(topology.ChannelAdapterMessaging, s.Name)
	if err != nil {
		return nil, err
	}
	m := r.clientOf(msg, name)
	if r.top.MustService(msg.Server).Role == topology.RoleRouter {
		m.AmqpHostname = "hono-internal"
	}
	if msg.SASL == topology.SASLPlain {
		m.CredentialsPath = secret(CredentialsFile(s))
	}
	out["messaging"] = m

	// Commands: Hono 0.7's adapters keep a second connection to the router's
	// internal listener on their own vhost. It is not one of the seven
	// channels; it follows the internal listener's TLS setting.
	out["command"] = r.commandClient(s, name)
	return out, nil
}

func (r *renderer) commandClient(s topology.Service, name string) client {
	router := r.top.ByRole(topology.RoleRouter)[0]
	internal, _ := router.Port("internal")
	l := topology.Link{Client: s.Name, Server: router.Name, Port: internal,
		Hostname: router.Alias(), TLS: internal.TLS, ClientCert: internal.TLS}
	c := r.clientOf(l, name)
	c.AmqpHostname = "hono-" + adapterPrefix[s.Role][0] + "-internal"
	if !internal.TLS {
		// No certificate to log in with: PLAIN, checked by the Auth Server.
		c.CredentialsPath = secret(CredentialsFile(s))
	}
	return c
}

// mergeStruct copies the YAML fields of v into t, so that a block can carry
// extra keys next to a struct's.
func mergeStruct(t tree, v any) error {
	b, err := yaml.Marshal(v)
	if err != nil {
		return err
	}
	m := map[string]any{}
	if err := yaml.Unmarshal(b, &m); err != nil {
		return err
	}
	for k, x := range m {
		t[k] = x
	}
	return nil
}
