package check

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net"
	"testing"
	"time"
)

// testCA is a CA of a test PKI.
type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
}

// testPKI is a root, an intermediate and what they issue, the shape of
// Hono's demo-certs.
type testPKI struct {
	root, inter testCA
}

var serial int64

func mustKey(t *testing.T) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func mustSign(t *testing.T, tmpl *x509.Certificate, pub *ecdsa.PublicKey, issuer testCA) *x509.Certificate {
	t.Helper()
	serial++
	tmpl.SerialNumber = big.NewInt(serial)
	parent, signer := tmpl, any(nil)
	if issuer.cert != nil {
		parent, signer = issuer.cert, issuer.key
	}
	if signer == nil {
		t.Fatal("no signer")
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, signer)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func caTemplate(cn string) *x509.Certificate {
	return &x509.Certificate{
		Subject:               pkix.Name{CommonName: cn, Organization: []string{"Eclipse IoT"}},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(365 * 24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
}

func mustPKI(t *testing.T) *testPKI {
	t.Helper()
	rk := mustKey(t)
	rootTmpl := caTemplate("root")
	root := testCA{key: rk}
	root.cert = mustSign(t, rootTmpl, &rk.PublicKey, testCA{cert: rootTmpl, key: rk})
	ik := mustKey(t)
	inter := testCA{cert: mustSign(t, caTemplate("ca"), &ik.PublicKey, root), key: ik}
	return &testPKI{root: root, inter: inter}
}

// leafOpts shape a leaf certificate the way the breakages do.
type leafOpts struct {
	dns                 []string
	notBefore, notAfter time.Time
}

func (p *testPKI) leaf(t *testing.T, cn string, o leafOpts) tls.Certificate {
	t.Helper()
	if o.dns == nil {
		o.dns = []string{"localhost"}
	}
	if o.notBefore.IsZero() {
		o.notBefore = time.Now().Add(-time.Hour)
	}
	if o.notAfter.IsZero() {
		o.notAfter = time.Now().Add(365 * 24 * time.Hour)
	}
	k := mustKey(t)
	c := mustSign(t, &x509.Certificate{
		Subject:     pkix.Name{CommonName: cn, Organization: []string{"Eclipse IoT"}, OrganizationalUnit: []string{"Hono"}},
		DNSNames:    o.dns,
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		NotBefore:   o.notBefore,
		NotAfter:    o.notAfter,
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
	}, &k.PublicKey, p.inter)
	return tls.Certificate{Certificate: [][]byte{c.Raw, p.inter.cert.Raw}, PrivateKey: k, Leaf: c}
}

// trust is Hono's trusted-certs.pem: the intermediate and the root.
func (p *testPKI) trust() []*x509.Certificate {
	return []*x509.Certificate{p.inter.cert, p.root.cert}
}
