package topology

import (
	"fmt"
	"slices"
)

// Flavor selects the images a stack runs.
type Flavor string

// The two image flavors: our stand-ins, or Eclipse Hono 0.7's own images.
const (
	FlavorSim      Flavor = "sim"
	FlavorUpstream Flavor = "upstream"
)

// Options shape a topology. The zero value is not useful; start from
// DefaultOptions and change what differs.
type Options struct {
	// Adapters are the protocol adapters that run. Default: HTTP, MQTT, Kura.
	Adapters []Role
	// AdaptersToRouter wires the HTTP and MQTT adapters straight to the
	// router's internal listener, as Hono 0.7's Swarm script did, instead of
	// through Hono Messaging. The Kura adapter always uses Hono Messaging.
	// Default: false.
	AdaptersToRouter bool
	// Plaintext opens the plain ports next to the TLS ones (5672, 8080,
	// 1883), as Hono's demo did. Default: false; a TLS stack keeps them shut.
	Plaintext bool
	// TLSOff lists channels that run without TLS on both sides. Default: none.
	TLSOff []Channel
	// Engines sets the TLS engine per service name; services not listed use
	// the JDK engine, Hono's default when no tcnative is present.
	Engines map[string]Engine
	// Flavor is the image flavor. Default: FlavorSim.
	Flavor Flavor
	// BindAddress is the host address published ports bind to. Default:
	// 127.0.0.1, so a demo stack is not reachable from the network.
	BindAddress string
	// PortOffset is added to every published host port, so that two stacks
	// can run side by side. Default: 0 (Hono's own host ports).
	PortOffset int
	// NoPublish publishes no ports at all; only the stack network reaches
	// the services. Default: false.
	NoPublish bool
}

// DefaultOptions are the options of the default stack.
func DefaultOptions() Options {
	return Options{
		Adapters:    []Role{RoleHTTPAdapter, RoleMQTTAdapter, RoleKuraAdapter},
		Flavor:      FlavorSim,
		BindAddress: "127.0.0.1",
	}
}

// Default returns the default stack: every service, TLS everywhere, adapters
// sending through Hono Messaging.
func Default() *Topology {
	t, err := New(DefaultOptions())
	if err != nil {
		panic("topology: default options rejected: " + err.Error())
	}
	return t
}

// serviceSpec is the fixed part of a service: what Hono 0.7 names and
// listens on. Host ports are those of Hono's Swarm deployment.
type serviceSpec struct {
	name, cert string
	role       Role
	tls, plain []Port
}

var specs = []serviceSpec{
	{"hono-service-auth", "auth-server", RoleAuth,
		[]Port{{Name: "amqps", Container: 5671, TLS: true}},
		[]Port{{Name: "amqp", Container: 5672}}},
	{"hono-dispatch-router", "qdrouter", RoleRouter,
		[]Port{{Name: "amqps", Container: 5671, Host: 15671, TLS: true},
			{Name: "internal", Container: 5673, TLS: true}},
		[]Port{{Name: "amqp", Container: 5672, Host: 15672}}},
	{"hono-service-messaging", "hono-messaging", RoleMessaging,
		[]Port{{Name: "amqps", Container: 5671, Host: 5671, TLS: true}},
		[]Port{{Name: "amqp", Container: 5672}}},
	{"hono-service-device-registry", "device-registry", RoleRegistry,
		[]Port{{Name: "amqps", Container: 5671, Host: 25671, TLS: true},
			{Name: "https", Container: 8443, Host: 28443, TLS: true}},
		[]Port{{Name: "amqp", Container: 5672}, {Name: "http", Container: 8080, Host: 28080}}},
	{"hono-adapter-http-vertx", "http-adapter", RoleHTTPAdapter,
		[]Port{{Name: "https", Container: 8443, Host: 8443, TLS: true}},
		[]Port{{Name: "http", Container: 8080, Host: 8080}}},
	{"hono-adapter-mqtt-vertx", "mqtt-adapter", RoleMQTTAdapter,
		[]Port{{Name: "mqtts", Container: 8883, Host: 8883, TLS: true}},
		[]Port{{Name: "mqtt", Container: 1883, Host: 1883}}},
	{"hono-adapter-kura", "kura-adapter", RoleKuraAdapter,
		[]Port{{Name: "mqtts", Container: 8883, Host: 8884, TLS: true}},
		[]Port{{Name: "mqtt", Container: 1883, Host: 1884}}},
}

// HealthPort is the port of the readiness and liveness endpoints
// (hono.app.healthCheckPort in Hono's deployment).
var HealthPort = Port{Name: "health", Container: 8088}

// plainOf names the plain counterpart of a TLS port.
var plainOf = map[string]string{"amqps": "amqp", "https": "http", "mqtts": "mqtt", "internal": "internal"}

// New builds a topology from options.
func New(o Options) (*Topology, error) {
	if err := o.validate(); err != nil {
		return nil, err
	}
	t := &Topology{Options: o}

	// Services: the fixed core plus the chosen adapters.
	for _, sp := range specs {
		if sp.role.IsAdapter() && !slices.Contains(o.Adapters, sp.role) {
			continue
		}
		t.Services = append(t.Services, o.service(sp))
	}

	// Links, channel by channel, as each client is configured in Hono's
	// deployment files.
	t.addLinks()

	// A channel with TLS off uses the plain port on both sides.
	for _, c := range o.TLSOff {
		t.turnTLSOff(c)
	}
	return t, nil
}

func (o Options) validate() error {
	for _, a := range o.Adapters {
		if !a.IsAdapter() {
			return fmt.Errorf("adapter %q: want one of %s, %s, %s", a,
				RoleHTTPAdapter, RoleMQTTAdapter, RoleKuraAdapter)
		}
	}
	for _, c := range o.TLSOff {
		if c < ChannelAppRouter || c > ChannelDeviceAdapter {
			return fmt.Errorf("channel %d: want a channel from 1 to 7", int(c))
		}
	}
	for name, e := range o.Engines {
		if e != EngineJDK && e != EngineOpenSSL {
			return fmt.Errorf("engine %q for %s: want %s or %s", e, name, EngineJDK, EngineOpenSSL)
		}
	}
	if o.Flavor != FlavorSim && o.Flavor != FlavorUpstream {
		return fmt.Errorf("image flavor %q: want %s or %s", o.Flavor, FlavorSim, FlavorUpstream)
	}
	if o.PortOffset < 0 || o.PortOffset > 30000 {
		return fmt.Errorf("port offset %d: want 0 to 30000", o.PortOffset)
	}
	return nil
}

func (o Options) service(sp serviceSpec) Service {
	s := Service{Name: sp.name, Role: sp.role, CertName: sp.cert, Engine: EngineJDK}
	if e, ok := o.Engines[sp.name]; ok {
		s.Engine = e
	}
	ports := slices.Clone(sp.tls)
	if o.Plaintext {
		ports = append(ports, sp.plain...)
	}
	for i := range ports {
		switch {
		case o.NoPublish || ports[i].Host == 0:
			ports[i].Host = 0
		default:
			ports[i].Host += o.PortOffset
		}
	}
	s.Ports = append(ports, HealthPort)
	return s
}

func (t *Topology) addLinks() {
	router := t.MustService("hono-dispatch-router")
	auth := t.MustService("hono-service-auth")
	messaging := t.MustService("hono-service-messaging")
	registry := t.MustService("hono-service-device-registry")
	amqps := func(s Service) Port { p, _ := s.Port("amqps"); return p }
	internal, _ := router.Port("internal")

	// Channel 1: applications reach the router's external listener from the
	// host. The router checks their PLAIN credentials with the Auth Server
	// (authServicePlugin, sslProfile "internal"), so that link belongs here:
	// when it breaks, applications cannot log in.
	t.Links = append(t.Links,
		outside(ChannelAppRouter, ClientApplication, router, amqps(router), SASLPlain, "amqp"),
		inside(ChannelAppRouter, router.Name, auth, amqps(auth), SASLPlain, true, false),
		inside(ChannelMessagingRouter, messaging.Name, router, internal, SASLExternal, true, true),
		inside(ChannelMessagingAuth, messaging.Name, auth, amqps(auth), SASLPlain, false, false),
		inside(ChannelRegistryAuth, registry.Name, auth, amqps(auth), SASLPlain, false, false),
	)

	adapters := t.adapters()
	for _, a := range adapters {
		t.Links = append(t.Links,
			inside(ChannelAdapterRegistry, a.Name, registry, amqps(registry), SASLPlain, false, false))
	}
	for _, a := range adapters {
		if t.Options.AdaptersToRouter && a.Role != RoleKuraAdapter {
			t.Links = append(t.Links,
				inside(ChannelAdapterMessaging, a.Name, router, internal, SASLExternal, true, true))
			continue
		}
		t.Links = append(t.Links,
			inside(ChannelAdapterMessaging, a.Name, messaging, amqps(messaging), SASLPlain, false, false))
	}
	for _, a := range adapters {
		p := a.Ports[0] // the adapter's TLS port comes first
		proto := "mqtt"
		if a.Role == RoleHTTPAdapter {
			proto = "http"
		}
		t.Links = append(t.Links, outside(ChannelDeviceAdapter, ClientDevice, a, p, SASLNone, proto))
	}
}

func (t *Topology) adapters() []Service {
	var out []Service
	for _, s := range t.Services {
		if s.Role.IsAdapter() {
			out = append(out, s)
		}
	}
	return out
}

// inside is a link between two services on the stack network: the client
// dials the server's ".hono" alias, as Hono's deployment files do.
func inside(c Channel, client string, server Service, p Port, sasl string, clientCert, mutual bool) Link {
	return Link{Channel: c, Client: client, Server: server.Name, Port: p, Hostname: server.Alias(),
		TLS: p.TLS, ClientCert: clientCert, MutualTLS: mutual, SASL: sasl, Protocol: "amqp"}
}

// outside is a link from a user's program on the host: it dials the
// published port on localhost, or the alias when nothing is published.
func outside(c Channel, client string, server Service, p Port, sasl, proto string) Link {
	host := "localhost"
	if p.Host == 0 {
		host = server.Alias()
	}
	return Link{Channel: c, Client: client, Server: server.Name, Port: p, Hostname: host,
		TLS: p.TLS, SASL: sasl, Protocol: proto}
}

// turnTLSOff moves every link of channel c to the plain counterpart of its
// port and makes sure the server listens there.
func (t *Topology) turnTLSOff(c Channel) {
	for i, l := range t.Links {
		if l.Channel != c || !l.TLS {
			continue
		}
		plain := t.ensurePlainPort(l.Server, l.Port)
		t.Links[i].Port, t.Links[i].TLS = plain, false
		t.Links[i].ClientCert, t.Links[i].MutualTLS = false, false
		if l.SASL == SASLExternal {
			// EXTERNAL needs a TLS peer certificate; without TLS the client
			// falls back to PLAIN, as Hono's ConnectionFactoryImpl does
			// when credentials are configured.
			t.Links[i].SASL = SASLPlain
		}
	}
}

func (t *Topology) ensurePlainPort(server string, tlsPort Port) Port {
	i := slices.IndexFunc(t.Services, func(s Service) bool { return s.Name == server })
	s := &t.Services[i]
	name := plainOf[tlsPort.Name]
	if p, ok := s.Port(name); ok && !p.TLS {
		return p
	}
	plain := Port{Name: name, Container: tlsPort.Container + 1}
	if name == "internal" {
		// The router's internal listener keeps its number; only TLS goes.
		for j := range s.Ports {
			if s.Ports[j].Name == "internal" {
				s.Ports[j].TLS = false
				return s.Ports[j]
			}
		}
	}
	for _, sp := range specs {
		if sp.name != server {
			continue
		}
		for _, p := range sp.plain {
			if p.Name == name {
				plain = p
			}
		}
	}
	if t.Options.NoPublish {
		plain.Host = 0
	} else if plain.Host != 0 {
		plain.Host += t.Options.PortOffset
	}
	s.Ports = append(s.Ports, plain)
	return plain
}
