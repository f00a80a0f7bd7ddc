package check

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/honoctl/honoctl/internal/sim/tlsconf/testpki"
	"github.com/honoctl/honoctl/orchestrator/topology"
)

// aead are the suites a well-configured server offers for TLS 1.2.
var aead = []uint16{
	tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
	tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
}

// mustServe runs a TLS server on loopback that answers an AMQP protocol
// header with its own, as an AMQP server does, and returns its address.
func mustServe(t *testing.T, cfg *tls.Config) string {
	t.Helper()
	return testpki.Serve(t, cfg, func(c net.Conn) {
		_ = c.SetDeadline(time.Now().Add(5 * time.Second))
		buf := make([]byte, 8)
		if _, err := io.ReadFull(c, buf); err == nil {
			_, _ = c.Write(buf)
		}
		_, _ = io.Copy(io.Discard, c)
	})
}

// mustListenPlain opens a plain TCP port that accepts and holds connections.
func mustListenPlain(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
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
			c.Close()
		}
	}()
	return ln.Addr().String()
}

// closedAddr is a loopback address nothing listens on.
func closedAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

func serverConfig(cert tls.Certificate) *tls.Config {
	return &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12, CipherSuites: aead}
}

var testFix = Fix{
	ServerCert: "certs/qdrouter-cert.pem", ServerConfig: "config/qdrouterd.json",
	ClientConfig: "config/hono-service-messaging-config.yml", ClientPrefix: "hono.downstream",
	ClientTrust: "certs/trusted-certs.pem",
}

func target(addr string, peer Peer, mutual bool) Target {
	return Target{
		Link: topology.Link{Channel: topology.ChannelMessagingRouter, Client: "hono-service-messaging",
			Server: "hono-dispatch-router", Hostname: "localhost", TLS: true, MutualTLS: mutual,
			ClientCert: peer.Cert != nil, Protocol: "amqp"},
		Addr: addr, Peer: peer, Fix: testFix,
	}
}

func byCheck(fs []Finding) map[string]Finding {
	m := map[string]Finding{}
	for _, f := range fs {
		m[f.Check] = f
	}
	return m
}

func TestProbe(t *testing.T) {
	pki := mustPKI(t)
	other := mustPKI(t)
	good := pki.leaf(t, "qdrouter", leafOpts{})
	client := pki.leaf(t, "hono-messaging", leafOpts{})
	trust := Peer{Roots: pki.trust()}

	mutual := func(auth tls.ClientAuthType, cas []*x509.Certificate) *tls.Config {
		cfg := serverConfig(good)
		cfg.ClientAuth, cfg.ClientCAs = auth, pool(cas)
		return cfg
	}
	withCBC := serverConfig(good)
	withCBC.CipherSuites = append(withCBC.CipherSuites, tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA)
	leafOnly := pki.leaf(t, "qdrouter", leafOpts{})
	leafOnly.Certificate = leafOnly.Certificate[:1]
	tls13 := serverConfig(good)
	tls13.MinVersion = tls.VersionTLS13
	tls10 := serverConfig(good)
	tls10.MinVersion, tls10.CipherSuites = tls.VersionTLS10, nil

	tests := []struct {
		name   string
		server *tls.Config
		peer   Peer
		mutual bool
		plain  string
		want   map[string]Status // checks not listed must pass (or skip)
		msg    map[string]string // substrings of the failing messages
	}{
		{name: "healthy", server: serverConfig(good), peer: trust},
		{name: "expired", peer: trust,
			server: serverConfig(pki.leaf(t, "qdrouter", leafOpts{notBefore: time.Now().Add(-48 * time.Hour), notAfter: time.Now().Add(-24 * time.Hour)})),
			want:   map[string]Status{IDValidity: Fail}, msg: map[string]string{IDValidity: `"qdrouter" expired on`}},
		{name: "not yet valid", peer: trust,
			server: serverConfig(pki.leaf(t, "qdrouter", leafOpts{notBefore: time.Now().Add(24 * time.Hour)})),
			want:   map[string]Status{IDValidity: Fail}, msg: map[string]string{IDValidity: "is not valid before"}},
		{name: "expires soon", peer: trust,
			server: serverConfig(pki.leaf(t, "qdrouter", leafOpts{notAfter: time.Now().Add(5 * 24 * time.Hour)})),
			want:   map[string]Status{IDValidity: Warn}, msg: map[string]string{IDValidity: "expires in 4 days"}},
		{name: "host name not in SAN", peer: trust,
			server: serverConfig(pki.leaf(t, "qdrouter", leafOpts{dns: []string{"hono-dispatch-router"}})),
			want:   map[string]Status{IDHostname: Fail}, msg: map[string]string{IDHostname: "not localhost"}},
		{name: "server from another CA", peer: trust,
			server: serverConfig(other.leaf(t, "qdrouter", leafOpts{})),
			want:   map[string]Status{IDChain: Fail}, msg: map[string]string{IDChain: "does not chain to a CA the client trusts"}},
		{name: "no intermediate, client trusts only the root", peer: Peer{Roots: []*x509.Certificate{pki.root.cert}},
			server: serverConfig(leafOnly),
			want:   map[string]Status{IDChain: Fail}, msg: map[string]string{IDChain: "sends only its own certificate"}},
		{name: "no intermediate, client trusts it", peer: trust, server: serverConfig(leafOnly),
			want: map[string]Status{IDChain: Warn}, msg: map[string]string{IDChain: "does not send it"}},
		{name: "server speaks only TLS 1.3, client only 1.2", server: tls13,
			peer: Peer{Roots: pki.trust(), MaxVersion: tls.VersionTLS12},
			want: map[string]Status{IDHandshake: Fail, IDVersions: Fail, IDChain: Skip, IDHostname: Skip, IDValidity: Skip, IDCiphers: Skip},
			msg:  map[string]string{IDHandshake: "no TLS version in common", IDVersions: "the client speaks TLS 1.2 to TLS 1.2"}},
		{name: "server accepts TLS 1.0", server: tls10, peer: trust,
			want: map[string]Status{IDVersions: Fail, IDCiphers: Warn}, msg: map[string]string{IDVersions: "accepts TLS 1.0"}},
		{name: "CBC suite accepted", server: withCBC, peer: trust,
			want: map[string]Status{IDCiphers: Warn}, msg: map[string]string{IDCiphers: "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA"}},
		{name: "mutual TLS healthy", mutual: true, server: mutual(tls.RequireAndVerifyClientCert, pki.trust()),
			peer: Peer{Roots: pki.trust(), Cert: &client}},
		{name: "mutual TLS only requested", mutual: true, server: mutual(tls.VerifyClientCertIfGiven, pki.trust()),
			peer: Peer{Roots: pki.trust(), Cert: &client},
			want: map[string]Status{IDClientAuth: Fail}, msg: map[string]string{IDClientAuth: "accepts a client without a certificate"}},
		{name: "mutual TLS trusts anyone", mutual: true, server: mutual(tls.RequireAnyClientCert, nil),
			peer: Peer{Roots: pki.trust(), Cert: &client},
			want: map[string]Status{IDClientAuth: Fail}, msg: map[string]string{IDClientAuth: "from another CA"}},
		{name: "mutual TLS, client sends no certificate", mutual: true, server: mutual(tls.RequireAndVerifyClientCert, pki.trust()),
			peer: trust,
			want: map[string]Status{IDHandshake: Fail},
			msg:  map[string]string{IDHandshake: "the client sends none"}},
		{name: "mutual TLS, server trusts another CA", mutual: true, server: mutual(tls.RequireAndVerifyClientCert, other.trust()),
			peer: Peer{Roots: pki.trust(), Cert: &client},
			want: map[string]Status{IDHandshake: Fail, IDClientAuth: Fail},
			msg:  map[string]string{IDHandshake: "refused the client's certificate", IDClientAuth: "refuses the client's own certificate"}},
		{name: "plain port open", server: serverConfig(good), peer: trust, plain: "open",
			want: map[string]Status{IDPlaintext: Fail}, msg: map[string]string{IDPlaintext: "accepts connections"}},
	}
	p := &TLSProber{Timeout: 2 * time.Second}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tg := target(mustServe(t, tt.server), tt.peer, tt.mutual)
			tg.PlainAddr = closedAddr(t)
			if tt.plain == "open" {
				tg.PlainAddr = mustListenPlain(t)
			}
			got := byCheck(p.Probe(context.Background(), tg))
			for _, id := range []string{IDHandshake, IDChain, IDHostname, IDValidity, IDVersions, IDCiphers, IDPlaintext} {
				if _, ok := got[id]; !ok {
					t.Errorf("no finding for %s", id)
				}
			}
			for id, f := range got {
				want, listed := tt.want[id]
				if !listed {
					want = Pass
				}
				if f.Status != want {
					t.Errorf("%s: %s (%s), want %s", id, f.Status, f.Message, want)
				}
				if sub := tt.msg[id]; sub != "" && !strings.Contains(f.Message, sub) {
					t.Errorf("%s: message %q lacks %q", id, f.Message, sub)
				}
				if (f.Status == Fail || f.Status == Warn) && f.Hint == "" {
					t.Errorf("%s: %s without a hint", id, f.Status)
				}
			}
		})
	}
}

func TestProbeNothingListening(t *testing.T) {
	p := &TLSProber{Timeout: time.Second}
	got := byCheck(p.Probe(context.Background(), target(closedAddr(t), Peer{}, false)))
	h := got[IDHandshake]
	if h.Status != Fail || !strings.Contains(h.Message, "nothing answers") ||
		!strings.Contains(h.Hint, "config/qdrouterd.json") {
		t.Errorf("handshake = %+v", h)
	}
	for _, id := range []string{IDChain, IDHostname, IDValidity, IDVersions, IDCiphers} {
		if got[id].Status != Skip {
			t.Errorf("%s = %s, want skip", id, got[id].Status)
		}
	}
}
