package amqp

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// testPKI is a throwaway CA with a server and a client certificate, with
// Hono's subject layout (O=Eclipse IoT, OU=Hono, CN=<name>).
type testPKI struct {
	ca         *x509.Certificate
	caKey      *ecdsa.PrivateKey
	pool       *x509.CertPool
	server     tls.Certificate
	client     tls.Certificate
	serverConf *tls.Config
	clientConf *tls.Config
}

var (
	pkiOnce sync.Once
	pki     *testPKI
)

func mustPKI(t testing.TB) *testPKI {
	t.Helper()
	pkiOnce.Do(func() { pki = newTestPKI(t) })
	return pki
}

func newTestPKI(t testing.TB) *testPKI {
	t.Helper()
	p := &testPKI{}
	var err error
	p.caKey, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test-ca"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &p.caKey.PublicKey, p.caKey)
	if err != nil {
		t.Fatal(err)
	}
	p.ca, _ = x509.ParseCertificate(der)
	p.pool = x509.NewCertPool()
	p.pool.AddCert(p.ca)
	p.server = p.leaf(t, 2, "hono-service-auth", x509.ExtKeyUsageServerAuth)
	p.client = p.leaf(t, 3, "hono-messaging", x509.ExtKeyUsageClientAuth)
	p.serverConf = &tls.Config{Certificates: []tls.Certificate{p.server},
		ClientCAs: p.pool, ClientAuth: tls.VerifyClientCertIfGiven}
	p.clientConf = &tls.Config{RootCAs: p.pool, Certificates: []tls.Certificate{p.client},
		ServerName: "localhost"}
	return p
}

func (p *testPKI) leaf(t testing.TB, serial int64, cn string, usage x509.ExtKeyUsage) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(serial),
		Subject:      pkix.Name{Organization: []string{"Eclipse IoT"}, OrganizationalUnit: []string{"Hono"}, CommonName: cn},
		NotBefore:    time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{usage},
		DNSNames: []string{"localhost", cn}, IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, p.ca, &key.PublicKey, p.caKey)
	if err != nil {
		t.Fatal(err)
	}
	leaf, _ := x509.ParseCertificate(der)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}
}

// pemFiles are the test PKI's files, for peers that read files
// (python-qpid-proton).
type pemFiles struct {
	ca, clientCert, clientKey, serverCert, serverKey string
}

func (p *testPKI) writePEM(t testing.TB) pemFiles {
	t.Helper()
	dir := t.TempDir()
	write := func(name, typ string, der []byte) string {
		path := filepath.Join(dir, name)
		data := pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	key := func(c tls.Certificate) []byte {
		der, err := x509.MarshalPKCS8PrivateKey(c.PrivateKey)
		if err != nil {
			t.Fatal(err)
		}
		return der
	}
	return pemFiles{
		ca:         write("ca.pem", "CERTIFICATE", p.ca.Raw),
		clientCert: write("client-cert.pem", "CERTIFICATE", p.client.Certificate[0]),
		clientKey:  write("client-key.pem", "PRIVATE KEY", key(p.client)),
		serverCert: write("server-cert.pem", "CERTIFICATE", p.server.Certificate[0]),
		serverKey:  write("server-key.pem", "PRIVATE KEY", key(p.server)),
	}
}

// startServer serves srv on a loopback listener (TLS when conf is set)
// until the test ends, and checks that Serve returns.
func startServer(t testing.TB, srv *Server, conf *tls.Config) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if conf != nil {
		ln = tls.NewListener(ln, conf)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Serve: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Errorf("Serve did not return within 10s of cancellation")
		}
	})
	return ln.Addr().String()
}

func testContext(t testing.TB) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// checkNoLeaks fails the test if goroutines of this package outlive it.
// It is registered first, so it runs after every other cleanup.
func checkNoLeaks(t *testing.T) {
	t.Helper()
	t.Cleanup(func() {
		deadline := time.Now().Add(5 * time.Second)
		for {
			leaked := ourGoroutines()
			if leaked == "" {
				return
			}
			if time.Now().After(deadline) {
				t.Errorf("goroutines leaked:\n%s", leaked)
				return
			}
			time.Sleep(20 * time.Millisecond)
		}
	})
}

func ourGoroutines() string {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	var leaked []string
	for _, g := range strings.Split(string(buf), "\n\n") {
		if strings.Contains(g, "honoctl/internal/amqp.") && !strings.Contains(g, "testing.tRunner") &&
			!strings.Contains(g, "checkNoLeaks") && !strings.Contains(g, "ourGoroutines") {
			leaked = append(leaked, g)
		}
	}
	return strings.Join(leaked, "\n\n")
}
