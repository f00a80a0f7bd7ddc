package scenario

import (
	"crypto"
	"crypto/x509"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/honoctl/honoctl/certs"
	"github.com/honoctl/honoctl/internal/atomicfile"
	"github.com/honoctl/honoctl/orchestrator/topology"
)

const day = 24 * time.Hour

// leaf says how a broken certificate differs from the one honoctl certs
// issues.
type leaf struct {
	// edit changes the template: dates, names.
	edit func(s topology.Service, tmpl *x509.Certificate)
	// rsaBits > 0 makes a new RSA key of that size; otherwise the
	// service keeps its key.
	rsaBits int
	// foreign signs with a CA of its own that nobody in the stack trusts.
	foreign bool
	// alone writes the leaf without the intermediate after it.
	alone bool
}

// reissue writes a certificate for every server the target names, broken
// as l says, with the stack's CA keys (which stay in certs/ on the host).
func (e *env) reissue(l leaf, detail func(s topology.Service) string) error {
	servers := e.servers()
	if len(servers) == 0 {
		return fmt.Errorf("target %s: no TLS server to give a certificate to", e.applied.Target)
	}
	pki := filepath.Join(e.dir, "certs")
	issuer, err := certs.LoadIssuer(pki)
	if err != nil {
		return err
	}
	chainTail := []*x509.Certificate{issuer.Cert}
	if l.foreign {
		if issuer, err = certs.NewIssuer("honoctl scenario: another CA", e.now); err != nil {
			return err
		}
		chainTail = []*x509.Certificate{issuer.Cert}
	}
	if l.alone {
		chainTail = nil
	}
	for _, s := range servers {
		key, err := e.keyFor(s, l.rsaBits)
		if err != nil {
			return err
		}
		tmpl, err := certs.LeafTemplate(s, e.now, certs.DefaultDays)
		if err != nil {
			return err
		}
		if l.edit != nil {
			l.edit(s, tmpl)
		}
		cert, err := issuer.Issue(tmpl, key)
		if err != nil {
			return fmt.Errorf("certificate of %s: %w", s.Name, err)
		}
		if l.rsaBits > 0 {
			data, err := certs.EncodeKey(key)
			if err != nil {
				return err
			}
			if err := atomicfile.Write(filepath.Join(pki, s.KeyFile()), data, 0o600); err != nil {
				return err
			}
			e.touched(filepath.Join("certs", s.KeyFile()), "")
		}
		chain := append([]*x509.Certificate{cert}, chainTail...)
		if err := atomicfile.Write(filepath.Join(pki, s.CertFile()), certs.EncodeCerts(chain...), 0o644); err != nil {
			return err
		}
		e.touched(filepath.Join("certs", s.CertFile()), detail(s))
		e.serverAffected(s)
	}
	return nil
}

// keyFor is the service's current key, or a new RSA key of bits.
func (e *env) keyFor(s topology.Service, bits int) (crypto.Signer, error) {
	if bits > 0 {
		return certs.NewKey("", bits)
	}
	path := filepath.Join(e.dir, "certs", s.KeyFile())
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read the key of %s: %w (run honoctl certs)", s.Name, err)
	}
	key, _, err := certs.ParseKey(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return key, nil
}

// dated moves a certificate's validity.
func dated(from, to time.Duration, now time.Time) func(topology.Service, *x509.Certificate) {
	return func(_ topology.Service, t *x509.Certificate) {
		t.NotBefore, t.NotAfter = now.Add(from), now.Add(to)
	}
}

// withoutDialledNames drops from the SAN every host name the target's
// clients dial, and keeps the rest.
func (e *env) withoutDialledNames(s topology.Service, t *x509.Certificate) {
	var dialled []string
	for _, l := range e.top.Links {
		if l.Server == s.Name {
			dialled = append(dialled, l.Hostname)
		}
	}
	t.DNSNames = slices.DeleteFunc(t.DNSNames, func(n string) bool { return slices.Contains(dialled, n) })
	if len(t.DNSNames) == 0 {
		// NOTE: a SAN with nothing in it is another mistake; keep a name
		// nobody dials.
		t.DNSNames = []string{s.Name + ".example.invalid"}
	}
}

// withoutIPs drops every IP address from the SAN.
func withoutIPs(_ topology.Service, t *x509.Certificate) { t.IPAddresses = []net.IP(nil) }

// mismatchKey replaces each server's key with a new one of the same type,
// which its certificate does not name.
func (e *env) mismatchKey() error {
	servers := e.servers()
	if len(servers) == 0 {
		return fmt.Errorf("target %s: no TLS server", e.applied.Target)
	}
	for _, s := range servers {
		old, err := e.keyFor(s, 0)
		if err != nil {
			return err
		}
		key, err := newKeyLike(old)
		if err != nil {
			return err
		}
		data, err := certs.EncodeKey(key)
		if err != nil {
			return err
		}
		if err := atomicfile.Write(filepath.Join(e.dir, "certs", s.KeyFile()), data, 0o600); err != nil {
			return err
		}
		e.touched(filepath.Join("certs", s.KeyFile()),
			fmt.Sprintf("certs/%s is a new key that %s does not certify", s.KeyFile(), s.CertFile()))
		e.serverAffected(s)
	}
	return nil
}

// trustOnly rewrites trusted-certs.pem, what every client of the stack
// trusts, with just the given certificates.
func (e *env) trustOnly(detail string, cs ...*x509.Certificate) error {
	path := filepath.Join(e.dir, "certs", certs.TrustedCerts)
	data := certs.EncodeCerts(cs...)
	if len(cs) == 0 {
		data = []byte("# no CA certificate here: a trust store that trusts nobody\n")
	}
	if err := atomicfile.Write(path, data, 0o644); err != nil {
		return err
	}
	e.touched(filepath.Join("certs", certs.TrustedCerts), detail)
	return nil
}

// root is the stack's self-signed root CA.
func (e *env) root() (*x509.Certificate, error) {
	path := filepath.Join(e.dir, "certs", certs.RootCert)
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read the root CA: %w (run honoctl certs)", err)
	}
	cs, err := certs.ParseCerts(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return cs[0], nil
}
