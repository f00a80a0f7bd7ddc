package check

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"

	"github.com/honoctl/honoctl/orchestrator/topology"
)

// Vantage is where the probes run, which decides the address each link is
// dialled at.
type Vantage int

const (
	// InNetwork probes run in a container on the stack network and dial
	// services by their ".hono" alias, as the services themselves do.
	InNetwork Vantage = iota
	// Host probes run on the host and dial published ports on loopback,
	// as applications and devices do.
	Host
)

// Reaches reports whether a link is probed from this vantage point: links
// between services from inside the network, links from applications and
// devices from the host.
func (v Vantage) Reaches(l topology.Link) bool {
	outside := l.Client == topology.ClientApplication || l.Client == topology.ClientDevice
	if v == Host {
		return outside && l.Port.Host != 0
	}
	return !outside || l.Port.Host == 0
}

// PKI is the trust material the stack's clients read.
type PKI struct {
	// Dir is the certificate folder, the stack folder's certs/.
	Dir string
	// Trust is trusted-certs.pem: what every client of the stack trusts.
	Trust []*x509.Certificate
}

// LoadPKI reads the trust anchors of a stack's certificate folder.
func LoadPKI(dir string) (*PKI, error) {
	path := filepath.Join(dir, "trusted-certs.pem")
	certs, err := readCerts(path)
	if errors.Is(err, errNoCert) {
		// The clients trust nobody: that is a finding on every chain,
		// not a reason not to look.
		return &PKI{Dir: dir}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("load trust anchors: %w (run honoctl certs first)", err)
	}
	return &PKI{Dir: dir, Trust: certs}, nil
}

// clientCert loads a service's own key and certificate, the identity it
// presents as a client.
func (p *PKI) clientCert(s topology.Service) (*tls.Certificate, error) {
	c, err := tls.LoadX509KeyPair(filepath.Join(p.Dir, s.CertFile()), filepath.Join(p.Dir, s.KeyFile()))
	if err != nil {
		return nil, fmt.Errorf("load %s's key pair from %s: %w", s.Name, p.Dir, err)
	}
	return &c, nil
}

// errNoCert says a PEM file holds no certificate.
var errNoCert = errors.New("no PEM certificate in it")

func readCerts(path string) ([]*x509.Certificate, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var out []*x509.Certificate
	for {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			break
		}
		if b.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		out = append(out, c)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: %w", path, errNoCert)
	}
	return out, nil
}

// Targets builds the probe targets of every link reached from v.
func Targets(top *topology.Topology, pki *PKI, v Vantage) ([]Target, error) {
	var out []Target
	var errs []error
	for _, l := range top.Links {
		if !l.TLS || !v.Reaches(l) {
			continue
		}
		t := Target{Link: l, Addr: address(l, v), Fix: fixFor(top, l),
			Peer: Peer{Roots: pki.Trust, MaxVersion: clientMaxVersion(l)}}
		if l.ClientCert {
			c, err := pki.clientCert(top.MustService(l.Client))
			if err != nil {
				errs = append(errs, err)
				continue
			}
			t.Peer.Cert = c
		}
		t.PlainAddr, t.PlainExpected = plainAddress(top, l, v)
		out = append(out, t)
	}
	return out, errors.Join(errs...)
}

// clientMaxVersion is the newest TLS version the link's client speaks. Hono
// 0.7's Java clients enable only TLSv1.2 (ClientConfigProperties'
// secureProtocols default); applications and devices speak TLS 1.3 too.
func clientMaxVersion(l topology.Link) uint16 {
	if l.Client == topology.ClientApplication || l.Client == topology.ClientDevice {
		return tls.VersionTLS13
	}
	return tls.VersionTLS12
}

func address(l topology.Link, v Vantage) string {
	if v == Host && l.Port.Host != 0 {
		return net.JoinHostPort("127.0.0.1", strconv.Itoa(l.Port.Host))
	}
	return net.JoinHostPort(l.Hostname, strconv.Itoa(l.Port.Container))
}

// plainAddress is where the plain counterpart of the link's TLS port would
// listen, and whether the topology opens it on purpose.
func plainAddress(top *topology.Topology, l topology.Link, v Vantage) (string, bool) {
	name, ok := map[string]string{"amqps": "amqp", "https": "http", "mqtts": "mqtt"}[l.Port.Name]
	if !ok {
		return "", false
	}
	srv := top.MustService(l.Server)
	p, open := srv.Port(name)
	if !open {
		// Not in the topology: look where Hono would open it.
		p = topology.Port{Name: name, Container: map[string]int{"amqp": 5672, "http": 8080, "mqtt": 1883}[name]}
	}
	if v == Host {
		if p.Host == 0 {
			return "", false // nothing of it is reachable from here
		}
		return net.JoinHostPort("127.0.0.1", strconv.Itoa(p.Host)), open
	}
	return net.JoinHostPort(l.Hostname, strconv.Itoa(p.Container)), open
}
