package certs

import (
	"context"
	"crypto"
	"crypto/x509"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"software.sslmate.com/src/go-pkcs12"

	"github.com/honoctl/honoctl/orchestrator/topology"
)

// writeHonoShapedPKI writes a folder shaped like Hono 0.7's committed
// demo-certs (create_certs.sh): RSA keys as PKCS#8, every certificate valid
// for 365 days from issued, leaves with DNS names only, chain files of leaf
// and ca, PKCS#12 stores with RC2-40 and a SHA-1 MAC, trustStore.jks, and an
// artemis certificate that no service of ours uses. The files themselves
// are not committed: Hono's are EPL-2.0 and expired, and their shape is what
// the lint must cope with. RSA 2048 instead of 4096 keeps the test quick.
func writeHonoShapedPKI(t *testing.T, dir string, issued time.Time) {
	t.Helper()
	names := []string{"root", "ca"}
	svcs := topology.Default().Services
	for _, s := range svcs {
		names = append(names, s.CertName)
	}
	names = append(names, "artemis")
	types := make([]KeyType, len(names))
	for i := range types {
		types[i] = RSA2048
	}
	keys, err := newKeys(context.Background(), types)
	if err != nil {
		t.Fatal(err)
	}
	year := func(c *x509.Certificate) *x509.Certificate {
		c.NotBefore, c.NotAfter = issued, issued.Add(365*24*time.Hour)
		return c
	}
	root, err := sign(year(&x509.Certificate{Subject: Subject("root"), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: caKeyUsage}), keys[0], nil)
	if err != nil {
		t.Fatal(err)
	}
	inter, err := sign(year(&x509.Certificate{Subject: Subject("ca"), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: caKeyUsage}), keys[1], root)
	if err != nil {
		t.Fatal(err)
	}
	write := func(name string, data []byte) { mustWrite(t, filepath.Join(dir, name), data) }
	writeKey := func(name string, k crypto.Signer) {
		p, _ := encodeKey(k)
		write(name, p)
	}
	writeKey(RootKey, root.key)
	write(RootCert, encodeCerts(root.cert))
	writeKey(CAKey, inter.key)
	write(CACert, encodeCerts(inter.cert))
	write(TrustedCerts, encodeCerts(inter.cert, root.cert))
	jks, err := encodeTrustStore(root.cert, inter.cert, issued)
	if err != nil {
		t.Fatal(err)
	}
	write(TrustStore, jks)

	leaf := func(cn string, dns []string, key crypto.Signer) *x509.Certificate {
		c, err := sign(year(&x509.Certificate{Subject: Subject(cn), DNSNames: dns,
			KeyUsage: leafKeyUsage, ExtKeyUsage: leafExtKeyUsage}), key, inter)
		if err != nil {
			t.Fatal(err)
		}
		writeKey(cn+"-key.pem", key)
		write(cn+"-cert.pem", encodeCerts(c.cert, inter.cert))
		return c.cert
	}
	for i, s := range svcs {
		c := leaf(s.CertName, []string{s.Name, s.Alias(), "localhost"}, keys[i+2])
		if ks, ok := KeyStoreOf(s); ok {
			data, err := pkcs12.LegacyRC2.Encode(keys[i+2], c, []*x509.Certificate{inter.cert}, ks.Password)
			if err != nil {
				t.Fatal(err)
			}
			write(ks.File, data)
		}
	}
	leaf("artemis", []string{"hono-artemis", "hono-artemis.hono", "localhost"}, keys[len(keys)-1])
}

// TestLintHonoShapedPKI: on a folder like Hono's demo-certs, the lint says
// that everything expired and that the IP addresses are not covered, and
// nothing else.
func TestLintHonoShapedPKI(t *testing.T) {
	issued := time.Date(2018, 3, 2, 11, 32, 0, 0, time.UTC)
	dir := t.TempDir()
	writeHonoShapedPKI(t, dir, issued)

	fs := Lint(dir, topology.Default(), testNow)
	expired := map[string]bool{}
	for _, f := range notPassing(fs) {
		switch {
		case f.Check == IDValidity && f.Status == Fail && strings.Contains(f.Message, "expired on 2019-03-02"):
			expired[f.File] = true
		case f.Check == IDSAN && f.Status == Warn && strings.Contains(f.Message, "does not cover 127.0.0.1, ::1"):
		default:
			t.Errorf("unexpected finding: %+v", f)
		}
	}
	for _, f := range []string{TrustedCerts, TrustStore, CACert, RootCert, "artemis-cert.pem", "qdrouter-cert.pem"} {
		if !expired[f] {
			t.Errorf("no expiry finding for %s", f)
		}
	}
	// Within its year, the same folder passes but for the addresses.
	for _, f := range notPassing(Lint(dir, topology.Default(), issued.Add(100*24*time.Hour))) {
		if f.Check != IDSAN {
			t.Errorf("while valid: %+v", f)
		}
	}
}
