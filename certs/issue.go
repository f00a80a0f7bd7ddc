package certs

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/sha1"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"time"

	"github.com/honoctl/honoctl/orchestrator/topology"
)

// ca is an issuing certificate with its key.
type ca struct {
	cert *x509.Certificate
	key  crypto.Signer
}

// Key usages of Hono's demo-certs (ca_opts). A leaf serves TLS and, for the
// router's internal listener, is also a TLS client certificate.
const (
	caKeyUsage   = x509.KeyUsageCertSign | x509.KeyUsageCRLSign
	leafKeyUsage = x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment |
		x509.KeyUsageKeyAgreement
)

var leafExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}

// newRoot makes the self-signed root CA.
func newRoot(key crypto.Signer, now time.Time) (*ca, error) {
	tmpl := &x509.Certificate{
		Subject:               Subject("root"),
		NotBefore:             now.Add(-backdate),
		NotAfter:              now.Add(caLifetime),
		KeyUsage:              caKeyUsage,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	return sign(tmpl, key, nil)
}

// newIntermediate makes the CA that issues the service certificates. Its
// path length is 0: it signs leaves only.
func newIntermediate(key crypto.Signer, root *ca, now time.Time) (*ca, error) {
	tmpl := &x509.Certificate{
		Subject:               Subject("ca"),
		NotBefore:             now.Add(-backdate),
		NotAfter:              now.Add(caLifetime),
		KeyUsage:              caKeyUsage,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLen:            0,
		MaxPathLenZero:        true,
	}
	return sign(tmpl, key, root)
}

// newLeaf makes service s's certificate, valid for days but never past its
// issuer.
func newLeaf(s topology.Service, key crypto.Signer, issuer *ca, now time.Time, days int) (*x509.Certificate, error) {
	tmpl, err := leafTemplate(s, now, days)
	if err != nil {
		return nil, err
	}
	if tmpl.NotAfter.After(issuer.cert.NotAfter) {
		tmpl.NotAfter = issuer.cert.NotAfter
	}
	c, err := sign(tmpl, key, issuer)
	if err != nil {
		return nil, fmt.Errorf("certificate of %s: %w", s.Name, err)
	}
	return c.cert, nil
}

// leafTemplate is what service s's certificate says: Hono's subject and
// usages, and every name and address its clients dial.
func leafTemplate(s topology.Service, now time.Time, days int) (*x509.Certificate, error) {
	tmpl := &x509.Certificate{
		Subject:     Subject(s.CertName),
		NotBefore:   now.Add(-backdate),
		NotAfter:    now.Add(time.Duration(days) * 24 * time.Hour),
		KeyUsage:    leafKeyUsage,
		ExtKeyUsage: leafExtKeyUsage,
		DNSNames:    s.DNSNames(),
	}
	for _, a := range s.IPAddresses() {
		ip := net.ParseIP(a)
		if ip == nil {
			return nil, fmt.Errorf("service %s: IP address %q is not an address", s.Name, a)
		}
		tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
	}
	return tmpl, nil
}

// sign issues tmpl for key, signed by issuer, or self-signed when issuer is
// nil.
func sign(tmpl *x509.Certificate, key crypto.Signer, issuer *ca) (*ca, error) {
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, fmt.Errorf("serial number: %w", err)
	}
	tmpl.SerialNumber = serial
	ski, err := subjectKeyID(key.Public())
	if err != nil {
		return nil, err
	}
	tmpl.SubjectKeyId = ski

	parent, signer := tmpl, key
	if issuer != nil {
		parent, signer = issuer.cert, issuer.key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, key.Public(), signer)
	if err != nil {
		return nil, fmt.Errorf("sign %s: %w", tmpl.Subject.CommonName, err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("parse %s: %w", tmpl.Subject.CommonName, err)
	}
	return &ca{cert: cert, key: key}, nil
}

// subjectKeyID is the SHA-1 of the public key bits (RFC 5280 4.2.1.2,
// method 1), what OpenSSL's "subjectKeyIdentifier=hash" gives.
func subjectKeyID(pub crypto.PublicKey) ([]byte, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, fmt.Errorf("subject key id: %w", err)
	}
	var spki struct {
		Algorithm pkix.AlgorithmIdentifier
		PublicKey asn1.BitString
	}
	if _, err := asn1.Unmarshal(der, &spki); err != nil {
		return nil, fmt.Errorf("subject key id: %w", err)
	}
	sum := sha1.Sum(spki.PublicKey.Bytes)
	return sum[:], nil
}

// encodeCerts is certs as consecutive PEM blocks.
func encodeCerts(certs ...*x509.Certificate) []byte {
	var b bytes.Buffer
	for _, c := range certs {
		pem.Encode(&b, &pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
	}
	return b.Bytes()
}

// ParseCerts reads every PEM certificate in data, in order. Text between
// blocks (openssl x509 -text output) is ignored; a block that is not a
// certificate is an error.
func ParseCerts(data []byte) ([]*x509.Certificate, error) {
	var out []*x509.Certificate
	for {
		var block *pem.Block
		block, data = pem.Decode(data)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" {
			return nil, fmt.Errorf("PEM block %d is %q, want CERTIFICATE", len(out)+1, block.Type)
		}
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("certificate %d: %w", len(out)+1, err)
		}
		out = append(out, c)
	}
	if len(out) == 0 {
		return nil, errors.New("no PEM certificate")
	}
	return out, nil
}
