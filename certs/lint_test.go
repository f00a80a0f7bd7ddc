package certs

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	keystore "github.com/pavlo-v-chernykh/keystore-go/v4"

	"github.com/honoctl/honoctl/orchestrator/topology"
)

// basePKI is generated once; every breakage starts from a copy of it.
var basePKI struct {
	once sync.Once
	dir  string
	err  error
}

func mustBasePKI(t *testing.T) string {
	t.Helper()
	basePKI.once.Do(func() {
		basePKI.dir, basePKI.err = os.MkdirTemp("", "certs-lint-base-")
		if basePKI.err == nil {
			_, basePKI.err = Generate(basePKI.dir, topology.Default(), Options{Now: testNow})
		}
	})
	if basePKI.err != nil {
		t.Fatal(basePKI.err)
	}
	dir := t.TempDir()
	entries, err := os.ReadDir(basePKI.dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		src := filepath.Join(basePKI.dir, e.Name())
		fi, _ := os.Stat(src)
		if err := os.WriteFile(filepath.Join(dir, e.Name()), mustRead(t, src), fi.Mode().Perm()); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestMain(m *testing.M) {
	code := m.Run()
	if basePKI.dir != "" {
		os.RemoveAll(basePKI.dir)
	}
	os.Exit(code)
}

// reissue replaces service svc's key and certificate with ones the CA in
// dir signs from the template edit shapes; key nil makes a key of the type
// Generate would.
func reissue(t *testing.T, dir, svc string, key crypto.Signer, edit func(*x509.Certificate)) {
	t.Helper()
	s := topology.Default().MustService(svc)
	inter, err := loadPair(dir, CAKey, CACert)
	if err != nil {
		t.Fatal(err)
	}
	if key == nil {
		key = mustKey(t, ServiceKeyType(s, ECDSAP256))
	}
	tmpl, err := leafTemplate(s, testNow, DefaultDays)
	if err != nil {
		t.Fatal(err)
	}
	if edit != nil {
		edit(tmpl)
	}
	c, err := sign(tmpl, key, inter)
	if err != nil {
		t.Fatal(err)
	}
	pemKey, _ := encodeKey(key)
	mustWrite(t, filepath.Join(dir, s.KeyFile()), pemKey)
	mustWrite(t, filepath.Join(dir, s.CertFile()), encodeCerts(c.cert, inter.cert))
	if ks, ok := KeyStoreOf(s); ok {
		data, err := encodeKeyStore(key, c.cert, []*x509.Certificate{inter.cert}, ks.Password)
		if err != nil {
			t.Fatal(err)
		}
		mustWrite(t, filepath.Join(dir, ks.File), data)
	}
}

func chainOf(t *testing.T, dir, file string) []*x509.Certificate {
	t.Helper()
	c, err := ParseCerts(mustRead(t, filepath.Join(dir, file)))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func notPassing(fs []Finding) []Finding {
	var out []Finding
	for _, f := range fs {
		if f.Status != Pass {
			out = append(out, f)
		}
	}
	return out
}

func TestLintPassesAGeneratedPKI(t *testing.T) {
	for _, kt := range []KeyType{ECDSAP256, RSA2048} {
		dir, _ := mustGenerate(t, Options{KeyType: kt})
		fs := Lint(dir, topology.Default(), testNow)
		if bad := notPassing(fs); len(bad) > 0 {
			t.Errorf("%s: findings on a fresh PKI: %+v", kt, bad)
		}
		if len(fs) < 80 {
			t.Errorf("%s: only %d checks ran", kt, len(fs))
		}
	}
}

// TestLintFindings breaks a PKI on purpose, one way at a time, and expects
// the finding that names it.
func TestLintFindings(t *testing.T) {
	t.Parallel() // peers and key generation; independent folders
	for _, tt := range []struct {
		name    string
		breakF  func(t *testing.T, dir string)
		check   string
		status  Status
		file    string
		message string
	}{
		{"key missing", func(t *testing.T, dir string) {
			os.Remove(filepath.Join(dir, "qdrouter-key.pem"))
		}, IDMissing, Fail, "qdrouter-key.pem", "missing in "},
		{"trust bundle missing", func(t *testing.T, dir string) {
			os.Remove(filepath.Join(dir, TrustedCerts))
		}, IDMissing, Fail, TrustedCerts, "missing in "},
		{"certificate file garbled", func(t *testing.T, dir string) {
			mustWrite(t, filepath.Join(dir, "http-adapter-cert.pem"), []byte("not a certificate\n"))
		}, IDMissing, Fail, "http-adapter-cert.pem", "unreadable as PEM certificates: no PEM certificate"},
		{"key encrypted", func(t *testing.T, dir string) {
			mustWrite(t, filepath.Join(dir, "http-adapter-key.pem"),
				[]byte("-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n"))
		}, IDMissing, Fail, "http-adapter-key.pem", "the key is encrypted; Hono reads unencrypted PKCS#8 keys only"},
		{"key store garbled", func(t *testing.T, dir string) {
			mustWrite(t, filepath.Join(dir, "httpKeyStore.p12"), []byte("garbage"))
		}, IDMissing, Fail, "httpKeyStore.p12", "unreadable as a PKCS#12 key store with Hono's password"},
		{"trust store garbled", func(t *testing.T, dir string) {
			mustWrite(t, filepath.Join(dir, TrustStore), []byte("garbage"))
		}, IDMissing, Fail, TrustStore, "unreadable as a JKS trust store with Hono's password"},
		{"certificate from another CA", func(t *testing.T, dir string) {
			other, _ := mustGenerate(t, Options{})
			for _, f := range []string{"mqtt-adapter-cert.pem", "mqtt-adapter-key.pem", "mqttKeyStore.p12"} {
				mustWrite(t, filepath.Join(dir, f), mustRead(t, filepath.Join(other, f)))
			}
		}, IDChain, Fail, "mqtt-adapter-cert.pem", "CN=mqtt-adapter does not chain to trusted-certs.pem: x509: certificate signed by unknown authority"},
		{"intermediate first", func(t *testing.T, dir string) {
			c := chainOf(t, dir, "mqtt-adapter-cert.pem")
			mustWrite(t, filepath.Join(dir, "mqtt-adapter-cert.pem"), encodeCerts(c[1], c[0]))
		}, IDOrder, Fail, "mqtt-adapter-cert.pem", "the first certificate, CN=ca, is a CA; servers send the file in order"},
		{"leaf second", func(t *testing.T, dir string) {
			c := chainOf(t, dir, "mqtt-adapter-cert.pem")
			mustWrite(t, filepath.Join(dir, "mqtt-adapter-cert.pem"), encodeCerts(c[1], c[0]))
		}, IDOrder, Fail, "mqtt-adapter-cert.pem", "the leaf CN=mqtt-adapter is certificate 2; it must come first"},
		{"wrong issuer after the leaf", func(t *testing.T, dir string) {
			c := chainOf(t, dir, "mqtt-adapter-cert.pem")
			root := chainOf(t, dir, RootCert)
			mustWrite(t, filepath.Join(dir, "mqtt-adapter-cert.pem"), encodeCerts(c[0], root[0]))
		}, IDOrder, Fail, "mqtt-adapter-cert.pem", "certificate 2, CN=root, did not issue certificate 1, CN=mqtt-adapter"},
		{"intermediate missing", func(t *testing.T, dir string) {
			c := chainOf(t, dir, "mqtt-adapter-cert.pem")
			mustWrite(t, filepath.Join(dir, "mqtt-adapter-cert.pem"), encodeCerts(c[0]))
		}, IDOrder, Fail, "mqtt-adapter-cert.pem", "chain incomplete: mqtt-adapter-cert.pem holds 1 certificate(s) and lacks the intermediate"},
		{"key of another service", func(t *testing.T, dir string) {
			mustWrite(t, filepath.Join(dir, "mqtt-adapter-key.pem"), mustRead(t, filepath.Join(dir, "kura-adapter-key.pem")))
		}, IDKeyMatch, Fail, "mqtt-adapter-key.pem", "the key does not belong to CN=mqtt-adapter, the first certificate of mqtt-adapter-cert.pem"},
		{"CA key swapped", func(t *testing.T, dir string) {
			mustWrite(t, filepath.Join(dir, CAKey), mustRead(t, filepath.Join(dir, RootKey)))
		}, IDKeyMatch, Fail, CAKey, "the key does not belong to CN=ca in ca-cert.pem"},
		{"stale certificate of no service", func(t *testing.T, dir string) {
			other, _ := mustGenerate(t, Options{})
			mustWrite(t, filepath.Join(dir, "artemis-cert.pem"), mustRead(t, filepath.Join(other, "qdrouter-cert.pem")))
		}, IDChain, Fail, "artemis-cert.pem", "CN=qdrouter does not chain to trusted-certs.pem"},
		{"alias not in the SAN", func(t *testing.T, dir string) {
			reissue(t, dir, "hono-service-device-registry", nil, func(c *x509.Certificate) {
				c.DNSNames = []string{"hono-service-device-registry", "localhost"}
			})
		}, IDSAN, Fail, "device-registry-cert.pem", "CN=device-registry does not cover hono-service-device-registry.hono, which clients of hono-service-device-registry dial"},
		{"no IP addresses in the SAN", func(t *testing.T, dir string) {
			reissue(t, dir, "hono-adapter-http-vertx", nil, func(c *x509.Certificate) { c.IPAddresses = nil })
		}, IDSAN, Warn, "http-adapter-cert.pem", "CN=http-adapter does not cover 127.0.0.1, ::1: clients that reach the published port by address"},
		{"expired", func(t *testing.T, dir string) {
			reissue(t, dir, "hono-adapter-kura", nil, func(c *x509.Certificate) {
				c.NotBefore, c.NotAfter = testNow.Add(-48*time.Hour), testNow.Add(-24*time.Hour)
			})
		}, IDValidity, Fail, "kura-adapter-cert.pem", "CN=kura-adapter expired on " + stamp(testNow.Add(-24*time.Hour))},
		{"not yet valid", func(t *testing.T, dir string) {
			reissue(t, dir, "hono-adapter-kura", nil, func(c *x509.Certificate) { c.NotBefore = testNow.Add(time.Hour) })
		}, IDValidity, Fail, "kura-adapter-cert.pem", "CN=kura-adapter is not valid before " + stamp(testNow.Add(time.Hour))},
		{"expiring soon", func(t *testing.T, dir string) {
			reissue(t, dir, "hono-adapter-kura", nil, func(c *x509.Certificate) { c.NotAfter = testNow.Add(10*24*time.Hour + time.Hour) })
		}, IDValidity, Warn, "kura-adapter-cert.pem", "CN=kura-adapter expires on " + stamp(testNow.Add(10*24*time.Hour+time.Hour)) + ", in 10 days"},
		{"client-only certificate", func(t *testing.T, dir string) {
			reissue(t, dir, "hono-adapter-kura", nil, func(c *x509.Certificate) {
				c.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
			})
		}, IDUsage, Fail, "kura-adapter-cert.pem", "extended key usage of CN=kura-adapter lacks serverAuth: TLS clients of hono-adapter-kura refuse it"},
		{"server-only certificate for a client", func(t *testing.T, dir string) {
			reissue(t, dir, "hono-service-messaging", nil, func(c *x509.Certificate) {
				c.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
			})
		}, IDUsage, Fail, "hono-messaging-cert.pem", "extended key usage of CN=hono-messaging lacks clientAuth: hono-service-messaging presents it as a client certificate to hono-dispatch-router.hono (channel 2)"},
		{"no digitalSignature", func(t *testing.T, dir string) {
			reissue(t, dir, "hono-adapter-kura", nil, func(c *x509.Certificate) { c.KeyUsage = x509.KeyUsageKeyEncipherment })
		}, IDUsage, Fail, "kura-adapter-cert.pem", "key usage of CN=kura-adapter lacks digitalSignature"},
		{"leaf is a CA", func(t *testing.T, dir string) {
			reissue(t, dir, "hono-adapter-kura", nil, func(c *x509.Certificate) {
				c.IsCA, c.BasicConstraintsValid = true, true
			})
		}, IDUsage, Fail, "kura-adapter-cert.pem", "CN=kura-adapter is a CA certificate (CA:true)"},
		{"CA without keyCertSign", func(t *testing.T, dir string) {
			key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
			bad, err := sign(&x509.Certificate{Subject: Subject("odd-ca"), NotBefore: testNow.Add(-time.Hour),
				NotAfter: testNow.Add(900 * 24 * time.Hour), IsCA: true, BasicConstraintsValid: true,
				KeyUsage: x509.KeyUsageDigitalSignature}, key, nil)
			if err != nil {
				t.Fatal(err)
			}
			trusted := mustRead(t, filepath.Join(dir, TrustedCerts))
			mustWrite(t, filepath.Join(dir, TrustedCerts), append(trusted, encodeCerts(bad.cert)...))
		}, IDUsage, Fail, TrustedCerts, "CN=odd-ca is a CA whose key usage lacks keyCertSign"},
		{"RSA 1024", func(t *testing.T, dir string) {
			key, err := rsa.GenerateKey(rand.Reader, 1024)
			if err != nil {
				t.Fatal(err)
			}
			reissue(t, dir, "hono-adapter-kura", key, nil)
		}, IDKeyStrength, Fail, "kura-adapter-cert.pem", "CN=kura-adapter has an RSA key of 1024 bits; TLS peers want at least 2048"},
		{"SHA-1 signature", func(t *testing.T, dir string) {
			// A SHA-1 RSA signature needs an RSA CA.
			rsaDir, _ := mustGenerate(t, Options{KeyType: RSA2048})
			for _, e := range mustDir(t, rsaDir) {
				mustWrite(t, filepath.Join(dir, e), mustRead(t, filepath.Join(rsaDir, e)))
			}
			reissue(t, dir, "hono-adapter-kura", nil, func(c *x509.Certificate) { c.SignatureAlgorithm = x509.SHA1WithRSA })
		}, IDKeyStrength, Fail, "kura-adapter-cert.pem", "CN=kura-adapter is signed with SHA1-RSA, which TLS peers reject"},
		{"ECDSA key for the auth server", func(t *testing.T, dir string) {
			reissue(t, dir, "hono-service-auth", mustKey(t, ECDSAP256), nil)
		}, IDKeyType, Fail, "auth-server-cert.pem", "the key of hono-service-auth is ecdsa-p256: Hono 0.7 loads PEM keys with vert.x 3.5.3, which reads only RSA keys, and the Auth Server signs tokens RS256 with auth-server-key.pem"},
		{"ECDSA key for an adapter", func(t *testing.T, dir string) {
			reissue(t, dir, "hono-adapter-mqtt-vertx", mustKey(t, ECDSAP256), nil)
		}, IDKeyType, Fail, "mqtt-adapter-cert.pem", "the key of hono-adapter-mqtt-vertx is ecdsa-p256: Hono 0.7 loads PEM keys with vert.x 3.5.3, which reads only RSA keys"},
		{"key readable by others", func(t *testing.T, dir string) {
			os.Chmod(filepath.Join(dir, "qdrouter-key.pem"), 0o644)
		}, IDKeyMode, Warn, "qdrouter-key.pem", "private key readable by group or others (mode 0644)"},
		{"leaf in the trust bundle", func(t *testing.T, dir string) {
			leaf := chainOf(t, dir, "qdrouter-cert.pem")[0]
			trusted := mustRead(t, filepath.Join(dir, TrustedCerts))
			mustWrite(t, filepath.Join(dir, TrustedCerts), append(trusted, encodeCerts(leaf)...))
		}, IDTrustStore, Fail, TrustedCerts, "holds an end-entity certificate, CN=qdrouter (certificate 3), instead of a CA"},
		{"leaf in the JKS trust store", func(t *testing.T, dir string) {
			mustWrite(t, filepath.Join(dir, TrustStore), jksWith(t, chainOf(t, dir, RootCert)[0],
				chainOf(t, dir, "qdrouter-cert.pem")[0]))
		}, IDTrustStore, Fail, TrustStore, `entry "ca" holds an end-entity certificate, CN=qdrouter, instead of a CA`},
		{"JKS trust store without the intermediate", func(t *testing.T, dir string) {
			mustWrite(t, filepath.Join(dir, TrustStore), jksWith(t, chainOf(t, dir, RootCert)[0], nil))
		}, IDTrustStore, Warn, TrustStore, "lacks CN=ca, which trusted-certs.pem holds"},
		{"key store of another service", func(t *testing.T, dir string) {
			s := topology.Default().MustService("hono-adapter-kura")
			key, _, _ := ParseKey(mustRead(t, filepath.Join(dir, s.KeyFile())))
			c := chainOf(t, dir, s.CertFile())
			data, err := encodeKeyStore(key, c[0], c[1:], "httpkeys")
			if err != nil {
				t.Fatal(err)
			}
			mustWrite(t, filepath.Join(dir, "httpKeyStore.p12"), data)
		}, IDKeyStore, Fail, "httpKeyStore.p12", "holds CN=kura-adapter (serial "},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := mustBasePKI(t)
			tt.breakF(t, dir)
			fs := Lint(dir, topology.Default(), testNow)
			for _, f := range fs {
				if f.Check == tt.check && f.Status == tt.status && f.File == tt.file &&
					strings.Contains(f.Message, tt.message) {
					if f.Hint == "" {
						t.Errorf("finding without a hint: %+v", f)
					}
					if strings.HasPrefix(f.File, "artemis") && !strings.Contains(f.Hint, "honoctl does not renew it") {
						t.Errorf("hint for a file of no service: %q", f.Hint)
					}
					return
				}
			}
			t.Errorf("no %s %s on %s with %q; got:\n%s", tt.status, tt.check, tt.file, tt.message, dump(notPassing(fs)))
		})
	}
}

// jksWith is a JKS trust store with the root as "root" and c as "ca".
func jksWith(t *testing.T, root, c *x509.Certificate) []byte {
	t.Helper()
	ks := keystore.New()
	for alias, cert := range map[string]*x509.Certificate{"root": root, "ca": c} {
		if cert == nil {
			continue
		}
		ks.SetTrustedCertificateEntry(alias, keystore.TrustedCertificateEntry{
			CreationTime: testNow, Certificate: keystore.Certificate{Type: "X509", Content: cert.Raw}})
	}
	var b strings.Builder
	if err := ks.Store(&b, []byte(TrustStorePassword)); err != nil {
		t.Fatal(err)
	}
	return []byte(b.String())
}

func mustDir(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	return out
}

func dump(fs []Finding) string {
	var b strings.Builder
	for _, f := range fs {
		b.WriteString("  " + string(f.Status) + " " + f.Check + " " + f.File + ": " + f.Message + "\n")
	}
	return b.String()
}

// keyCache hands out keys by type: RSA key generation is slow, and the
// breakages need fresh certificates, not fresh keys.
var keyCache sync.Map

func mustKey(t *testing.T, k KeyType) crypto.Signer {
	t.Helper()
	if v, ok := keyCache.Load(k); ok {
		return v.(crypto.Signer)
	}
	key, err := newKey(k)
	if err != nil {
		t.Fatal(err)
	}
	keyCache.Store(k, key)
	return key
}
