package check

import (
	"crypto/tls"
	"crypto/x509"

	"github.com/honoctl/honoctl/orchestrator/topology"
)

// Peer is the client side of a link: what it trusts, how it identifies
// itself and which protocol versions it speaks.
type Peer struct {
	// Roots are the client's trust anchors, all of them trusted as Java's
	// trust store does (Hono's trusted-certs.pem holds the intermediate and
	// the root).
	Roots []*x509.Certificate
	// Cert is the client's own certificate; nil when it sends none.
	Cert *tls.Certificate
	// MinVersion and MaxVersion bound the TLS versions the client speaks.
	// Zero means TLS 1.2 and TLS 1.3.
	MinVersion, MaxVersion uint16
}

func (p Peer) versions() (lo, hi uint16) {
	lo, hi = p.MinVersion, p.MaxVersion
	if lo == 0 {
		lo = tls.VersionTLS12
	}
	if hi == 0 {
		hi = tls.VersionTLS13
	}
	return lo, hi
}

// Target is one link to probe, and where its fixes go.
type Target struct {
	Link topology.Link
	// Addr is the address to dial; it may differ from the link's host name
	// when the probe runs outside the stack network.
	Addr string
	Peer Peer
	// PlainAddr is the address of the plain port next to the TLS one, or
	// empty when the server has none to look at.
	PlainAddr string
	// PlainExpected is true when the topology opens the plain port on
	// purpose (--plaintext).
	PlainExpected bool
	// Fix names the files and settings a hint points at.
	Fix Fix
}

// Fix names the places a user changes to repair a link: the files the
// server and the client read and the client's setting prefix.
type Fix struct {
	ServerCert   string // the server's certificate chain, e.g. certs/http-adapter-cert.pem
	ServerConfig string // the server's configuration file
	ClientConfig string // the client's configuration file
	ClientPrefix string // the client's setting prefix, e.g. hono.registration
	ClientTrust  string // the client's trust anchors file
}
