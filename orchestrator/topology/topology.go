// Package topology is the single source of truth for a Hono stack: which
// services run, the host names and ports they answer on, and the TLS links
// between them. Certificates, rendered files and checks all derive from one
// Topology; nothing else re-derives a host name or a port.
package topology

import (
	"fmt"
	"slices"
)

// Domain is the network alias suffix Hono's own deployment uses: services reach
// each other as "<service>.hono" (deploy/pom.xml at Hono 0.7).
const Domain = "hono"

// Role names what a service does; hono-sim takes it as its first argument.
type Role string

// The roles of a Hono 0.7 stack.
const (
	RoleAuth        Role = "auth"
	RoleRouter      Role = "router"
	RoleMessaging   Role = "messaging"
	RoleRegistry    Role = "registry"
	RoleHTTPAdapter Role = "http-adapter"
	RoleMQTTAdapter Role = "mqtt-adapter"
	RoleKuraAdapter Role = "kura-adapter"
)

// IsAdapter reports whether the role is a protocol adapter that devices use.
func (r Role) IsAdapter() bool {
	return r == RoleHTTPAdapter || r == RoleMQTTAdapter || r == RoleKuraAdapter
}

// Engine is the TLS engine a Java service uses.
type Engine string

// The TLS engines Hono 0.7 chooses between (AbstractServiceBase).
const (
	EngineJDK     Engine = "jdk"
	EngineOpenSSL Engine = "openssl"
)

// Service is one container of the stack.
type Service struct {
	// Name is the Compose service name and the short host name.
	Name string
	Role Role
	// CertName is the base of the service's key and certificate files, as in
	// Hono's demo-certs: "<CertName>-key.pem" and "<CertName>-cert.pem". It is
	// also the CN of the certificate, which the Auth Server and the router use
	// as the identity of SASL EXTERNAL peers.
	CertName string
	// Ports the service listens on, TLS and plain.
	Ports []Port
	// Engine is the TLS engine the upstream image is asked to use.
	Engine Engine
}

// Alias is the service's name on the stack network, "<name>.hono".
func (s Service) Alias() string { return s.Name + "." + Domain }

// DNSNames are the host names a client may dial to reach the service, all of
// which its certificate must cover.
func (s Service) DNSNames() []string {
	return []string{s.Name, s.Alias(), "localhost"}
}

// IPAddresses are the literal addresses a client may dial: published ports
// are bound to loopback on the host.
func (s Service) IPAddresses() []string {
	return []string{"127.0.0.1", "::1"}
}

// KeyFile is the file name of the service's private key.
func (s Service) KeyFile() string { return s.CertName + "-key.pem" }

// CertFile is the file name of the service's certificate chain.
func (s Service) CertFile() string { return s.CertName + "-cert.pem" }

// Port returns the service's port with the given name.
func (s Service) Port(name string) (Port, bool) {
	for _, p := range s.Ports {
		if p.Name == name {
			return p, true
		}
	}
	return Port{}, false
}

// Port is one listening port of a service.
type Port struct {
	// Name identifies the port within its service: "amqps", "amqp",
	// "internal", "https", "http", "mqtts", "mqtt".
	Name string
	// Container is the port inside the container, Hono's default.
	Container int
	// Host is the published port on the host, 0 when not published.
	Host int
	// TLS is true when the port speaks TLS.
	TLS bool
}

// Topology is a whole stack: its services and the links between them.
type Topology struct {
	Options  Options
	Services []Service
	Links    []Link
}

// Service returns the service with the given name.
func (t *Topology) Service(name string) (Service, bool) {
	i := slices.IndexFunc(t.Services, func(s Service) bool { return s.Name == name })
	if i < 0 {
		return Service{}, false
	}
	return t.Services[i], true
}

// MustService returns the named service and panics if the topology has none:
// for names the topology itself produced.
func (t *Topology) MustService(name string) Service {
	s, ok := t.Service(name)
	if !ok {
		panic(fmt.Sprintf("topology: no service %q", name))
	}
	return s
}

// ByRole returns the services with the given role, in topology order.
func (t *Topology) ByRole(r Role) []Service {
	var out []Service
	for _, s := range t.Services {
		if s.Role == r {
			out = append(out, s)
		}
	}
	return out
}

// LinksOf returns the links of one of the seven channels.
func (t *Topology) LinksOf(c Channel) []Link {
	var out []Link
	for _, l := range t.Links {
		if l.Channel == c {
			out = append(out, l)
		}
	}
	return out
}
