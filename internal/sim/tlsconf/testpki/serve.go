package testpki

import (
	"crypto/tls"
	"crypto/x509"
	"net"
	"testing"
)

// Pair loads the leaf's key and certificate chain for a tls.Config.
func (l Leaf) Pair(t testing.TB) tls.Certificate {
	t.Helper()
	pair, err := tls.LoadX509KeyPair(l.CertPath, l.KeyPath)
	if err != nil {
		t.Fatalf("testpki: load %s: %v", l.CertPath, err)
	}
	return pair
}

// Pool holds the root: what a client of the PKI's leaves trusts.
func (p *PKI) Pool() *x509.CertPool {
	pool := x509.NewCertPool()
	pool.AddCert(p.root)
	return pool
}

// Serve accepts TLS connections with cfg on 127.0.0.1 until the test
// ends, hands each to handle in a goroutine of its own and closes it
// afterwards. It returns the listener's address.
func Serve(t testing.TB, cfg *tls.Config, handle func(net.Conn)) string {
	t.Helper()
	ln, err := tls.Listen("tcp", "127.0.0.1:0", cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				handle(c)
			}()
		}
	}()
	return ln.Addr().String()
}
