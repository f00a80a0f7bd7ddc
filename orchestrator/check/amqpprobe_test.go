package check

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/honoctl/honoctl/orchestrator/render"
	"github.com/honoctl/honoctl/orchestrator/topology"
)

// TestAMQPLinksAsTheirClients logs in on every kind of AMQP link the way
// its client does, against the in-process Auth Server and router.
func TestAMQPLinksAsTheirClients(t *testing.T) {
	s := newSimStack(t)
	s.runAuthAndRouter(t)
	p := &AMQPProber{}
	pass4 := map[string]Status{IDAMQPSASL: Pass, IDAMQPOpen: Pass, IDAMQPAttach: Pass, IDAuthToken: Pass}
	pass3 := map[string]Status{IDAMQPSASL: Pass, IDAMQPOpen: Pass, IDAMQPAttach: Pass}
	tests := []struct {
		name   string
		target AMQPTarget
		want   map[string]Status
	}{
		{"messaging to auth: delegated PLAIN, cbs, token",
			s.target(t, topology.ChannelMessagingAuth, "hono-service-messaging", s.auth), pass4},
		{"registry to auth",
			s.target(t, topology.ChannelRegistryAuth, "hono-service-device-registry", s.auth), pass4},
		{"router to auth: qdrouter's certificate, ADDRESS-AUTHZ",
			s.target(t, topology.ChannelAppRouter, "hono-dispatch-router", s.auth),
			map[string]Status{IDAMQPSASL: Pass, IDAMQPOpen: Pass}},
		{"messaging to router 5673: EXTERNAL on hono-internal",
			s.target(t, topology.ChannelMessagingRouter, "hono-service-messaging", s.internal), pass3},
		{"application to router 5671: consumer@HONO",
			s.target(t, topology.ChannelAppRouter, topology.ClientApplication, s.external), pass3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := p.Probe(probeCtx(t), tt.target)
			wantStatus(t, findingsByCheck(t, fs), tt.want)
			noSecrets(t, fs, "http-secret", AppPassword)
		})
	}
}

// TestAMQPWrongPassword: the application's password is not the one
// permissions.json holds for consumer@HONO; the router (through the Auth
// Server) refuses PLAIN and the hint names both places.
func TestAMQPWrongPassword(t *testing.T) {
	s := newSimStack(t)
	s.runAuthAndRouter(t)
	tg := s.target(t, topology.ChannelAppRouter, topology.ClientApplication, s.external)
	tg.Password = "not-the-secret"
	fs := (&AMQPProber{}).Probe(probeCtx(t), tg)
	m := findingsByCheck(t, fs)
	wantStatus(t, m, map[string]Status{IDAMQPSASL: Fail, IDAMQPOpen: Skip, IDAMQPAttach: Skip})
	f := m[IDAMQPSASL]
	if !strings.Contains(f.Message, "SASL outcome auth") || !strings.Contains(f.Hint, "hono.client") ||
		!strings.Contains(f.Hint, filepath.Join("config", "permissions.json")) {
		t.Errorf("finding %q, hint %q", f.Message, f.Hint)
	}
	noSecrets(t, fs, "not-the-secret")
}

// TestAMQPCredentialsFile: the credentials file a client reads is where
// its PLAIN password comes from, and a wrong one is refused with the file
// in the hint. (The adapter -> Hono Messaging link, against the Auth
// Server, which checks the same users.)
func TestAMQPCredentialsFile(t *testing.T) {
	s := newSimStack(t)
	s.runAuthAndRouter(t)
	creds := filepath.Join(s.Dir, render.ConfigDir, "http-adapter.credentials")
	if err := os.WriteFile(creds, []byte("username=http-adapter@HONO\npassword=not-the-secret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tg := s.target(t, topology.ChannelAdapterMessaging, "hono-adapter-http-vertx", s.auth)
	if tg.Password != "not-the-secret" || tg.CredentialsFrom != filepath.Join("config", "http-adapter.credentials") {
		t.Fatalf("target user %s from %s", tg.User, tg.CredentialsFrom)
	}
	tg.TLS = tg.TLS.Clone()
	tg.TLS.ServerName = "hono-service-auth.hono"
	tg.Attach, tg.Address = AttachToken, "cbs"
	fs := (&AMQPProber{}).Probe(probeCtx(t), tg)
	m := findingsByCheck(t, fs)
	wantStatus(t, m, map[string]Status{IDAMQPSASL: Fail, IDAMQPOpen: Skip, IDAMQPAttach: Skip, IDAuthToken: Skip})
	if h := m[IDAMQPSASL].Hint; !strings.Contains(h, filepath.Join("config", "http-adapter.credentials")) {
		t.Errorf("hint %q", h)
	}
	noSecrets(t, fs, "not-the-secret")

	// The Auth Server's own links keep the user as permissions.json has it.
	if tg := s.target(t, topology.ChannelMessagingAuth, "hono-service-messaging", s.auth); tg.Password != "http-secret" {
		t.Errorf("messaging -> auth probes with the credentials file's password")
	}
}

// TestAMQPWrongVhost: Hono Messaging's amqpHostname names no vhost of the
// router. Like qdrouterd, the router opens the connection under its
// defaultVhost's policy, which refuses the telemetry sender; the hint
// names the setting.
func TestAMQPWrongVhost(t *testing.T) {
	s := newSimStack(t)
	s.runAuthAndRouter(t)
	tg := s.target(t, topology.ChannelMessagingRouter, "hono-service-messaging", s.internal)
	tg.HostName = "hono-nowhere"
	m := findingsByCheck(t, (&AMQPProber{}).Probe(probeCtx(t), tg))
	wantStatus(t, m, map[string]Status{IDAMQPSASL: Pass, IDAMQPOpen: Pass, IDAMQPAttach: Fail})
	if h := m[IDAMQPAttach].Hint; !strings.Contains(h, "hono.downstream.amqpHostname") ||
		!strings.Contains(h, "hono-service-messaging-config.yml") {
		t.Errorf("hint %q", h)
	}
}

// TestAMQPNoClientCertOnInternal: EXTERNAL without a certificate at 5673.
// The router requires one (sslProfile internal), so the TLS handshake
// fails: the AMQP checks skip and point at tls.handshake, which fails.
func TestAMQPNoClientCertOnInternal(t *testing.T) {
	s := newSimStack(t)
	s.runAuthAndRouter(t)
	tg := s.target(t, topology.ChannelMessagingRouter, "hono-service-messaging", s.internal)
	tg.TLS = tg.TLS.Clone()
	tg.TLS.Certificates = nil
	m := findingsByCheck(t, (&AMQPProber{}).Probe(probeCtx(t), tg))
	f := m[IDAMQPSASL]
	if f.Status != Skip || !strings.Contains(f.Message, "tls.handshake") {
		t.Errorf("amqp.sasl without a client certificate: %s %q", f.Status, f.Message)
	}
	if m[IDAMQPAttach].Status == Pass {
		t.Error("a link attached without a client certificate")
	}
}

// TestAMQPAttachRefused: the application's user may not read the
// registration address; the router refuses the link.
func TestAMQPAttachRefused(t *testing.T) {
	s := newSimStack(t)
	s.runAuthAndRouter(t)
	tg := s.target(t, topology.ChannelAppRouter, topology.ClientApplication, s.external)
	tg.Address = "registration/DEFAULT_TENANT"
	m := findingsByCheck(t, (&AMQPProber{}).Probe(probeCtx(t), tg))
	wantStatus(t, m, map[string]Status{IDAMQPSASL: Pass, IDAMQPOpen: Pass, IDAMQPAttach: Fail})
}

// TestAuthTokenOtherKey: the validation certificate is not the Auth
// Server's; the token's signature does not verify and the hint names
// hono.auth.validation.certPath.
func TestAuthTokenOtherKey(t *testing.T) {
	s := newSimStack(t)
	s.runAuthAndRouter(t)
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	for name, key := range map[string]any{"RSA key of another": rsaKey, "ECDSA key": ecKey} {
		t.Run(name, func(t *testing.T) {
			tg := s.target(t, topology.ChannelMessagingAuth, "hono-service-messaging", s.auth)
			tg.TokenCert = selfSigned(t, key)
			m := findingsByCheck(t, (&AMQPProber{}).Probe(probeCtx(t), tg))
			wantStatus(t, m, map[string]Status{IDAMQPSASL: Pass, IDAMQPOpen: Pass, IDAMQPAttach: Pass, IDAuthToken: Fail})
			if h := m[IDAuthToken].Hint; !strings.Contains(h, "hono.auth.validation.certPath") ||
				!strings.Contains(h, filepath.Join("certs", "auth-server-cert.pem")) {
				t.Errorf("hint %q", h)
			}
		})
	}
}

func selfSigned(t *testing.T, key any) *x509.Certificate {
	t.Helper()
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "auth-server"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	var pub any
	switch k := key.(type) {
	case *rsa.PrivateKey:
		pub = &k.PublicKey
	case *ecdsa.PrivateKey:
		pub = &k.PublicKey
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
