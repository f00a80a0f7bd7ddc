package mqtt

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/honoctl/honoctl/internal/sim/tlsconf/testpki"
)

// recorder accepts sensor1@DEFAULT_TENANT/hono-secret and records what is
// published; a topic "fail" is not acknowledged, "close" closes.
type recorder struct {
	mu        sync.Mutex
	published []*Publish
	got       chan *Publish
}

func (r *recorder) Connect(_ context.Context, c *Conn, p *Connect) ConnackCode {
	if c.Username != "sensor1@DEFAULT_TENANT" || string(p.Password) != "hono-secret" {
		return RefusedBadUsernamePassword
	}
	return Accepted
}

func (r *recorder) Publish(_ context.Context, _ *Conn, p *Publish) error {
	switch p.Topic {
	case "fail":
		return errors.New("downstream has no credit")
	case "close":
		return ErrClose
	}
	r.mu.Lock()
	r.published = append(r.published, p)
	r.mu.Unlock()
	r.got <- p
	return nil
}

type testServer struct {
	addr string
	pki  *testpki.PKI
	rec  *recorder
}

// startTLS runs a Server over TLS with a certificate for localhost.
func startTLS(t *testing.T) *testServer {
	t.Helper()
	pki := testpki.New(t)
	leaf := pki.Leaf(t, "mqtt-adapter", []string{"localhost"})
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{leaf.Pair(t)}})
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{got: make(chan *Publish, 16)}
	srv := &Server{Handler: rec}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Error("Serve did not return after cancel")
		}
	})
	return &testServer{addr: ln.Addr().String(), pki: pki, rec: rec}
}

func (s *testServer) port() string { _, p, _ := net.SplitHostPort(s.addr); return p }

func (s *testServer) paho(t *testing.T, user, pass string) (paho.Client, error) {
	t.Helper()
	roots, err := loadRoots(s.pki.TrustedCerts)
	if err != nil {
		t.Fatal(err)
	}
	opts := paho.NewClientOptions().AddBroker("ssl://localhost:" + s.port()).
		SetClientID("paho-" + t.Name()).SetUsername(user).SetPassword(pass).
		SetTLSConfig(&tls.Config{RootCAs: roots}).SetAutoReconnect(false).
		SetConnectRetry(false).SetKeepAlive(time.Second).SetPingTimeout(time.Second)
	c := paho.NewClient(opts)
	tok := c.Connect()
	if !tok.WaitTimeout(5 * time.Second) {
		t.Fatal("paho connect timed out")
	}
	if tok.Error() == nil {
		t.Cleanup(func() { c.Disconnect(100) })
	}
	return c, tok.Error()
}

func TestPahoPublish(t *testing.T) {
	s := startTLS(t)
	c, err := s.paho(t, "sensor1@DEFAULT_TENANT", "hono-secret")
	if err != nil {
		t.Fatal(err)
	}
	for qos := byte(0); qos <= 1; qos++ {
		tok := c.Publish("telemetry", qos, false, `{"temp": 5}`)
		if !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
			t.Fatalf("QoS %d publish: %v", qos, tok.Error())
		}
		select {
		case p := <-s.rec.got:
			if p.QoS != qos || p.Topic != "telemetry" || string(p.Payload) != `{"temp": 5}` {
				t.Errorf("received %+v", p)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("QoS %d: nothing received", qos)
		}
	}

	// A QoS 1 message the handler could not forward gets no PUBACK.
	tok := c.Publish("fail", 1, false, "x")
	if tok.WaitTimeout(500 * time.Millisecond) {
		t.Errorf("an unforwarded QoS 1 message was acknowledged (err %v)", tok.Error())
	}

	// Keep-alive of 1 s: paho pings, the server answers, the link stays.
	time.Sleep(2500 * time.Millisecond)
	if !c.IsConnectionOpen() {
		t.Error("connection dropped although paho pinged")
	}

	sub := c.Subscribe("control/+/+/req/#", 0, nil)
	if !sub.WaitTimeout(5*time.Second) || sub.Error() != nil {
		t.Fatalf("subscribe: %v", sub.Error())
	}
	if codes := sub.(*paho.SubscribeToken).Result(); codes["control/+/+/req/#"] != 0x80 {
		t.Errorf("SUBACK = %v, want 0x80 (refused): the adapter delivers no commands", codes)
	}
}

func TestPahoBadPassword(t *testing.T) {
	s := startTLS(t)
	_, err := s.paho(t, "sensor1@DEFAULT_TENANT", "wrong")
	if err == nil || !strings.Contains(err.Error(), "bad user name or password") {
		t.Errorf("err = %v, want paho's bad user name or password", err)
	}
}

func mosquitto(t *testing.T, name string, args ...string) (string, error) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		t.Fatalf("%s not found: install Debian package mosquitto-clients", name)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, name, args...).CombinedOutput()
	return string(out), err
}

func TestMosquittoPub(t *testing.T) {
	s := startTLS(t)
	common := []string{"-h", "localhost", "-p", s.port(), "--cafile", s.pki.TrustedCerts, "-i", "mosq"}
	for _, qos := range []string{"0", "1"} {
		args := append(common, "-u", "sensor1@DEFAULT_TENANT", "-P", "hono-secret",
			"-t", "event", "-q", qos, "-m", "hello "+qos)
		if out, err := mosquitto(t, "mosquitto_pub", args...); err != nil {
			t.Fatalf("mosquitto_pub -q %s: %v\n%s", qos, err, out)
		}
		select {
		case p := <-s.rec.got:
			if strconv.Itoa(int(p.QoS)) != qos || string(p.Payload) != "hello "+qos {
				t.Errorf("received %+v", p)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("nothing received")
		}
	}

	out, err := mosquitto(t, "mosquitto_pub", append(common, "-u", "sensor1@DEFAULT_TENANT", "-P", "nope",
		"-t", "event", "-m", "x")...)
	if err == nil || !strings.Contains(out, "bad user name or password") {
		t.Errorf("bad password: err %v, output %q", err, out)
	}

	// Without the CA, mosquitto_pub refuses the server's certificate.
	out, err = mosquitto(t, "mosquitto_pub", "-h", "localhost", "-p", s.port(),
		"--capath", t.TempDir(), "-t", "event", "-m", "x")
	if err == nil {
		t.Errorf("untrusted server accepted by mosquitto_pub: %s", out)
	}

	out, err = mosquitto(t, "mosquitto_sub", append(common, "-u", "sensor1@DEFAULT_TENANT", "-P", "hono-secret",
		"-t", "control/#", "-C", "1", "-W", "3")...)
	if !strings.Contains(out, "All subscription requests were denied") {
		t.Errorf("mosquitto_sub: err %v, output %q; want the subscription denied", err, out)
	}
}

func TestServerProtocolRules(t *testing.T) {
	s := startTLS(t)
	roots, _ := loadRoots(s.pki.TrustedCerts)
	dial := func(t *testing.T) (*tls.Conn, *bufio.Reader) {
		c, err := tls.Dial("tcp", s.addr, &tls.Config{RootCAs: roots, ServerName: "localhost"})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		c.SetDeadline(time.Now().Add(5 * time.Second))
		return c, bufio.NewReader(c)
	}
	connack := func(t *testing.T, r *bufio.Reader) []byte {
		b := make([]byte, 4)
		if _, err := r.Read(b); err != nil {
			t.Fatalf("read CONNACK: %v", err)
		}
		return b
	}
	closed := func(t *testing.T, r *bufio.Reader) {
		t.Helper()
		if _, err := r.ReadByte(); err == nil {
			t.Error("server kept the connection open")
		}
	}

	t.Run("protocol level 5 refused", func(t *testing.T) {
		c, r := dial(t)
		c.Write(connectPacket("x", "", "", 0, 5))
		if b := connack(t, r); b[3] != byte(RefusedProtocolVersion) {
			t.Errorf("CONNACK %x", b)
		}
		closed(t, r)
	})
	t.Run("first packet not CONNECT", func(t *testing.T) {
		c, r := dial(t)
		c.Write([]byte{0xc0, 0x00})
		closed(t, r)
	})
	t.Run("keep-alive missed", func(t *testing.T) {
		c, r := dial(t)
		c.Write(connectPacket("x", "sensor1@DEFAULT_TENANT", "hono-secret", 1, 4))
		if b := connack(t, r); b[3] != byte(Accepted) {
			t.Fatalf("CONNACK %x", b)
		}
		start := time.Now()
		closed(t, r)
		if d := time.Since(start); d < time.Second || d > 3*time.Second {
			t.Errorf("closed after %v, want about 1.5 s", d)
		}
	})
	t.Run("QoS 2 is not acknowledged", func(t *testing.T) {
		c, r := dial(t)
		c.Write(connectPacket("x", "sensor1@DEFAULT_TENANT", "hono-secret", 0, 4))
		connack(t, r)
		b, _ := EncodePublish(&Publish{Topic: "fail", QoS: 2, PacketID: 1})
		c.Write(b)
		c.Write([]byte{0xc0, 0x00}) // PINGREQ: the next packet must be PINGRESP, not PUBREC
		resp := make([]byte, 2)
		if _, err := io.ReadFull(r, resp); err != nil || resp[0] != 0xd0 {
			t.Errorf("after a QoS 2 PUBLISH and a PINGREQ got %x, %v; want PINGRESP only", resp, err)
		}
	})
	t.Run("ErrClose closes", func(t *testing.T) {
		c, r := dial(t)
		c.Write(connectPacket("x", "sensor1@DEFAULT_TENANT", "hono-secret", 0, 4))
		connack(t, r)
		b, _ := EncodePublish(&Publish{Topic: "close", QoS: 1, PacketID: 1})
		c.Write(b)
		closed(t, r)
	})
}
