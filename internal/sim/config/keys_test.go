package config

import (
	"crypto/x509"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/honoctl/honoctl/internal/sim/tlsconf/testpki"
)

// peer runs a Debian tool the test needs; a missing tool fails the test,
// naming the package, rather than skipping it.
func peer(t *testing.T, pkg, name string, args ...string) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		t.Fatalf("%s not found: install Debian package %s", name, pkg)
	}
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
}

func openssl(t *testing.T, args ...string) { t.Helper(); peer(t, "openssl", "openssl", args...) }

func keytool(t *testing.T, args ...string) {
	t.Helper()
	peer(t, "openjdk-17-jre-headless", "keytool", args...)
}

func TestDetectFormat(t *testing.T) {
	tests := []struct {
		path, explicit string
		want           Format
		err            string
	}{
		{path: "a/key.pem", want: FormatPEM},
		{path: "a/key.KEY", want: FormatPEM},
		{path: "cert.crt", want: FormatPEM},
		{path: "trustStore.jks", want: FormatJKS},
		{path: "keys.p12", want: FormatPKCS12},
		{path: "keys.pfx", want: FormatPKCS12},
		{path: "keys.bin", explicit: "pkcs12", want: FormatPKCS12},
		{path: "keys.pem", explicit: "JKS", want: FormatJKS},
		{path: "keys.bin", err: "cannot tell the format from the extension"},
		{path: "keys.pem", explicit: "DER", err: `format "DER": want PEM, JKS or PKCS12`},
	}
	for _, tt := range tests {
		got, err := DetectFormat(tt.path, tt.explicit)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("DetectFormat(%q, %q) err = %v, want %q", tt.path, tt.explicit, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("DetectFormat(%q, %q) = %v, %v; want %v", tt.path, tt.explicit, got, err, tt.want)
		}
	}
}

func TestKeyPairPEM(t *testing.T) {
	pki := testpki.New(t)
	leaf := pki.Leaf(t, "http-adapter", []string{"localhost"})
	c := &TLS{KeyPath: leaf.KeyPath, CertPath: leaf.CertPath}
	pair, err := c.KeyPair()
	if err != nil {
		t.Fatal(err)
	}
	if len(pair.Certificate) != 2 || pair.Leaf.Subject.CommonName != "http-adapter" {
		t.Errorf("want leaf and intermediate, got %d certificates, leaf %v", len(pair.Certificate), pair.Leaf)
	}

	// A key that belongs to another certificate is refused with both names.
	other := pki.Leaf(t, "mqtt-adapter", nil)
	c.KeyPath = other.KeyPath
	if _, err := c.KeyPair(); err == nil || !strings.Contains(err.Error(), other.KeyPath) {
		t.Errorf("mismatched key: %v", err)
	}
	c.KeyPath = filepath.Join(pki.Dir, "missing-key.pem")
	if _, err := c.KeyPair(); err == nil || !strings.Contains(err.Error(), "missing-key.pem: no such file") {
		t.Errorf("missing key: %v", err)
	}
	if pair, err := (&TLS{}).KeyPair(); pair != nil || err != nil {
		t.Errorf("no key material: %v, %v", pair, err)
	}
}

// TestKeyStores reads stores made by openssl and keytool, as Hono's demo
// certificates are: PKCS#12 with the legacy RC2-40 encryption, and JKS.
func TestKeyStores(t *testing.T) {
	pki := testpki.New(t)
	leaf := pki.Leaf(t, "hono-messaging", []string{"hono-service-messaging"})
	dir := pki.Dir
	p12 := filepath.Join(dir, "honoKeyStore.p12")
	legacy := filepath.Join(dir, "legacyKeyStore.p12")
	jks := filepath.Join(dir, "keyStore.jks")
	openssl(t, "pkcs12", "-export", "-inkey", leaf.KeyPath, "-in", leaf.CertPath,
		"-out", p12, "-passout", "pass:honokeys", "-name", "hono")
	openssl(t, "pkcs12", "-export", "-legacy", "-inkey", leaf.KeyPath, "-in", leaf.CertPath,
		"-out", legacy, "-passout", "pass:honokeys", "-name", "hono")
	keytool(t, "-importkeystore", "-srckeystore", p12, "-srcstoretype", "PKCS12",
		"-srcstorepass", "honokeys", "-destkeystore", jks, "-deststoretype", "JKS",
		"-deststorepass", "honokeys", "-noprompt")

	for _, path := range []string{p12, legacy, jks} {
		t.Run(filepath.Base(path), func(t *testing.T) {
			c := &TLS{KeyStorePath: path, KeyStorePassword: "honokeys"}
			pair, err := c.KeyPair()
			if err != nil {
				t.Fatal(err)
			}
			if pair.Leaf.Subject.CommonName != "hono-messaging" || len(pair.Certificate) != 2 {
				t.Errorf("leaf %s, %d certificates", pair.Leaf.Subject, len(pair.Certificate))
			}
			c.KeyStorePassword = "wrong"
			if _, err := c.KeyPair(); err == nil || !strings.Contains(err.Error(), path) {
				t.Errorf("wrong password: %v", err)
			}
		})
	}
}

func TestTrustStores(t *testing.T) {
	pki := testpki.New(t)
	dir := pki.Dir
	jks := filepath.Join(dir, "trustStore.jks")
	p12 := filepath.Join(dir, "trustStore.p12")
	for _, cn := range []string{"root", "ca"} {
		cert := filepath.Join(dir, cn+"-cert.pem")
		keytool(t, "-importcert", "-noprompt", "-alias", cn, "-file", cert,
			"-keystore", jks, "-storetype", "JKS", "-storepass", "honotrust")
		keytool(t, "-importcert", "-noprompt", "-alias", cn, "-file", cert,
			"-keystore", p12, "-storetype", "PKCS12", "-storepass", "honotrust")
	}
	for _, path := range []string{pki.TrustedCerts, jks, p12} {
		t.Run(filepath.Base(path), func(t *testing.T) {
			certs, err := LoadTrustStore(path, "honotrust", "")
			if err != nil {
				t.Fatal(err)
			}
			names := map[string]bool{}
			for _, c := range certs {
				names[c.Subject.CommonName] = true
			}
			if len(certs) != 2 || !names["root"] || !names["ca"] {
				t.Errorf("want root and ca, got %v", names)
			}
			verifyWith(t, certs, pki.Leaf(t, "leaf", []string{"leaf"}).Cert)
		})
	}

	empty := filepath.Join(dir, "empty.pem")
	os.WriteFile(empty, []byte("no certificates here\n"), 0o644)
	if _, err := LoadTrustStore(empty, "", ""); err == nil || !strings.Contains(err.Error(), "holds no certificate") {
		t.Errorf("empty PEM trust store: %v", err)
	}
	if _, err := LoadTrustStore(jks, "wrong", ""); err == nil || !strings.Contains(err.Error(), "JKS trust store") {
		t.Errorf("wrong JKS password: %v", err)
	}
}

func verifyWith(t *testing.T, anchors []*x509.Certificate, leaf *x509.Certificate) {
	t.Helper()
	pool := x509.NewCertPool()
	for _, c := range anchors {
		pool.AddCert(c)
	}
	if _, err := leaf.Verify(x509.VerifyOptions{Roots: pool, CurrentTime: time.Now()}); err != nil {
		t.Errorf("leaf does not verify against the trust store: %v", err)
	}
}
