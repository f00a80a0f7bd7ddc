package tlsconf

import (
	"crypto/tls"
	"net"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/honoctl/honoctl/internal/sim/config"
	"github.com/honoctl/honoctl/internal/sim/tlsconf/testpki"
)

// handshake runs a server with srv and a client with cli over loopback and
// returns both sides' errors.
func handshake(t *testing.T, srv, cli *tls.Config) (serverErr, clientErr error) {
	t.Helper()
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	failed := make(chan error, 1)
	l := NewListener(inner, srv, func(_ net.Addr, err error) { failed <- err })
	t.Cleanup(func() { l.Close() })
	accepted := make(chan net.Conn, 1)
	go func() {
		if c, err := l.Accept(); err == nil {
			accepted <- c
		}
	}()

	d := &net.Dialer{Timeout: 5 * time.Second}
	c, clientErr := tls.DialWithDialer(d, "tcp", l.Addr().String(), cli)
	if clientErr == nil {
		// TLS 1.3 clients finish before the server has checked their
		// certificate; a read shows the server's verdict.
		c.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
		_, rerr := c.Read(make([]byte, 1))
		if ne, ok := rerr.(net.Error); !ok || !ne.Timeout() {
			clientErr = rerr
		}
		c.Close()
	}
	select {
	case serverErr = <-failed:
	case c := <-accepted:
		c.Close()
	case <-time.After(5 * time.Second):
		t.Fatal("server side: neither accepted nor failed")
	}
	return serverErr, clientErr
}

type fixture struct {
	pki             *testpki.PKI
	server, client  testpki.Leaf
	srvTLS          *config.TLS
	cliConf         *config.ClientConfig
	otherPKI        *testpki.PKI
	expired, notYet testpki.Leaf
}

func newFixture(t *testing.T) *fixture {
	f := &fixture{pki: testpki.New(t), otherPKI: testpki.New(t)}
	f.server = f.pki.Leaf(t, "auth-server", []string{"hono-service-auth.hono", "localhost"})
	f.client = f.pki.Leaf(t, "hono-messaging", nil)
	f.expired = f.pki.Leaf(t, "expired", []string{"hono-service-auth.hono"}, testpki.Expired())
	f.notYet = f.pki.Leaf(t, "not-yet", []string{"hono-service-auth.hono"}, testpki.NotYetValid())
	f.srvTLS = &config.TLS{KeyPath: f.server.KeyPath, CertPath: f.server.CertPath, SecureProtocols: []string{"TLSv1.2"}}
	f.cliConf = config.NewClientConfig()
	f.cliConf.Host = "hono-service-auth.hono"
	f.cliConf.TrustStorePath = f.pki.TrustedCerts
	return f
}

func mustServer(t *testing.T, tlsc *config.TLS, auth ClientAuth) (*tls.Config, Summary) {
	t.Helper()
	c, s, err := Server("hono.auth.amqp", tlsc, auth)
	if err != nil {
		t.Fatal(err)
	}
	return c, s
}

func mustClient(t *testing.T, c *config.ClientConfig) (*tls.Config, Summary) {
	t.Helper()
	cfg, s, err := Client("hono.auth", c)
	if err != nil {
		t.Fatal(err)
	}
	return cfg, s
}

func TestHandshakes(t *testing.T) {
	f := newFixture(t)
	withCert := func(c *config.ClientConfig) { c.KeyPath, c.CertPath = f.client.KeyPath, f.client.CertPath }
	tests := []struct {
		name       string
		server     func(*config.TLS) ClientAuth
		client     func(*config.ClientConfig)
		wantServer Cause
		wantClient Cause
	}{
		{name: "trusted server, right name", client: func(*config.ClientConfig) {}},
		{name: "unknown authority", client: func(c *config.ClientConfig) { c.TrustStorePath = f.otherPKI.TrustedCerts },
			wantServer: CauseBadCertificate, wantClient: CauseUnknownAuthority},
		{name: "host name mismatch", client: func(c *config.ClientConfig) { c.Host = "hono-service-messaging.hono" },
			wantServer: CauseBadCertificate, wantClient: CauseHostname},
		{name: "host name not verified when disabled", client: func(c *config.ClientConfig) {
			c.Host, c.HostnameVerificationRequired = "elsewhere.hono", false
		}},
		{name: "chain still verified when host names are not", client: func(c *config.ClientConfig) {
			c.Host, c.HostnameVerificationRequired, c.TrustStorePath = "elsewhere.hono", false, f.otherPKI.TrustedCerts
		}, wantServer: CauseBadCertificate, wantClient: CauseUnknownAuthority},
		{name: "expired server certificate", server: func(s *config.TLS) ClientAuth {
			s.KeyPath, s.CertPath = f.expired.KeyPath, f.expired.CertPath
			return ClientAuthAuto
		}, client: func(*config.ClientConfig) {}, wantServer: CauseBadCertificate, wantClient: CauseExpired},
		{name: "server certificate not yet valid", server: func(s *config.TLS) ClientAuth {
			s.KeyPath, s.CertPath = f.notYet.KeyPath, f.notYet.CertPath
			return ClientAuthAuto
		}, client: func(*config.ClientConfig) {}, wantServer: CauseBadCertificate, wantClient: CauseExpired},
		{name: "trust store requests, client without certificate accepted", server: func(s *config.TLS) ClientAuth {
			s.TrustStorePath = f.pki.TrustedCerts
			return ClientAuthAuto
		}, client: func(*config.ClientConfig) {}},
		{name: "required client certificate missing, TLS 1.2", server: func(s *config.TLS) ClientAuth {
			s.TrustStorePath = f.pki.TrustedCerts
			return ClientAuthRequire
		}, client: func(*config.ClientConfig) {}, wantServer: CauseNoClientCert, wantClient: CauseRefused},
		{name: "required client certificate missing, TLS 1.3", server: func(s *config.TLS) ClientAuth {
			s.TrustStorePath, s.SecureProtocols = f.pki.TrustedCerts, []string{"TLSv1.3"}
			return ClientAuthRequire
		}, client: func(c *config.ClientConfig) { c.SecureProtocols = []string{"TLSv1.3"} },
			wantServer: CauseNoClientCert, wantClient: CauseNoClientCert},
		{name: "required client certificate given", server: func(s *config.TLS) ClientAuth {
			s.TrustStorePath = f.pki.TrustedCerts
			return ClientAuthRequire
		}, client: withCert},
		{name: "client certificate from another CA", server: func(s *config.TLS) ClientAuth {
			s.TrustStorePath = f.otherPKI.TrustedCerts
			return ClientAuthAuto
		}, client: withCert, wantServer: CauseUnknownAuthority, wantClient: CauseUnknownAuthority},
		{name: "no common protocol version", server: func(s *config.TLS) ClientAuth {
			s.SecureProtocols = []string{"TLSv1.3"}
			return ClientAuthAuto
		}, client: func(*config.ClientConfig) {}, wantServer: CauseProtocolVersion, wantClient: CauseProtocolVersion},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srvTLS := *f.srvTLS
			auth := ClientAuthAuto
			if tt.server != nil {
				auth = tt.server(&srvTLS)
			}
			cli := *f.cliConf
			tt.client(&cli)
			srvCfg, _ := mustServer(t, &srvTLS, auth)
			cliCfg, _ := mustClient(t, &cli)
			serverErr, clientErr := handshake(t, srvCfg, cliCfg)
			if got := Classify(clientErr); got != tt.wantClient {
				t.Errorf("client side: cause %q, want %q (err: %v)", got, tt.wantClient, clientErr)
			}
			if got := Classify(serverErr); got != tt.wantServer {
				t.Errorf("server side: cause %q, want %q (err: %v)", got, tt.wantServer, serverErr)
			}
		})
	}
}

func TestClientCertOnlyWithoutCredentials(t *testing.T) {
	f := newFixture(t)
	c := *f.cliConf
	c.KeyPath, c.CertPath = f.client.KeyPath, f.client.CertPath
	cfg, sum := mustClient(t, &c)
	if len(cfg.Certificates) != 1 || sum.ClientAuth != "sent" {
		t.Errorf("no credentials: want the certificate sent (SASL EXTERNAL), got %d, %q", len(cfg.Certificates), sum.ClientAuth)
	}
	c.Username, c.Password = "hono-client@HONO", "secret"
	cfg, sum = mustClient(t, &c)
	if len(cfg.Certificates) != 0 || sum.ClientAuth != "none" {
		t.Errorf("with PLAIN credentials Hono sends no certificate; got %d, %q", len(cfg.Certificates), sum.ClientAuth)
	}
}

func TestSummary(t *testing.T) {
	f := newFixture(t)
	srv := *f.srvTLS
	srv.TrustStorePath = f.pki.TrustedCerts
	_, sum := mustServer(t, &srv, ClientAuthAuto)
	line := attrLine(sum.Attrs())
	for _, want := range []string{"key=" + f.server.KeyPath, "cert=" + f.server.CertPath,
		"trust=" + f.pki.TrustedCerts, "protocols=TLSv1.2", "client_auth=request",
		"engine=Go crypto/tls (hono-sim stand-in)"} {
		if !strings.Contains(line, want) {
			t.Errorf("server summary %q lacks %q", line, want)
		}
	}
	cli := *f.cliConf
	cli.Password = "verysecret"
	_, sum = mustClient(t, &cli)
	line = attrLine(sum.Attrs())
	if strings.Contains(line, "verysecret") || !strings.Contains(line, "verify=chain and host name hono-service-auth.hono") {
		t.Errorf("client summary %q", line)
	}
}

func attrLine(attrs []any) string {
	var b strings.Builder
	for i := 0; i+1 < len(attrs); i += 2 {
		b.WriteString(attrs[i].(string) + "=" + attrs[i+1].(string) + " ")
	}
	return b.String()
}

func TestConfigErrors(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		name string
		edit func(*config.TLS)
		auth ClientAuth
		want string
	}{
		{"no key material", func(s *config.TLS) { s.KeyPath, s.CertPath = "", "" }, ClientAuthAuto, "no key material"},
		{"empty protocol list", func(s *config.TLS) { s.SecureProtocols = nil }, ClientAuthAuto, "secureProtocols is empty"},
		{"SSLv3", func(s *config.TLS) { s.SecureProtocols = []string{"SSLv3"} }, ClientAuthAuto, `"SSLv3" is not supported`},
		{"require without trust store", func(*config.TLS) {}, ClientAuthRequire, "no trust store is configured"},
		{"missing trust store", func(s *config.TLS) { s.TrustStorePath = "/no/such/trust.pem" }, ClientAuthAuto,
			"hono.auth.amqp: trust store: open /no/such/trust.pem"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := *f.srvTLS
			tt.edit(&s)
			if _, _, err := Server("hono.auth.amqp", &s, tt.auth); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want %q", err, tt.want)
			}
		})
	}
}

func TestVersions(t *testing.T) {
	min, max, err := Versions([]string{"TLSv1.3", "TLSv1.2"})
	if err != nil || min != tls.VersionTLS12 || max != tls.VersionTLS13 {
		t.Errorf("Versions = %x %x %v", min, max, err)
	}
}

// TestOpenSSLClient checks a Server configuration with a peer that is not
// Go: openssl s_client sees the protocol, and the CA names that request a
// client certificate.
func TestOpenSSLClient(t *testing.T) {
	if _, err := exec.LookPath("openssl"); err != nil {
		t.Fatal("openssl not found: install Debian package openssl")
	}
	f := newFixture(t)
	srv := *f.srvTLS
	srv.TrustStorePath = f.pki.TrustedCerts
	cfg, _ := mustServer(t, &srv, ClientAuthAuto)
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l := NewListener(inner, cfg, nil)
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	cmd := exec.Command("openssl", "s_client", "-connect", l.Addr().String(),
		"-servername", "hono-service-auth.hono", "-verify_hostname", "hono-service-auth.hono",
		"-CAfile", f.pki.TrustedCerts, "-verify_return_error", "-tls1_2")
	cmd.Stdin = strings.NewReader("")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("openssl s_client: %v\n%s", err, out)
	}
	for _, want := range []string{"Protocol  : TLSv1.2", "Verify return code: 0 (ok)",
		"Acceptable client certificate CA names", "CN = ca"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("s_client output lacks %q:\n%s", want, out)
		}
	}
}
