package adapter

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/honoctl/honoctl/internal/sim/health"
	"github.com/honoctl/honoctl/internal/sim/tlsconf/testpki"
	"github.com/honoctl/honoctl/orchestrator/topology"
)

type mqttFixture struct {
	pki  *testpki.PKI
	reg  *fakeRegistry
	down *fakeDownstream
	run  *running
	port string
}

func startMQTT(t *testing.T, kura bool) *mqttFixture {
	t.Helper()
	f := &mqttFixture{pki: testpki.New(t), reg: newFakeRegistry(t), down: newFakeDownstream()}
	role, prefix, name := topology.RoleMQTTAdapter, "mqtt", "mqtt-adapter"
	if kura {
		role, prefix, name = topology.RoleKuraAdapter, "kura", "kura-adapter"
	}
	leaf := f.pki.Leaf(t, name, []string{"localhost"})
	cfg := adapterConfig(t, role, serverYAML(prefix, leaf, ""))
	var k *Kura
	if kura {
		k = DefaultKura()
	}
	f.run = start(t, func(ctx context.Context, st *health.Status, log *slog.Logger) error {
		return runMQTT(ctx, "hono."+prefix, k, cfg, st, log, runOptions{peers: &Peers{f.reg, f.down}, anyPort: true})
	})
	f.port = f.run.port(t, "hono."+prefix+" (TLS)")
	return f
}

func (f *mqttFixture) paho(t *testing.T, user, pass string) (paho.Client, error) {
	t.Helper()
	pem, err := os.ReadFile(f.pki.TrustedCerts)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(pem)
	opts := paho.NewClientOptions().AddBroker("ssl://localhost:" + f.port).SetClientID("paho").
		SetUsername(user).SetPassword(pass).SetTLSConfig(&tls.Config{RootCAs: roots}).
		SetAutoReconnect(false).SetConnectRetry(false)
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

func publish(t *testing.T, c paho.Client, topic string, qos byte, payload string) error {
	t.Helper()
	tok := c.Publish(topic, qos, false, payload)
	if !tok.WaitTimeout(3 * time.Second) {
		return fmt.Errorf("no PUBACK within 3 s")
	}
	return tok.Error()
}

func TestMQTTAdapterWithPaho(t *testing.T) {
	f := startMQTT(t, false)
	c, err := f.paho(t, "sensor1@DEFAULT_TENANT", "hono-secret")
	if err != nil {
		t.Fatal(err)
	}
	if err := publish(t, c, "telemetry", 0, `{"temp": 5}`); err != nil {
		t.Fatal(err)
	}
	m := f.down.next(t)
	if m.Address() != "telemetry/DEFAULT_TENANT" || m.DeviceID != "4711" || m.OrigAdapter != "hono-mqtt" ||
		m.OrigAddress != "telemetry" || m.ContentType != "application/vnd.bumlux" || m.Assertion == "" {
		t.Errorf("telemetry message = %+v", m)
	}
	if err := publish(t, c, "event/DEFAULT_TENANT/4711", 1, "e"); err != nil {
		t.Fatal(err)
	}
	if m := f.down.next(t); m.Address() != "event/DEFAULT_TENANT" || m.DeviceID != "4711" {
		t.Errorf("event message = %+v", m)
	}

	// Nothing consumes: the QoS 1 message is not acknowledged, and the
	// connection stays.
	f.down.fail(ErrNoCredit)
	if err := publish(t, c, "telemetry", 1, "x"); err == nil {
		t.Error("a message that was not forwarded got a PUBACK")
	}
	if !c.IsConnectionOpen() {
		t.Error("no credit should not close the connection")
	}
}

func TestMQTTAdapterRefusals(t *testing.T) {
	f := startMQTT(t, false)
	// Hono 0.7's codes: a wrong password is a client error, "not
	// authorized"; no credentials at all are "bad user name or password".
	for _, tt := range []struct{ user, pass, want string }{
		{"sensor1@DEFAULT_TENANT", "wrong", "not Authorized"},
		{"nobody@DEFAULT_TENANT", "x", "not Authorized"},
		{"sensor1@HTTP_TENANT", "hono-secret", "not Authorized"}, // tenant disables hono-mqtt
		{"sensor1", "hono-secret", "bad user name or password"},
		{"", "", "bad user name or password"},
	} {
		if _, err := f.paho(t, tt.user, tt.pass); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("CONNECT as %q/%q: %v, want %q", tt.user, tt.pass, err, tt.want)
		}
	}

	// Messages Hono refuses are discarded without PUBACK; the connection
	// stays, as in Hono 0.7.
	c, err := f.paho(t, "sensor1@DEFAULT_TENANT", "hono-secret")
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name, topic string
		qos         byte
	}{
		{"event with QoS 0", "event", 0},
		{"unknown endpoint", "control/x", 1},
		{"other tenant", "telemetry/HTTP_TENANT/4711", 1},
		{"device not behind the gateway", "telemetry/DEFAULT_TENANT/gw-1", 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if err := publish(t, c, tt.topic, tt.qos, "x"); tt.qos == 1 && err == nil {
				t.Errorf("%q: a refused message got a PUBACK", tt.topic)
			}
			if !c.IsConnectionOpen() {
				t.Fatalf("%q: the connection closed", tt.topic)
			}
		})
	}
	select {
	case m := <-f.down.got:
		t.Errorf("a refused message was forwarded: %+v", m)
	default:
	}
	if err := publish(t, c, "telemetry", 1, "after"); err != nil {
		t.Errorf("the connection should still work: %v", err)
	}
	f.down.next(t)
}

func TestMQTTAdapterWithMosquitto(t *testing.T) {
	f := startMQTT(t, false)
	out, err := peerTool(t, "mosquitto-clients", "mosquitto_pub", "-h", "localhost", "-p", f.port,
		"--cafile", f.pki.TrustedCerts, "-u", "sensor1@DEFAULT_TENANT", "-P", "hono-secret",
		"-t", "event", "-q", "1", "-m", `{"temp": 7}`)
	if err != nil {
		t.Fatalf("mosquitto_pub: %v\n%s", err, out)
	}
	if m := f.down.next(t); m.Endpoint != "event" || string(m.Payload) != `{"temp": 7}` {
		t.Errorf("message = %+v", m)
	}
	out, err = peerTool(t, "mosquitto-clients", "mosquitto_pub", "-h", "localhost", "-p", f.port,
		"--cafile", f.pki.TrustedCerts, "-u", "sensor1@DEFAULT_TENANT", "-P", "nope", "-t", "event", "-m", "x")
	if err == nil || !strings.Contains(out, "not authorised") {
		t.Errorf("bad password: %v %q", err, out)
	}
}

func TestKuraAdapter(t *testing.T) {
	f := startMQTT(t, true)
	c, err := f.paho(t, "gw@DEFAULT_TENANT", "gw-secret")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		topic    string
		qos      byte
		endpoint string
		device   string
		ct       string
	}{
		{"DEFAULT_TENANT/gw-1/heater/data", 0, "telemetry", "gw-1", "application/vnd.eclipse.kura-data"},
		{"DEFAULT_TENANT/4712/heater/data", 1, "event", "4712", "application/vnd.eclipse.kura-data"},
		{"$EDC/DEFAULT_TENANT/gw-1/MQTT/BIRTH", 1, "event", "gw-1", "application/vnd.eclipse.kura-control"},
	}
	for _, tt := range tests {
		if err := publish(t, c, tt.topic, tt.qos, "kura"); err != nil {
			t.Fatalf("%s: %v", tt.topic, err)
		}
		m := f.down.next(t)
		if m.Endpoint != tt.endpoint || m.Tenant != "DEFAULT_TENANT" || m.DeviceID != tt.device ||
			m.ContentType != tt.ct || m.OrigAdapter != "hono-kura-mqtt" || m.OrigAddress != tt.topic {
			t.Errorf("%s: message = %+v", tt.topic, m)
		}
	}
}

func TestKuraTopics(t *testing.T) {
	k := DefaultKura()
	for _, bad := range []string{"DEFAULT_TENANT", "$EDC/DEFAULT_TENANT", "/x/y"} {
		if _, _, _, _, err := k.mapTopic(bad, 0); err == nil || !strings.Contains(err.Error(), "Kura format") {
			t.Errorf("mapTopic(%q) = %v, want a Kura format error", bad, err)
		}
	}
}

func TestAdapterDisabledForTenant(t *testing.T) {
	reg := newFakeRegistry(t)
	for adapterType, want := range map[string]bool{"hono-http": true, "hono-mqtt": false, "hono-kura-mqtt": false} {
		m := &Message{Endpoint: "telemetry", Tenant: "HTTP_TENANT", DeviceID: "x", OrigAdapter: adapterType}
		err := prepare(context.Background(), reg, m, "")
		if disabled := errors.Is(err, ErrAdapterDisabled); disabled == want {
			t.Errorf("%s in HTTP_TENANT: err %v, want enabled=%v", adapterType, err, want)
		}
	}
}

// TestMQTTOpensLinksAtConnect: the tenant's links are opened before the
// CONNACK, and a downstream that cannot open them refuses the device.
func TestMQTTOpensLinksAtConnect(t *testing.T) {
	f := startMQTT(t, false)
	if _, err := f.paho(t, "sensor1@DEFAULT_TENANT", "hono-secret"); err != nil {
		t.Fatal(err)
	}
	f.down.mu.Lock()
	opened := append([]string{}, f.down.opened...)
	f.down.openErr = fmt.Errorf("attach: %w", ErrUnavailable)
	f.down.mu.Unlock()
	if strings.Join(opened, ",") != "telemetry/DEFAULT_TENANT,event/DEFAULT_TENANT" {
		t.Errorf("opened %q before CONNACK", opened)
	}
	if _, err := f.paho(t, "sensor1@DEFAULT_TENANT", "hono-secret"); err == nil ||
		!strings.Contains(err.Error(), "server Unavailable") {
		t.Errorf("downstream down: %v, want CONNACK server unavailable", err)
	}
}
