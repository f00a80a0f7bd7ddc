package certs

import (
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/honoctl/honoctl/orchestrator/topology"
)

func TestGenerateWritesHonosFiles(t *testing.T) {
	dir, sum := mustGenerate(t, Options{})
	want := []string{RootKey, RootCert, CAKey, CACert, TrustedCerts, TrustStore}
	for _, s := range topology.Default().Services {
		want = append(want, s.KeyFile(), s.CertFile())
		if ks, ok := KeyStoreOf(s); ok {
			want = append(want, ks.File)
		}
	}
	for _, f := range want {
		fi, err := os.Stat(filepath.Join(dir, f))
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		secret := strings.HasSuffix(f, "-key.pem") || strings.HasSuffix(f, ".p12")
		if wantMode := fs.FileMode(0o644); secret && fi.Mode().Perm() != 0o600 ||
			!secret && fi.Mode().Perm() != wantMode {
			t.Errorf("%s: mode %v", f, fi.Mode().Perm())
		}
	}
	if len(sum.Written) != len(want) || len(sum.Kept) != 0 {
		t.Errorf("summary: %d written, %d kept; want %d written", len(sum.Written), len(sum.Kept), len(want))
	}
	if got := sum.Expires; !got.Equal(testNow.Add(DefaultDays * 24 * time.Hour)) {
		t.Errorf("expires %v", got)
	}
	if _, err := os.Stat(filepath.Join(dir, "qdrouterKeyStore.p12")); err == nil {
		t.Error("the router got a key store; Hono gives it none")
	}
	leftovers, _ := filepath.Glob(filepath.Join(dir, ".*"))
	if len(leftovers) > 0 {
		t.Errorf("temporary files left: %v", leftovers)
	}
}

func TestGenerateCertificatesAsHonos(t *testing.T) {
	dir, _ := mustGenerate(t, Options{})
	for _, s := range topology.Default().Services {
		chain, err := ParseCerts(mustRead(t, filepath.Join(dir, s.CertFile())))
		if err != nil {
			t.Fatal(err)
		}
		leaf := chain[0]
		if got, want := leaf.Subject.String(), "CN="+s.CertName+",OU=Hono,O=Eclipse IoT,L=Ottawa,C=CA"; got != want {
			t.Errorf("%s: subject %q, want %q", s.Name, got, want)
		}
		if !slices.Equal(leaf.DNSNames, []string{s.Name, s.Name + ".hono", "localhost"}) {
			t.Errorf("%s: DNS SANs %v", s.Name, leaf.DNSNames)
		}
		if len(leaf.IPAddresses) != 2 || !leaf.IPAddresses[0].Equal(net.IPv4(127, 0, 0, 1)) ||
			!leaf.IPAddresses[1].Equal(net.IPv6loopback) {
			t.Errorf("%s: IP SANs %v", s.Name, leaf.IPAddresses)
		}
		if leaf.KeyUsage != leafKeyUsage || !slices.Equal(leaf.ExtKeyUsage, leafExtKeyUsage) || leaf.IsCA {
			t.Errorf("%s: usages %v %v CA %v", s.Name, leaf.KeyUsage, leaf.ExtKeyUsage, leaf.IsCA)
		}
		if len(chain) != 2 || chain[1].Subject.CommonName != "ca" {
			t.Errorf("%s: the file holds %d certificates, want the leaf and ca", s.Name, len(chain))
		}
		_, isRSA := leaf.PublicKey.(*rsa.PublicKey)
		_, isEC := leaf.PublicKey.(*ecdsa.PublicKey)
		if s.Role != topology.RoleRouter && !isRSA || s.Role == topology.RoleRouter && !isEC {
			t.Errorf("%s: key %T; want ECDSA for the router, RSA for the Java services", s.Name, leaf.PublicKey)
		}
	}
	trusted, _ := ParseCerts(mustRead(t, filepath.Join(dir, TrustedCerts)))
	if len(trusted) != 2 || trusted[0].Subject.CommonName != "ca" || trusted[1].Subject.CommonName != "root" {
		t.Errorf("trusted-certs.pem is not ca then root")
	}
}

// TestGenerateOpenSSLVerifies runs OpenSSL over every certificate: it must
// parse (x509 -text) and verify against the trust bundle, and every key must
// read as an unencrypted PKCS#8 key.
func TestGenerateOpenSSLVerifies(t *testing.T) {
	t.Parallel() // peers and key generation; independent folders
	for _, kt := range []KeyType{ECDSAP256, RSA2048} {
		t.Run(string(kt), func(t *testing.T) {
			dir, _ := mustGenerate(t, Options{KeyType: kt})
			for _, f := range pemFiles(t, dir) {
				name := filepath.Base(f)
				if strings.HasSuffix(name, "-key.pem") {
					mustRun(t, dir, "openssl", "pkey", "-in", name, "-noout", "-passin", "pass:")
					if !strings.HasPrefix(string(mustRead(t, f)), "-----BEGIN PRIVATE KEY-----") {
						t.Errorf("%s is not PKCS#8", name)
					}
					continue
				}
				mustRun(t, dir, "openssl", "x509", "-in", name, "-noout", "-text")
				out := mustRun(t, dir, "openssl", "verify", "-CAfile", TrustedCerts, name)
				if !strings.Contains(out, name+": OK") {
					t.Errorf("openssl verify %s: %s", name, out)
				}
			}
			// The leaf alone, with only the root trusted, verifies through
			// the intermediate the cert file carries.
			out := mustRun(t, dir, "openssl", "verify", "-CAfile", RootCert,
				"-untrusted", "http-adapter-cert.pem", "http-adapter-cert.pem")
			if !strings.Contains(out, ": OK") {
				t.Errorf("chain with the root alone: %s", out)
			}
		})
	}
}

// TestGenerateKeyStoresReadByPeers reads every key store with keytool and
// with OpenSSL 3 without -legacy.
func TestGenerateKeyStoresReadByPeers(t *testing.T) {
	t.Parallel() // peers and key generation; independent folders
	dir, _ := mustGenerate(t, Options{})
	for _, s := range topology.Default().Services {
		ks, ok := KeyStoreOf(s)
		if !ok {
			continue
		}
		out := mustRun(t, dir, "keytool", "-list", "-storetype", "PKCS12",
			"-keystore", ks.File, "-storepass", ks.Password)
		// One entry without a friendly name, which keytool calls "1", as
		// in the key stores of Hono's script.
		if !strings.Contains(out, "\n1, ") || !strings.Contains(out, "PrivateKeyEntry") ||
			!strings.Contains(out, "1 entry") {
			t.Errorf("keytool -list %s:\n%s", ks.File, out)
		}
		out = mustRun(t, dir, "openssl", "pkcs12", "-info", "-in", ks.File,
			"-passin", "pass:"+ks.Password, "-noenc")
		if n := strings.Count(out, "BEGIN CERTIFICATE"); n != 2 || !strings.Contains(out, "BEGIN PRIVATE KEY") {
			t.Errorf("openssl pkcs12 -info %s: %d certificates\n%s", ks.File, n, out)
		}
	}
	out := mustRun(t, dir, "keytool", "-list", "-keystore", TrustStore, "-storepass", TrustStorePassword)
	if !strings.Contains(out, "root, ") || !strings.Contains(out, "ca, ") ||
		strings.Count(out, "trustedCertEntry") != 2 {
		t.Errorf("keytool -list %s:\n%s", TrustStore, out)
	}
}

// TestGenerateHandshakes completes a TLS handshake with every service's
// key and certificate, as a client that trusts trusted-certs.pem and
// verifies each name a client dials.
func TestGenerateHandshakes(t *testing.T) {
	t.Parallel() // peers and key generation; independent folders
	dir, _ := mustGenerate(t, Options{})
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(mustRead(t, filepath.Join(dir, TrustedCerts))) {
		t.Fatal("no certificate in trusted-certs.pem")
	}
	for _, s := range topology.Default().Services {
		pair, err := tls.LoadX509KeyPair(filepath.Join(dir, s.CertFile()), filepath.Join(dir, s.KeyFile()))
		if err != nil {
			t.Fatalf("%s: %v", s.Name, err)
		}
		for _, name := range append(s.DNSNames(), s.IPAddresses()...) {
			if err := handshake(t, pair, pool, name); err != nil {
				t.Errorf("%s as %s: %v", s.Name, name, err)
			}
		}
	}
}

// handshake runs a tls.Server with pair on loopback and dials it as a
// client that verifies serverName; the server asks for the same pair as a
// client certificate, as the router's internal listener does.
func handshake(t *testing.T, pair tls.Certificate, pool *x509.CertPool, serverName string) error {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	srvErr := make(chan error, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			srvErr <- err
			return
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(10 * time.Second))
		srv := tls.Server(c, &tls.Config{Certificates: []tls.Certificate{pair},
			ClientCAs: pool, ClientAuth: tls.RequireAndVerifyClientCert})
		srvErr <- srv.Handshake()
	}()
	c, err := net.DialTimeout("tcp", ln.Addr().String(), 5*time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	cl := tls.Client(c, &tls.Config{RootCAs: pool, ServerName: serverName,
		Certificates: []tls.Certificate{pair}})
	if err := cl.Handshake(); err != nil {
		return err
	}
	return <-srvErr
}
