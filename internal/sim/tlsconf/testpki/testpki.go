// Package testpki makes throwaway certificate authorities and leaves for
// tests, shaped like Hono's demo certificates: a root, an intermediate "ca"
// and leaves with O=Eclipse IoT, OU=Hono, CN=<name>, whose certificate
// files hold the leaf followed by the intermediate.
package testpki

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// PKI is a root and an intermediate CA whose files live in Dir.
type PKI struct {
	Dir string
	// TrustedCerts is the path of the bundle ca-cert.pem + root-cert.pem.
	TrustedCerts string

	root, ca       *x509.Certificate
	rootKey, caKey *ecdsa.PrivateKey
}

// Leaf is a leaf certificate written as <name>-key.pem and <name>-cert.pem.
type Leaf struct {
	KeyPath, CertPath string
	Cert              *x509.Certificate
}

// Option changes a leaf.
type Option func(*x509.Certificate)

// Expired makes a leaf whose validity ended an hour ago.
func Expired() Option {
	return func(c *x509.Certificate) {
		c.NotBefore, c.NotAfter = time.Now().Add(-48*time.Hour), time.Now().Add(-time.Hour)
	}
}

// NotYetValid makes a leaf valid from tomorrow.
func NotYetValid() Option {
	return func(c *x509.Certificate) {
		c.NotBefore, c.NotAfter = time.Now().Add(24*time.Hour), time.Now().Add(48*time.Hour)
	}
}

// New makes a PKI in a fresh temporary folder.
func New(t testing.TB) *PKI {
	t.Helper()
	p := &PKI{Dir: t.TempDir()}
	p.rootKey, p.root = p.authority(t, "root", nil, nil)
	p.caKey, p.ca = p.authority(t, "ca", p.root, p.rootKey)
	p.TrustedCerts = filepath.Join(p.Dir, "trusted-certs.pem")
	writePEM(t, p.TrustedCerts, "CERTIFICATE", p.ca.Raw, p.root.Raw)
	writePEM(t, filepath.Join(p.Dir, "root-cert.pem"), "CERTIFICATE", p.root.Raw)
	return p
}

// Root is the self-signed root certificate.
func (p *PKI) Root() *x509.Certificate { return p.root }

// Leaf issues a leaf for cn with DNS names dns (and 127.0.0.1), signed by
// the intermediate, for both server and client use.
func (p *PKI) Leaf(t testing.TB, cn string, dns []string, opts ...Option) Leaf {
	t.Helper()
	key := newKey(t)
	tmpl := &x509.Certificate{
		SerialNumber: serial(t),
		Subject:      pkix.Name{Organization: []string{"Eclipse IoT"}, OrganizationalUnit: []string{"Hono"}, CommonName: cn},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		DNSNames:     dns,
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
	}
	for _, o := range opts {
		o(tmpl)
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, p.ca, &key.PublicKey, p.caKey)
	if err != nil {
		t.Fatalf("testpki: issue %s: %v", cn, err)
	}
	cert, _ := x509.ParseCertificate(der)
	l := Leaf{
		KeyPath:  filepath.Join(p.Dir, cn+"-key.pem"),
		CertPath: filepath.Join(p.Dir, cn+"-cert.pem"),
		Cert:     cert,
	}
	writeKey(t, l.KeyPath, key)
	writePEM(t, l.CertPath, "CERTIFICATE", der, p.ca.Raw)
	return l
}

func (p *PKI) authority(t testing.TB, cn string, parent *x509.Certificate, parentKey *ecdsa.PrivateKey) (*ecdsa.PrivateKey, *x509.Certificate) {
	t.Helper()
	key := newKey(t)
	tmpl := &x509.Certificate{
		SerialNumber:          serial(t),
		Subject:               pkix.Name{Organization: []string{"Eclipse IoT"}, OrganizationalUnit: []string{"Hono"}, CommonName: cn},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(48 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	if parent == nil {
		parent, parentKey = tmpl, key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, parentKey)
	if err != nil {
		t.Fatalf("testpki: issue %s: %v", cn, err)
	}
	cert, _ := x509.ParseCertificate(der)
	writePEM(t, filepath.Join(p.Dir, cn+"-cert.pem"), "CERTIFICATE", der)
	return key, cert
}

func newKey(t testing.TB) *ecdsa.PrivateKey {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatalf("testpki: key: %v", err)
	}
	return key
}

func serial(t testing.TB) *big.Int {
	t.Helper()
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		t.Fatalf("testpki: serial: %v", err)
	}
	return n
}

func writeKey(t testing.TB, path string, key *ecdsa.PrivateKey) {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatalf("testpki: %v", err)
	}
	writePEM(t, path, "PRIVATE KEY", der)
}

func writePEM(t testing.TB, path, typ string, ders ...[]byte) {
	t.Helper()
	var out []byte
	for _, d := range ders {
		out = append(out, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: d})...)
	}
	if err := os.WriteFile(path, out, 0o600); err != nil {
		t.Fatalf("testpki: %v", err)
	}
}
