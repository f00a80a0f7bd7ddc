package messaging

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	goamqp "github.com/Azure/go-amqp"

	"github.com/honoctl/honoctl/internal/amqp"
	"github.com/honoctl/honoctl/internal/sim/auth"
	"github.com/honoctl/honoctl/internal/sim/config"
	"github.com/honoctl/honoctl/internal/sim/health"
	"github.com/honoctl/honoctl/internal/sim/hono"
	"github.com/honoctl/honoctl/internal/sim/hono/simtest"
	"github.com/honoctl/honoctl/internal/sim/router"
	"github.com/honoctl/honoctl/orchestrator/topology"
)

const demoSecret = "g#aWO!BUm7aj*#%X*VGXKFhxkhNrMNj0"

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func startAuth(t *testing.T, st *simtest.Stack) string {
	t.Helper()
	log := simtest.NewLogger(t)
	s, err := auth.New(st.Config(t, topology.RoleAuth, "hono-service-auth"), health.NewStatus(), log.Logger)
	if err != nil {
		t.Fatal(err)
	}
	ln := simtest.Listen(t)
	simtest.Run(t, func(ctx context.Context) error { return s.Serve(ctx, auth.Ports{Secure: ln}) })
	return ln.Addr().String()
}

// startRouter runs the router from qdrouterd.json; internal is the
// listener for 5673 (made by the caller so that its port can be chosen
// before the router runs). It returns the external address.
func startRouter(t *testing.T, st *simtest.Stack, authAddr string, internal net.Listener) string {
	t.Helper()
	cfg := st.Router(t)
	_, port, _ := net.SplitHostPort(authAddr)
	n, _ := strconv.Atoi(port)
	for name, p := range cfg.AuthServicePlugins {
		p.Host, p.Port = "localhost", config.Port(n)
		cfg.AuthServicePlugins[name] = p
	}
	log := simtest.NewLogger(t)
	r, err := router.New(cfg, health.NewStatus(), log.Logger)
	if err != nil {
		t.Fatal(err)
	}
	var lns []net.Listener
	external := ""
	for _, l := range cfg.Listeners {
		if l.Port == 5673 {
			lns = append(lns, internal)
			continue
		}
		ln := simtest.Listen(t)
		lns = append(lns, ln)
		external = ln.Addr().String()
	}
	simtest.Run(t, func(ctx context.Context) error { return r.Serve(ctx, lns) })
	return external
}

// startMessaging runs Hono Messaging with its hono.auth and
// hono.downstream blocks pointed at the given addresses.
func startMessaging(t *testing.T, st *simtest.Stack, authAddr, downstream string, env ...string) (*Server, string, *simtest.Logger) {
	t.Helper()
	_, aport, _ := net.SplitHostPort(authAddr)
	dhost, dport, _ := net.SplitHostPort(downstream)
	if dhost == "127.0.0.1" {
		dhost = "localhost"
	}
	env = append([]string{"HONO_AUTH_HOST=localhost", "HONO_AUTH_PORT=" + aport,
		"HONO_DOWNSTREAM_HOST=" + dhost, "HONO_DOWNSTREAM_PORT=" + dport}, env...)
	log := simtest.NewLogger(t)
	s, err := New(st.Config(t, topology.RoleMessaging, "hono-service-messaging", env...), health.NewStatus(), log.Logger)
	if err != nil {
		t.Fatal(err)
	}
	ln := simtest.Listen(t)
	simtest.Run(t, func(ctx context.Context) error { return s.Serve(ctx, auth.Ports{Secure: ln}) })
	return s, ln.Addr().String(), log
}

// chain is auth + router + messaging, with a consumer on the router.
type chain struct {
	st        *simtest.Stack
	messaging string
	consumer  *goamqp.Receiver
	srv       *Server
}

func newChain(t *testing.T, address string) *chain {
	t.Helper()
	st := simtest.NewStack(t)
	authAddr := startAuth(t, st)
	internal := simtest.Listen(t)
	external := startRouter(t, st, authAddr, internal)
	srv, addr, _ := startMessaging(t, st, authAddr, internal.Addr().String())
	waitDownstream(t, srv)
	if r, c := readiness(t, srv, "hono.downstream"); r.Outcome != "UP" || c.Data.TLS == nil {
		t.Errorf("readiness %s, downstream %+v; want UP with the TLS state", r.Outcome, c)
	}

	conn, err := goamqp.Dial(ctxT(t), "amqps://"+external, &goamqp.ConnOptions{
		TLSConfig: st.ClientTLS(t, "localhost", ""), SASLType: goamqp.SASLTypePlain("consumer@HONO", "verysecret")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	sess, err := conn.NewSession(ctxT(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	rcv, err := sess.NewReceiver(ctxT(t), address, &goamqp.ReceiverOptions{Credit: 20})
	if err != nil {
		t.Fatal(err)
	}
	return &chain{st: st, messaging: addr, consumer: rcv, srv: srv}
}

func waitDownstream(t *testing.T, s *Server) {
	t.Helper()
	end := time.Now().Add(5 * time.Second)
	for time.Now().Before(end) {
		if up, _ := s.Downstream(); up {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	_, err := s.Downstream()
	t.Fatalf("no downstream connection: %v", err)
}

// adapter connects to Hono Messaging as a protocol adapter does.
func (c *chain) adapter(t *testing.T) *goamqp.Session {
	t.Helper()
	conn, err := goamqp.Dial(ctxT(t), "amqps://"+c.messaging, &goamqp.ConnOptions{
		TLSConfig: c.st.ClientTLS(t, "localhost", ""), SASLType: goamqp.SASLTypePlain("kura-adapter@HONO", "kura-secret")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	sess, err := conn.NewSession(ctxT(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	return sess
}

func assertion(t *testing.T, tenant, device string) string {
	t.Helper()
	key, _ := hono.SecretKey(demoSecret)
	a, err := key.Assertion(tenant, device, time.Minute, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func deviceMessage(t *testing.T, device, regAssertion string) *goamqp.Message {
	ct := "application/json"
	props := map[string]any{"device_id": device, "orig_adapter": "hono-kura-mqtt"}
	if regAssertion != "" {
		props["reg_assertion"] = regAssertion
	}
	return &goamqp.Message{
		Properties:            &goamqp.MessageProperties{ContentType: &ct},
		ApplicationProperties: props,
		Data:                  [][]byte{[]byte(`{"temp": 5}`)},
	}
}

// TestTelemetryThroughMessaging: adapter -> Hono Messaging -> router ->
// application, every hop over TLS.
func TestTelemetryThroughMessaging(t *testing.T) {
	c := newChain(t, "telemetry/DEFAULT_TENANT")
	snd, err := c.adapter(t).NewSender(ctxT(t), "telemetry/DEFAULT_TENANT", nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := snd.Send(ctxT(t), deviceMessage(t, "4711", assertion(t, "DEFAULT_TENANT", "4711")), nil); err != nil {
		t.Fatal(err)
	}
	msg, err := c.consumer.Receive(ctxT(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	_ = c.consumer.AcceptMessage(ctxT(t), msg)
	if string(msg.GetData()) != `{"temp": 5}` {
		t.Errorf("body %q", msg.GetData())
	}
	if _, ok := msg.ApplicationProperties["reg_assertion"]; ok {
		t.Error("reg_assertion was forwarded to the application")
	}
	for k, want := range map[string]any{"tenant_id": "DEFAULT_TENANT", "device_id": "4711", "resource": "telemetry/DEFAULT_TENANT/4711"} {
		if got := msg.Annotations[k]; got != want {
			t.Errorf("annotation %s = %v, want %v", k, got, want)
		}
	}
}

func TestEventsThroughMessaging(t *testing.T) {
	c := newChain(t, "event/DEFAULT_TENANT")
	sess := c.adapter(t)
	settled := goamqp.SenderSettleModeSettled
	_, err := sess.NewSender(ctxT(t), "event/DEFAULT_TENANT", &goamqp.SenderOptions{SettlementMode: &settled})
	var e *goamqp.Error
	if !errors.As(err, &e) || e.Condition != "hono:unsupported-delivery-mode" {
		t.Errorf("pre-settled event link: err = %v, want hono:unsupported-delivery-mode", err)
	}
	snd, err := sess.NewSender(ctxT(t), "event/DEFAULT_TENANT", nil)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		done <- snd.Send(ctxT(t), deviceMessage(t, "4711", assertion(t, "DEFAULT_TENANT", "4711")), nil)
	}()
	msg, err := c.consumer.Receive(ctxT(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	_ = c.consumer.RejectMessage(ctxT(t), msg, &goamqp.Error{Condition: "amqp:resource-limit-exceeded"})
	if err := <-done; !errors.As(err, &e) || e.Condition != "amqp:resource-limit-exceeded" {
		t.Errorf("event outcome: err = %v, want the application's rejection", err)
	}
}

func TestMessageChecks(t *testing.T) {
	c := newChain(t, "telemetry/DEFAULT_TENANT")
	sess := c.adapter(t)
	snd, err := sess.NewSender(ctxT(t), "telemetry/DEFAULT_TENANT", nil)
	if err != nil {
		t.Fatal(err)
	}
	good := assertion(t, "DEFAULT_TENANT", "4711")
	noCT := deviceMessage(t, "4711", good)
	noCT.Properties.ContentType = nil
	valueBody := deviceMessage(t, "4711", good)
	valueBody.Data, valueBody.Value = nil, "x"
	tests := []struct {
		name string
		msg  *goamqp.Message
		want goamqp.ErrCond
	}{
		{"no device_id", func() *goamqp.Message {
			m := deviceMessage(t, "4711", good)
			delete(m.ApplicationProperties, "device_id")
			return m
		}(), "amqp:decode-error"},
		{"no content-type", noCT, "amqp:decode-error"},
		{"amqp-value body", valueBody, "amqp:decode-error"},
		{"no reg_assertion", deviceMessage(t, "4711", ""), "amqp:precondition-failed"},
		{"assertion of another device", deviceMessage(t, "4712", good), "amqp:precondition-failed"},
		{"assertion of another tenant", deviceMessage(t, "4711", assertion(t, "HTTP_TENANT", "4711")), "amqp:precondition-failed"},
		{"garbage assertion", deviceMessage(t, "4711", "not.a.jwt"), "amqp:precondition-failed"},
	}
	for _, tt := range tests {
		var e *goamqp.Error
		if err := snd.Send(ctxT(t), tt.msg, nil); !errors.As(err, &e) || e.Condition != tt.want {
			t.Errorf("%s: err = %v, want rejected with %s", tt.name, err, tt.want)
		}
	}

	// A link to a device address takes only that device's messages.
	dsnd, err := sess.NewSender(ctxT(t), "telemetry/DEFAULT_TENANT/4712", nil)
	if err != nil {
		t.Fatal(err)
	}
	var e *goamqp.Error
	if err := dsnd.Send(ctxT(t), deviceMessage(t, "4711", good), nil); !errors.As(err, &e) || e.Condition != "amqp:decode-error" {
		t.Errorf("device_id not the link's: err = %v, want decode-error", err)
	}
}

// TestRegAssertionCapability: Hono Messaging's receiver link offers
// hono-reg-assertion, which tells adapters to send assertions.
func TestRegAssertionCapability(t *testing.T) {
	c := newChain(t, "telemetry/DEFAULT_TENANT")
	conn, err := amqp.Dial(ctxT(t), c.messaging, &amqp.ConnOptions{
		TLSConfig: c.st.ClientTLS(t, "localhost", ""), SASL: amqp.SASLPlain("kura-adapter@HONO", "kura-secret")})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	sess, err := conn.NewSession(ctxT(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	snd, err := sess.NewSender(ctxT(t), "telemetry/DEFAULT_TENANT", nil)
	if err != nil {
		t.Fatal(err)
	}
	caps := snd.RemoteAttach().OfferedCapabilities
	if len(caps) != 1 || caps[0] != CapabilityRegAssertion {
		t.Errorf("offered capabilities %v, want [%s]", caps, CapabilityRegAssertion)
	}
	// The consumer may not send through Hono Messaging.
	conn2, err := amqp.Dial(ctxT(t), c.messaging, &amqp.ConnOptions{
		TLSConfig: c.st.ClientTLS(t, "localhost", ""), SASL: amqp.SASLPlain("consumer@HONO", "verysecret")})
	if err != nil {
		t.Fatal(err)
	}
	defer conn2.Close()
	sess2, _ := conn2.NewSession(ctxT(t), nil)
	var le *amqp.LinkError
	if _, err := sess2.NewSender(ctxT(t), "telemetry/DEFAULT_TENANT", nil); !errors.As(err, &le) || le.Remote == nil ||
		le.Remote.Condition != amqp.ErrUnauthorizedAccess {
		t.Errorf("consumer's sender: err = %v, want unauthorized-access", err)
	}
}

// TestReconnectsToRouter: Hono Messaging starts before the router, says
// so, and connects once the router is up.
func TestReconnectsToRouter(t *testing.T) {
	st := simtest.NewStack(t)
	authAddr := startAuth(t, st)
	reserved := simtest.Listen(t)
	addr := reserved.Addr().String()
	reserved.Close()

	srv, _, log := startMessaging(t, st, authAddr, addr)
	if !log.WaitFor("cannot connect to downstream container", 5*time.Second) {
		t.Fatal("no log line about the missing router")
	}
	if up, err := srv.Downstream(); up || err == nil {
		t.Fatalf("Downstream() = %v, %v; want down with a reason", up, err)
	}
	internal, err := net.Listen("tcp", addr)
	if err != nil {
		t.Skipf("port %s taken meanwhile: %v", addr, err)
	}
	t.Cleanup(func() { internal.Close() })
	startRouter(t, st, authAddr, internal)
	waitDownstream(t, srv)
}

// readiness finds the readiness check with id.
func readiness(t *testing.T, s *Server, id string) (health.Report, health.Check) {
	t.Helper()
	r := s.status.Report()
	for _, c := range r.Checks {
		if c.ID == id {
			return r, c
		}
	}
	t.Fatalf("no readiness check %q in %+v", id, r)
	return r, health.Check{}
}

// TestRouterCertificateExpired: Hono Messaging reports the router's
// expired certificate as the reason it has no downstream connection, in
// its log and its readiness.
func TestRouterCertificateExpired(t *testing.T) {
	st := simtest.NewStack(t)
	st.ReissueLeaf(t, "qdrouter", []string{"hono-dispatch-router", "localhost"}, time.Now().Add(-48*time.Hour), time.Now().Add(-time.Hour))
	authAddr := startAuth(t, st)
	internal := simtest.Listen(t)
	startRouter(t, st, authAddr, internal)
	srv, _, log := startMessaging(t, st, authAddr, internal.Addr().String())
	if !log.WaitFor(`cause="certificate expired`, 5*time.Second) {
		t.Error("no log line naming the expired certificate")
	}
	if up, err := srv.Downstream(); up || err == nil {
		t.Errorf("Downstream() = %v, %v; want down", up, err)
	}
	r, c := readiness(t, srv, "hono.downstream")
	if r.Outcome != "DOWN" || c.Status != "DOWN" || !strings.Contains(c.Data.Error, "expired") {
		t.Errorf("readiness %s, downstream check %+v; want DOWN naming the expired certificate", r.Outcome, c)
	}
}

// TestDownstreamHostnameVerification: the router's certificate does not
// cover 127.0.0.2; Hono Messaging refuses it unless
// hostnameVerificationRequired is false.
func TestDownstreamHostnameVerification(t *testing.T) {
	st := simtest.NewStack(t)
	authAddr := startAuth(t, st)
	internal, err := net.Listen("tcp", "127.0.0.2:0")
	if err != nil {
		t.Skipf("no 127.0.0.2 here: %v", err)
	}
	t.Cleanup(func() { internal.Close() })
	startRouter(t, st, authAddr, internal)

	_, _, log := startMessaging(t, st, authAddr, internal.Addr().String())
	if !log.WaitFor(`cause="host name mismatch"`, 5*time.Second) {
		t.Error("no log line about the host name mismatch")
	}
	srv, _, _ := startMessaging(t, st, authAddr, internal.Addr().String(), "HONO_DOWNSTREAM_HOSTNAME_VERIFICATION_REQUIRED=false")
	waitDownstream(t, srv)
}

// TestProtonConsumer: a Qpid Proton application (python3-qpid-proton)
// receives what an adapter sent through Hono Messaging and the router,
// with the annotations Hono Messaging adds.
func TestProtonConsumer(t *testing.T) {
	st := simtest.NewStack(t)
	authAddr := startAuth(t, st)
	internal := simtest.Listen(t)
	external := startRouter(t, st, authAddr, internal)
	srv, addr, _ := startMessaging(t, st, authAddr, internal.Addr().String())
	waitDownstream(t, srv)

	_, port, _ := net.SplitHostPort(external)
	p := simtest.StartProton(t, "receive", "amqps://localhost:"+port, "telemetry/DEFAULT_TENANT", "1",
		st.File("trusted-certs.pem"), "consumer@HONO", "verysecret")
	if l := p.Next(t, 10*time.Second); l != "ready" {
		t.Fatalf("Proton consumer: %s", l)
	}

	c := &chain{st: st, messaging: addr}
	snd, err := c.adapter(t).NewSender(ctxT(t), "telemetry/DEFAULT_TENANT", nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := snd.Send(ctxT(t), deviceMessage(t, "4711", assertion(t, "DEFAULT_TENANT", "4711")), nil); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Body        string            `json:"body"`
		Properties  map[string]any    `json:"properties"`
		Annotations map[string]string `json:"annotations"`
	}
	line := p.Next(t, 10*time.Second)
	if err := json.Unmarshal([]byte(line), &got); err != nil {
		t.Fatalf("Proton consumer printed %q: %v", line, err)
	}
	if got.Body != `{"temp": 5}` || got.Properties["device_id"] != "4711" || got.Annotations["resource"] != "telemetry/DEFAULT_TENANT/4711" {
		t.Errorf("Proton consumer received %+v", got)
	}
}
