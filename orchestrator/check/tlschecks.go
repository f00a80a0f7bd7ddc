package check

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"
	"sync"
	"time"
)

// versionRange is what a probing client offers.
type versionRange struct {
	lo, hi uint16
	suites []uint16 // nil: Go's defaults
}

func clientVersions(p Peer) versionRange {
	lo, hi := p.versions()
	return versionRange{lo: lo, hi: hi}
}

// handshake turns the outcome of the client's own handshake into a finding.
func (r *run) handshake(sh *shake, err error) {
	t := r.t
	if err == nil {
		state := sh.state
		r.add(Finding{Check: IDHandshake, Status: Pass,
			Message: fmt.Sprintf("%s with %s", tls.VersionName(state.Version),
				tls.CipherSuiteName(state.CipherSuite)),
			Evidence: []Evidence{
				{"version", tls.VersionName(state.Version)},
				{"cipher", tls.CipherSuiteName(state.CipherSuite)},
				{"server name", t.Link.Hostname},
				{"address", t.Addr},
			}})
		return
	}

	f := Finding{Check: IDHandshake, Status: Fail, Evidence: []Evidence{{"address", t.Addr}, {"error", err.Error()}}}
	var de *dialError
	lo, hi := t.Peer.versions()
	switch {
	case errors.As(err, &de):
		f.Message = fmt.Sprintf("nothing answers on %s: %v", t.Addr, de.err)
		f.Hint = fmt.Sprintf("Is %s running? (honoctl status, honoctl logs %s). A Hono server opens its "+
			"TLS port only when its key and certificate load: check keyPath and certPath in %s "+
			"and that the key matches %s.", t.Link.Server, t.Link.Server, t.Fix.ServerConfig, t.Fix.ServerCert)
	case isAlert(err, 70) || strings.Contains(err.Error(), "unsupported protocol version"):
		f.Check = IDHandshake
		f.Message = fmt.Sprintf("no TLS version in common: the client speaks %s to %s and the server refused them",
			tls.VersionName(lo), tls.VersionName(hi))
		f.Hint = fmt.Sprintf("Let the two sides share a version: secureProtocols in %s (server) "+
			"and %s.secureProtocols in %s (client); TLSv1.2 is what Hono 0.7's clients speak.",
			t.Fix.ServerConfig, t.Fix.ClientPrefix, t.Fix.ClientConfig)
	case refusedClient(err) && !sh.agreed():
		// Closed before the server said hello: nobody refused a
		// certificate; what is published has nothing behind it.
		f.Message = fmt.Sprintf("%s accepts the connection and closes it before any TLS handshake", t.Addr)
		f.Hint = fmt.Sprintf("The port is published but no server listens behind it: is %s restarting? "+
			"(honoctl status, honoctl logs %s). A Hono server opens its TLS port only when its key and "+
			"certificate load: check keyPath and certPath in %s and that the key matches %s.",
			t.Link.Server, t.Link.Server, t.Fix.ServerConfig, t.Fix.ServerCert)
	case refusedClient(err) && t.Peer.Cert == nil:
		f.Message = "the server requires a client certificate and the client sends none"
		f.Hint = fmt.Sprintf("Give the client its key and certificate: %s.keyPath and %s.certPath in %s.",
			t.Fix.ClientPrefix, t.Fix.ClientPrefix, t.Fix.ClientConfig)
	case refusedClient(err):
		f.Message = "the server refused the client's certificate"
		f.Hint = fmt.Sprintf("The server must trust the CA that issued the client's certificate: "+
			"its trust store (trustStorePath in %s, or certDb of the router's sslProfile) "+
			"must hold trusted-certs.pem of this stack.", t.Fix.ServerConfig)
	case strings.Contains(err.Error(), "first record does not look like a TLS handshake"):
		f.Message = fmt.Sprintf("%s answers without TLS", t.Addr)
		f.Hint = fmt.Sprintf("The server runs this port in plain text. Give it key material "+
			"(keyPath and certPath in %s) or point the client at its TLS port.", t.Fix.ServerConfig)
	default:
		f.Message = fmt.Sprintf("TLS handshake with %s failed: %v", t.Addr, err)
		f.Hint = fmt.Sprintf("See the server's log (honoctl logs %s) for its side of the failure.", t.Link.Server)
	}
	r.add(f)
}

// certificates judges the chain the server sent: host name, validity, and
// the path to the client's trust anchors.
func (r *run) certificates(chain []*x509.Certificate) {
	t := r.t
	if len(chain) == 0 {
		r.skip("the server sent no certificate", IDChain, IDHostname, IDValidity, IDKey)
		return
	}
	leaf := chain[0]
	ev := []Evidence{{"chain", describeChain(chain)}}

	// Host name: the name the client dials must be in the SAN (RFC 6125;
	// Java's "HTTPS" endpoint identification ignores the CN).
	if err := leaf.VerifyHostname(t.Link.Hostname); err != nil {
		r.add(Finding{Check: IDHostname, Status: Fail, Evidence: ev,
			Message: fmt.Sprintf("certificate %q covers %s, not %s", leaf.Subject.CommonName,
				strings.Join(names(leaf), ", "), t.Link.Hostname),
			Hint: fmt.Sprintf("Add %s to the SAN of %s (honoctl certs --force regenerates the stack's "+
				"certificates from the topology), or make the client dial a name the certificate "+
				"covers (%s.host in %s).", t.Link.Hostname, t.Fix.ServerCert, t.Fix.ClientPrefix, t.Fix.ClientConfig)})
	} else if ip := dialledIP(t.Addr); ip != "" && leaf.VerifyHostname(ip) != nil {
		// Clients that dial the published port by its address (curl
		// https://127.0.0.1:8443) verify the address: RFC 6125 wants an
		// IP entry in the SAN for it, and a DNS entry does not count.
		r.add(Finding{Check: IDHostname, Status: Fail, Evidence: ev,
			Message: fmt.Sprintf("certificate %q covers %s, not the address %s that clients dialling %s use",
				leaf.Subject.CommonName, strings.Join(names(leaf), ", "), ip, t.Addr),
			Hint: fmt.Sprintf("Add %s to the SAN of %s as an IP address entry (honoctl certs --force "+
				"regenerates the stack's certificates from the topology), or make the clients dial %s.",
				ip, t.Fix.ServerCert, t.Link.Hostname)})
	} else {
		r.add(Finding{Check: IDHostname, Status: Pass, Evidence: ev,
			Message: fmt.Sprintf("%s is in the certificate's SAN", t.Link.Hostname)})
	}

	r.validity(chain)
	r.keyStrength(chain)
	r.chain(chain, ev)
}

// keyStrength judges the public keys of the chain: RSA under 2048 bits
// and curves under 256 bits are below NIST SP 800-131A, and OpenSSL's
// default security level (2) refuses them, so curl and mosquitto fail
// where old Java clients still connect.
func (r *run) keyStrength(chain []*x509.Certificate) {
	for _, c := range chain {
		bits, alg := keyBits(c.PublicKey)
		want := map[string]int{"RSA": 2048, "ECDSA": 256}[alg]
		if want == 0 || bits >= want {
			continue
		}
		r.add(Finding{Check: IDKey, Status: Fail,
			Evidence: []Evidence{{"subject", c.Subject.String()}, {"key", fmt.Sprintf("%s %d", alg, bits)}},
			Message:  fmt.Sprintf("certificate %q has a %s %d key, under the %d bits clients require", c.Subject.CommonName, alg, bits, want),
			Hint: fmt.Sprintf("Re-issue %s with RSA 2048 or more, or ECDSA P-256 (honoctl certs re-issues "+
				"weak keys; --key-type rsa3072 for more).", r.t.Fix.ServerCert)})
		return
	}
	bits, alg := keyBits(chain[0].PublicKey)
	r.add(Finding{Check: IDKey, Status: Pass, Message: fmt.Sprintf("%s %d key", alg, bits)})
}

func keyBits(pub any) (int, string) {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		return k.N.BitLen(), "RSA"
	case *ecdsa.PublicKey:
		return k.Curve.Params().BitSize, "ECDSA"
	case ed25519.PublicKey:
		return 256, "Ed25519"
	}
	return 0, fmt.Sprintf("%T", pub)
}

func (r *run) validity(chain []*x509.Certificate) {
	now, soon := r.p.now(), r.p.expiryWarning()
	hint := fmt.Sprintf("Renew it: honoctl certs renews expired certificates and keeps the CA; "+
		"the server reads %s.", r.t.Fix.ServerCert)
	for _, c := range chain {
		ev := []Evidence{{"subject", c.Subject.String()},
			{"not before", c.NotBefore.UTC().Format(time.RFC3339)},
			{"not after", c.NotAfter.UTC().Format(time.RFC3339)}}
		switch {
		case now.After(c.NotAfter):
			r.add(Finding{Check: IDValidity, Status: Fail, Evidence: ev, Hint: hint,
				Message: fmt.Sprintf("certificate %q expired on %s", c.Subject.CommonName, day(c.NotAfter))})
			return
		case now.Before(c.NotBefore):
			r.add(Finding{Check: IDValidity, Status: Fail, Evidence: ev,
				Hint:    "Check the clock of the machine that issued it, or reissue it with a start date in the past: " + hint,
				Message: fmt.Sprintf("certificate %q is not valid before %s", c.Subject.CommonName, day(c.NotBefore))})
			return
		case c.NotAfter.Sub(now) < soon:
			r.add(Finding{Check: IDValidity, Status: Warn, Evidence: ev, Hint: hint,
				Message: fmt.Sprintf("certificate %q expires in %d days, on %s", c.Subject.CommonName,
					int(c.NotAfter.Sub(now).Hours()/24), day(c.NotAfter))})
			return
		}
	}
	leaf := chain[0]
	r.add(Finding{Check: IDValidity, Status: Pass,
		Message:  fmt.Sprintf("valid until %s", day(leaf.NotAfter)),
		Evidence: []Evidence{{"not after", leaf.NotAfter.UTC().Format(time.RFC3339)}}})
}

// chain verifies the path from the leaf to the client's trust anchors, then
// whether the server sends everything a client that trusts only the root
// needs.
func (r *run) chain(chain []*x509.Certificate, ev []Evidence) {
	t := r.t
	leaf := chain[0]
	inter := x509.NewCertPool()
	for _, c := range chain[1:] {
		inter.AddCert(c)
	}
	verify := func(roots []*x509.Certificate) error {
		_, err := leaf.Verify(x509.VerifyOptions{Roots: pool(roots), Intermediates: inter,
			CurrentTime: r.p.now(), KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}})
		// A certificate out of its validity is reported once, by the
		// validity check; here only the signatures along the path count.
		var ci x509.CertificateInvalidError
		if errors.As(err, &ci) && ci.Reason == x509.Expired {
			if signedPath(leaf, chain[1:], roots) {
				return nil
			}
			return x509.UnknownAuthorityError{Cert: leaf}
		}
		return err
	}
	ev = append(ev, Evidence{"client trusts", describeNames(t.Peer.Roots)})

	if err := verify(t.Peer.Roots); err != nil {
		f := Finding{Check: IDChain, Status: Fail, Evidence: append(ev, Evidence{"error", err.Error()})}
		var ua x509.UnknownAuthorityError
		var ci x509.CertificateInvalidError
		switch {
		case errors.As(err, &ci) && ci.Reason == x509.IncompatibleUsage:
			f.Message = fmt.Sprintf("certificate %q may not be used by a TLS server (extended key usage)", leaf.Subject.CommonName)
			f.Hint = fmt.Sprintf("Reissue %s with extended key usage serverAuth (honoctl certs --force).", t.Fix.ServerCert)
		case errors.As(err, &ua) && len(chain) == 1 && !issuerAmong(leaf, t.Peer.Roots):
			f.Message = fmt.Sprintf("the server sends only its own certificate, and the client does not trust its issuer %q",
				leaf.Issuer.CommonName)
			f.Hint = fmt.Sprintf("Append the intermediate CA (certs/ca-cert.pem) to %s after the server's own "+
				"certificate, so that clients that trust only the root can build the chain.", t.Fix.ServerCert)
		default:
			f.Message = fmt.Sprintf("certificate %q (issued by %q) does not chain to a CA the client trusts",
				leaf.Subject.CommonName, leaf.Issuer.CommonName)
			f.Hint = fmt.Sprintf("Either the server's certificate %s comes from another CA, or the client's "+
				"trust anchors (%s, set as %s.trustStorePath in %s) lack this stack's CA. Regenerate the "+
				"server's certificate from the stack's CA (honoctl certs) or give the client the right trusted-certs.pem.",
				t.Fix.ServerCert, t.Fix.ClientTrust, t.Fix.ClientPrefix, t.Fix.ClientConfig)
		}
		r.add(f)
		return
	}

	// Clients that trust only self-signed roots need the intermediate from
	// the server; Hono's own clients trust both, so this is a warning.
	var anchors []*x509.Certificate
	for _, c := range t.Peer.Roots {
		if c.CheckSignatureFrom(c) == nil {
			anchors = append(anchors, c)
		}
	}
	if len(anchors) > 0 && verify(anchors) != nil {
		r.add(Finding{Check: IDChain, Status: Warn, Evidence: ev,
			Message: "the chain verifies only because the client trusts the intermediate itself: the server does not send it",
			Hint: fmt.Sprintf("Append the intermediate CA (certs/ca-cert.pem) to %s after the server's own "+
				"certificate; clients that trust only the root fail otherwise.", t.Fix.ServerCert)})
		return
	}
	r.add(Finding{Check: IDChain, Status: Pass, Evidence: ev,
		Message: fmt.Sprintf("chain of %d verifies against the client's trust anchors", len(chain))})
}

// allVersions are the versions a server is asked about, oldest first.
var allVersions = []uint16{tls.VersionTLS10, tls.VersionTLS11, tls.VersionTLS12, tls.VersionTLS13}

// versions asks the server for each TLS version on its own.
func (r *run) versions(ctx context.Context) {
	t := r.t
	accepted := make([]bool, len(allVersions))
	reached := make([]bool, len(allVersions))
	var wg sync.WaitGroup
	for i, v := range allVersions {
		wg.Go(func() {
			// A failure after the version was agreed (a refused client
			// certificate) still means the server speaks v.
			sh, err := r.p.handshake(ctx, t, t.Peer.Cert, versionRange{lo: v, hi: v})
			var de *dialError
			reached[i] = !errors.As(err, &de)
			accepted[i] = sh.agreed()
		})
	}
	wg.Wait()
	if !slices.Contains(reached, true) {
		r.skip("the server could not be reached", IDVersions)
		return
	}
	r.acceptedVersions = nil
	for i, ok := range accepted {
		if ok {
			r.acceptedVersions = append(r.acceptedVersions, allVersions[i])
		}
	}
	list := versionNames(r.acceptedVersions)
	ev := []Evidence{{"accepted", list}}

	var old []string
	for _, v := range r.acceptedVersions {
		if v < tls.VersionTLS12 {
			old = append(old, tls.VersionName(v))
		}
	}
	lo, hi := t.Peer.versions()
	common := slices.ContainsFunc(r.acceptedVersions, func(v uint16) bool { return v >= lo && v <= hi })
	switch {
	case len(old) > 0:
		r.add(Finding{Check: IDVersions, Status: Fail, Evidence: ev,
			Message: fmt.Sprintf("the server accepts %s, which are broken", strings.Join(old, " and ")),
			Hint:    fmt.Sprintf("Restrict secureProtocols in %s to TLSv1.2 (and TLSv1.3).", t.Fix.ServerConfig)})
	case !common:
		r.add(Finding{Check: IDVersions, Status: Fail, Evidence: ev,
			Message: fmt.Sprintf("the server accepts %s; the client speaks %s to %s", list,
				tls.VersionName(lo), tls.VersionName(hi)),
			Hint: fmt.Sprintf("Let the sides overlap: secureProtocols in %s, or %s.secureProtocols in %s.",
				t.Fix.ServerConfig, t.Fix.ClientPrefix, t.Fix.ClientConfig)})
	default:
		r.add(Finding{Check: IDVersions, Status: Pass, Evidence: ev, Message: "accepts " + list})
	}
}

func versionNames(vs []uint16) string {
	if len(vs) == 0 {
		return "no version"
	}
	var out []string
	for _, v := range vs {
		out = append(out, tls.VersionName(v))
	}
	return strings.Join(out, ", ")
}

func describeChain(chain []*x509.Certificate) string {
	var parts []string
	for _, c := range chain {
		parts = append(parts, fmt.Sprintf("%q (issuer %q, until %s)", c.Subject.CommonName,
			c.Issuer.CommonName, day(c.NotAfter)))
	}
	return strings.Join(parts, " <- ")
}

func describeNames(cs []*x509.Certificate) string {
	var out []string
	for _, c := range cs {
		out = append(out, fmt.Sprintf("%q", c.Subject.CommonName))
	}
	return strings.Join(out, ", ")
}

func names(c *x509.Certificate) []string {
	out := slices.Clone(c.DNSNames)
	for _, ip := range c.IPAddresses {
		out = append(out, ip.String())
	}
	if len(out) == 0 {
		return []string{"no name at all"}
	}
	return out
}

// signedPath reports whether signatures lead from leaf through the
// intermediates to one of the roots, whatever the certificates' dates.
func signedPath(leaf *x509.Certificate, inter, roots []*x509.Certificate) bool {
	cur := leaf
	for range len(inter) + 1 {
		if issuerAmong(cur, roots) {
			return true
		}
		i := slices.IndexFunc(inter, func(c *x509.Certificate) bool { return cur.CheckSignatureFrom(c) == nil })
		if i < 0 {
			return false
		}
		cur = inter[i]
	}
	return false
}

func issuerAmong(c *x509.Certificate, roots []*x509.Certificate) bool {
	for _, r := range roots {
		if c.CheckSignatureFrom(r) == nil {
			return true
		}
	}
	return false
}

func pool(cs []*x509.Certificate) *x509.CertPool {
	p := x509.NewCertPool()
	for _, c := range cs {
		p.AddCert(c)
	}
	return p
}

func day(t time.Time) string { return t.UTC().Format("2006-01-02") }

// dialledIP is the host of addr when it is an IP address literal, or "".
func dialledIP(addr string) string {
	host, _, err := net.SplitHostPort(addr)
	if err != nil || net.ParseIP(host) == nil {
		return ""
	}
	return host
}
