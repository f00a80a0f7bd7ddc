package hono

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// refConfig is the folder of the rendered reference configuration, kept in
// sync with `honoctl render` by the render package's tests.
const refConfig = "../../../compose/sim/config"

func refFile(name string) string { return filepath.Join(refConfig, name) }

// honoSubject is a subject as Hono's demo certificates have it, CN last.
func honoSubject(cn string) pkix.Name {
	return pkix.Name{
		Country: []string{"CA"}, Locality: []string{"Ottawa"},
		Organization: []string{"Eclipse IoT"}, OrganizationalUnit: []string{"Hono"},
		CommonName: cn,
	}
}

var testRSAKey = func() *rsa.PrivateKey {
	// 2048 bits: the smallest size golang-jwt accepts for RS256 is far
	// below, but this keeps the tests close to what the stack uses.
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return k
}()

// mustCert makes a self-signed certificate for key with the subject.
func mustCert(t *testing.T, key any, subject pkix.Name) *x509.Certificate {
	t.Helper()
	var pub any
	switch k := key.(type) {
	case *rsa.PrivateKey:
		pub = &k.PublicKey
	case *ecdsa.PrivateKey:
		pub = &k.PublicKey
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      subject,
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, pub, key)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func mustECKey(t *testing.T) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// writePEM writes PEM blocks into a file in the test's temp folder.
func writePEM(t *testing.T, name string, blocks ...*pem.Block) string {
	t.Helper()
	var b []byte
	for _, blk := range blocks {
		b = append(b, pem.EncodeToMemory(blk)...)
	}
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func mustPermissions(t *testing.T) *Permissions {
	t.Helper()
	p, err := LoadPermissions("file://" + refFile("permissions.json"))
	if err != nil {
		t.Fatal(err)
	}
	return p
}
