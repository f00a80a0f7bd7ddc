package certs

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"fmt"
	"time"

	"github.com/honoctl/honoctl/orchestrator/topology"
)

// Issuer is a CA that signs certificates outside Generate: the stack's own
// intermediate, or a CA of its own that nobody trusts. honoctl's
// scenarios use it to make the broken certificates of real mistakes
// (expired, a name missing, another CA's) from the same CA keys.
type Issuer struct {
	Cert *x509.Certificate
	Key  crypto.Signer
}

// LoadIssuer reads the stack's intermediate CA (ca-key.pem, ca-cert.pem)
// from the certificate folder dir.
func LoadIssuer(dir string) (*Issuer, error) {
	c, err := loadPair(dir, CAKey, CACert)
	if err != nil {
		return nil, fmt.Errorf("load the CA in %s: %w (run honoctl certs)", dir, err)
	}
	return &Issuer{Cert: c.cert, Key: c.key}, nil
}

// NewIssuer makes a self-signed CA with Hono's subject and the common name
// cn, valid from now for ten years: a CA the stack does not trust.
func NewIssuer(cn string, now time.Time) (*Issuer, error) {
	key, err := newKey(ECDSAP256)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		Subject:               Subject(cn),
		NotBefore:             now.Add(-backdate),
		NotAfter:              now.Add(caLifetime),
		KeyUsage:              caKeyUsage,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	c, err := sign(tmpl, key, nil)
	if err != nil {
		return nil, err
	}
	return &Issuer{Cert: c.cert, Key: c.key}, nil
}

// LeafTemplate is the certificate Generate would issue to service s at now
// for days: Hono's subject and usages, every name and address its clients
// dial. Change it, then sign it with Issue.
func LeafTemplate(s topology.Service, now time.Time, days int) (*x509.Certificate, error) {
	return leafTemplate(s, now, days)
}

// Issue signs tmpl for key. Unlike Generate it keeps tmpl's dates even
// past the issuer's: a broken certificate is the point.
func (i *Issuer) Issue(tmpl *x509.Certificate, key crypto.Signer) (*x509.Certificate, error) {
	c, err := sign(tmpl, key, &ca{cert: i.Cert, key: i.Key})
	if err != nil {
		return nil, err
	}
	return c.cert, nil
}

// NewKey makes a private key of type k, or an RSA key of bits bits when
// bits > 0 (RSA 1024 for a weak key: no KeyType offers it).
func NewKey(k KeyType, bits int) (crypto.Signer, error) {
	if bits > 0 {
		return rsa.GenerateKey(rand.Reader, bits)
	}
	return newKey(k)
}

// EncodeCerts is certs as consecutive PEM blocks, as in Hono's chain files.
func EncodeCerts(certs ...*x509.Certificate) []byte { return encodeCerts(certs...) }

// EncodeKey is key as unencrypted PKCS#8 PEM, the form Hono reads.
func EncodeKey(key crypto.Signer) ([]byte, error) { return encodeKey(key) }
