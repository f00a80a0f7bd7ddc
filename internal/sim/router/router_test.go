package router

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	goamqp "github.com/Azure/go-amqp"

	"github.com/honoctl/honoctl/internal/amqp"
	"github.com/honoctl/honoctl/internal/sim/auth"
	"github.com/honoctl/honoctl/internal/sim/config"
	"github.com/honoctl/honoctl/internal/sim/health"
	"github.com/honoctl/honoctl/internal/sim/hono/simtest"
	"github.com/honoctl/honoctl/orchestrator/topology"
)

func ctxT(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// routerStack runs an Auth Server and a router from the rendered
// qdrouterd.json, its authServicePlugin pointed at the Auth Server. It
// returns the external (5671) and internal (5673) addresses.
type routerStack struct {
	st                 *simtest.Stack
	external, internal string
	log                *simtest.Logger
}

func newRouterStack(t testing.TB, st *simtest.Stack, authAddr string) *routerStack {
	t.Helper()
	if authAddr == "" {
		alog := simtest.NewLogger(t)
		as, err := auth.New(st.Config(t, topology.RoleAuth, "hono-service-auth"), health.NewStatus(), alog.Logger)
		if err != nil {
			t.Fatal(err)
		}
		aln := simtest.Listen(t)
		simtest.Run(t, func(ctx context.Context) error { return as.Serve(ctx, auth.Ports{Secure: aln}) })
		authAddr = aln.Addr().String()
	}
	cfg := st.Router(t)
	pointPlugin(t, cfg, authAddr)
	log := simtest.NewLogger(t)
	r, err := New(cfg, health.NewStatus(), log.Logger)
	if err != nil {
		t.Fatal(err)
	}
	var lns []net.Listener
	rs := &routerStack{st: st, log: log}
	for _, l := range cfg.Listeners {
		ln := simtest.Listen(t)
		lns = append(lns, ln)
		switch l.Port {
		case 5671:
			rs.external = ln.Addr().String()
		case 5673:
			rs.internal = ln.Addr().String()
		}
	}
	simtest.Run(t, func(ctx context.Context) error { return r.Serve(ctx, lns) })
	return rs
}

func pointPlugin(t testing.TB, cfg *config.Router, addr string) {
	t.Helper()
	host, port, _ := net.SplitHostPort(addr)
	for name, p := range cfg.AuthServicePlugins {
		p.Host = "localhost"
		if host != "127.0.0.1" {
			p.Host = host
		}
		var n int
		fmt.Sscan(port, &n)
		p.Port = config.Port(n)
		cfg.AuthServicePlugins[name] = p
	}
}

// consumer connects as a Hono application on the external listener.
func (rs *routerStack) consumer(t testing.TB, user, password string) *goamqp.Session {
	t.Helper()
	conn, err := goamqp.Dial(ctxT(t), "amqps://"+rs.external, &goamqp.ConnOptions{
		TLSConfig: rs.st.ClientTLS(t, "localhost", ""), SASLType: goamqp.SASLTypePlain(user, password)})
	if err != nil {
		t.Fatalf("consumer %s: %v", user, err)
	}
	t.Cleanup(func() { conn.Close() })
	sess, err := conn.NewSession(ctxT(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	return sess
}

// internalPeer connects to the internal listener with certName's client
// certificate and SASL EXTERNAL, as Hono Messaging does.
func (rs *routerStack) internalPeer(t *testing.T, certName string) (*goamqp.Session, error) {
	t.Helper()
	conn, err := goamqp.Dial(ctxT(t), "amqps://"+rs.internal, &goamqp.ConnOptions{
		TLSConfig: rs.st.ClientTLS(t, "localhost", certName), SASLType: goamqp.SASLTypeExternal(""),
		HostName: "hono-internal"})
	if err != nil {
		return nil, err
	}
	t.Cleanup(func() { conn.Close() })
	return conn.NewSession(ctxT(t), nil)
}

func telemetry(body string) *goamqp.Message {
	ct := "text/plain"
	return &goamqp.Message{
		Properties:            &goamqp.MessageProperties{ContentType: &ct},
		ApplicationProperties: map[string]any{"device_id": "4711"},
		Data:                  [][]byte{[]byte(body)},
	}
}

// TestTelemetryFlows is the data path's last hop: Hono Messaging's
// certificate on 5673 sends, consumer@HONO on 5671 receives.
func TestTelemetryFlows(t *testing.T) {
	st := simtest.NewStack(t)
	rs := newRouterStack(t, st, "")

	sess, err := rs.internalPeer(t, "hono-messaging")
	if err != nil {
		t.Fatal(err)
	}
	snd, err := sess.NewSender(ctxT(t), "telemetry/DEFAULT_TENANT", nil)
	if err != nil {
		t.Fatal(err)
	}

	// Without a consumer the sender gets no credit (Hono's adapters then
	// answer 503).
	short, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	if err := snd.Send(short, telemetry("lost"), nil); err == nil {
		t.Fatal("a message was accepted with no consumer attached")
	}

	rcv, err := rs.consumer(t, "consumer@HONO", "verysecret").NewReceiver(ctxT(t), "telemetry/DEFAULT_TENANT", &goamqp.ReceiverOptions{Credit: 10})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- snd.Send(ctxT(t), telemetry(`{"temp": 5}`), nil) }()
	msg, err := rcv.Receive(ctxT(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	if string(msg.GetData()) != `{"temp": 5}` || msg.ApplicationProperties["device_id"] != "4711" {
		t.Errorf("received %q %v", msg.GetData(), msg.ApplicationProperties)
	}
	if err := rcv.AcceptMessage(ctxT(t), msg); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Errorf("sender's outcome: %v, want accepted", err)
	}
}

func TestEventOutcomePassedBack(t *testing.T) {
	st := simtest.NewStack(t)
	rs := newRouterStack(t, st, "")
	sess, err := rs.internalPeer(t, "http-adapter")
	if err != nil {
		t.Fatal(err)
	}
	rcv, err := rs.consumer(t, "consumer@HONO", "verysecret").NewReceiver(ctxT(t), "event/DEFAULT_TENANT", &goamqp.ReceiverOptions{Credit: 10})
	if err != nil {
		t.Fatal(err)
	}
	snd, err := sess.NewSender(ctxT(t), "event/DEFAULT_TENANT", nil)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- snd.Send(ctxT(t), telemetry("e"), nil) }()
	msg, err := rcv.Receive(ctxT(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	_ = rcv.RejectMessage(ctxT(t), msg, &goamqp.Error{Condition: "amqp:precondition-failed", Description: "nope"})
	var e *goamqp.Error
	if err := <-done; !errors.As(err, &e) || e.Condition != "amqp:precondition-failed" {
		t.Errorf("sender's outcome: %v, want the consumer's rejection", err)
	}
}

func TestBalancedAcrossConsumers(t *testing.T) {
	st := simtest.NewStack(t)
	rs := newRouterStack(t, st, "")
	var counts [2]int
	var mu sync.Mutex
	ctx, cancel := context.WithCancel(ctxT(t))
	defer cancel()
	for i := range counts {
		rcv, err := rs.consumer(t, "consumer@HONO", "verysecret").NewReceiver(ctxT(t), "telemetry/DEFAULT_TENANT", &goamqp.ReceiverOptions{Credit: 50})
		if err != nil {
			t.Fatal(err)
		}
		go func() {
			for {
				m, err := rcv.Receive(ctx, nil)
				if err != nil {
					return
				}
				_ = rcv.AcceptMessage(ctx, m)
				mu.Lock()
				counts[i]++
				mu.Unlock()
			}
		}()
	}
	sess, err := rs.internalPeer(t, "hono-messaging")
	if err != nil {
		t.Fatal(err)
	}
	snd, err := sess.NewSender(ctxT(t), "telemetry/DEFAULT_TENANT", nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 20 {
		if err := snd.Send(ctxT(t), telemetry(fmt.Sprint(i)), nil); err != nil {
			t.Fatal(err)
		}
	}
	// The last accept may still be on its way into the counters.
	end := time.Now().Add(2 * time.Second)
	for {
		mu.Lock()
		n := counts[0] + counts[1]
		mu.Unlock()
		if n == 20 || time.Now().After(end) {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	mu.Lock()
	defer mu.Unlock()
	if counts[0]+counts[1] != 20 || counts[0] < 5 || counts[1] < 5 {
		t.Errorf("consumers got %v of 20, want both a fair share", counts)
	}
}

func TestInternalListenerRefusals(t *testing.T) {
	st := simtest.NewStack(t)
	other := simtest.NewForeignStack(t)
	rs := newRouterStack(t, st, "")

	// A client certificate from another CA: the TLS handshake fails.
	conf := st.ClientTLS(t, "localhost", "")
	conf.Certificates = other.ClientTLS(t, "localhost", "hono-messaging").Certificates
	_, err := goamqp.Dial(ctxT(t), "amqps://"+rs.internal, &goamqp.ConnOptions{TLSConfig: conf, SASLType: goamqp.SASLTypeExternal("")})
	if err == nil {
		t.Fatal("a client certificate from another CA was accepted at 5673")
	}
	if !rs.log.WaitFor("unknown authority", 5*time.Second) {
		t.Error("the router did not log the foreign certificate with its cause")
	}

	// No client certificate at all.
	_, err = goamqp.Dial(ctxT(t), "amqps://"+rs.internal, &goamqp.ConnOptions{
		TLSConfig: st.ClientTLS(t, "localhost", ""), SASLType: goamqp.SASLTypeExternal("")})
	if err == nil {
		t.Fatal("a client without a certificate was accepted at 5673")
	}

	// A certificate of the right CA whose O;OU;CN is not a hono-internal
	// user: the vhost policy refuses the connection.
	conn, err := amqp.Dial(ctxT(t), rs.internal, &amqp.ConnOptions{
		TLSConfig: st.ClientTLS(t, "localhost", "device-registry"), SASL: amqp.SASLExternal(), HostName: "hono-internal"})
	var ce *amqp.ConnError
	if err == nil {
		// The router answers the open, then closes with its reason.
		select {
		case <-conn.Done():
			err = conn.Err()
		case <-time.After(2 * time.Second):
			conn.Close()
		}
	}
	if !errors.As(err, &ce) || ce.Remote == nil || ce.Remote.Condition != "amqp:resource-limit-exceeded" ||
		ce.Remote.Description != "connection disallowed by local policy" {
		t.Errorf("device-registry on hono-internal: err = %v, want the policy's refusal", err)
	}

	// Hono Messaging may send telemetry but not receive it.
	sess, err := rs.internalPeer(t, "hono-messaging")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sess.NewReceiver(ctxT(t), "telemetry/DEFAULT_TENANT", nil); err == nil {
		t.Error("Hono Messaging attached a receiver on hono-internal")
	}
}

func TestExternalListenerRefusals(t *testing.T) {
	st := simtest.NewStack(t)
	rs := newRouterStack(t, st, "")

	conn, err := amqp.Dial(ctxT(t), rs.external, &amqp.ConnOptions{
		TLSConfig: st.ClientTLS(t, "localhost", ""), SASL: amqp.SASLPlain("consumer@HONO", "wrong")})
	var ce *amqp.ConnError
	if err == nil {
		conn.Close()
	}
	if !errors.As(err, &ce) || ce.Stage != amqp.StageSASL || ce.SASLCode != amqp.SASLAuth {
		t.Errorf("wrong password: err = %v, want SASL outcome auth", err)
	}

	// consumer@HONO may receive telemetry but not send it.
	sess := rs.consumer(t, "consumer@HONO", "verysecret")
	if _, err := sess.NewSender(ctxT(t), "telemetry/DEFAULT_TENANT", nil); err == nil {
		t.Error("consumer@HONO attached a telemetry sender")
	}
	// The adapter user may log in (allowUnknownUser) but the Auth Server
	// grants it no telemetry reception.
	sess = rs.consumer(t, "http-adapter@HONO", "http-secret")
	if _, err := sess.NewReceiver(ctxT(t), "telemetry/DEFAULT_TENANT", nil); err == nil {
		t.Error("http-adapter@HONO attached a telemetry receiver")
	}
}

func TestAuthServerDown(t *testing.T) {
	st := simtest.NewStack(t)
	dead := simtest.Listen(t)
	dead.Close()
	rs := newRouterStack(t, st, dead.Addr().String())
	conn, err := amqp.Dial(ctxT(t), rs.external, &amqp.ConnOptions{
		TLSConfig: st.ClientTLS(t, "localhost", ""), SASL: amqp.SASLPlain("consumer@HONO", "verysecret")})
	var ce *amqp.ConnError
	if err == nil {
		conn.Close()
	}
	if !errors.As(err, &ce) || ce.SASLCode != amqp.SASLSysTemp {
		t.Errorf("err = %v, want SASL outcome sys-temp", err)
	}
	if !rs.log.WaitFor("auth server unavailable", 5*time.Second) || !strings.Contains(fmt.Sprint(err), "sys-temp") {
		t.Error("the router does not say the Auth Server is unavailable")
	}
}

// TestProtonSenderExternal: a Qpid Proton client with Hono Messaging's
// certificate logs in with SASL EXTERNAL on 5673 (vhost hono-internal) and
// its telemetry reaches a consumer on 5671; with a certificate the policy
// does not list, it is refused.
func TestProtonSenderExternal(t *testing.T) {
	st := simtest.NewStack(t)
	rs := newRouterStack(t, st, "")
	rcv, err := rs.consumer(t, "consumer@HONO", "verysecret").NewReceiver(ctxT(t), "telemetry/DEFAULT_TENANT", &goamqp.ReceiverOptions{Credit: 10})
	if err != nil {
		t.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(rs.internal)
	p := simtest.StartProton(t, "send", "amqps://localhost:"+port, "telemetry/DEFAULT_TENANT", "1",
		st.File("trusted-certs.pem"), st.File("hono-messaging-cert.pem"), st.File("hono-messaging-key.pem"), "hono-internal")
	msg, err := rcv.Receive(ctxT(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	_ = rcv.AcceptMessage(ctxT(t), msg)
	if string(msg.GetData()) != "proton-0" {
		t.Errorf("received %q from the Proton sender", msg.GetData())
	}
	if l := p.Next(t, 10*time.Second); l != "accepted" {
		t.Errorf("Proton sender: %s, want accepted", l)
	}

	refused := simtest.StartProton(t, "send", "amqps://localhost:"+port, "telemetry/DEFAULT_TENANT", "1",
		st.File("trusted-certs.pem"), st.File("device-registry-cert.pem"), st.File("device-registry-key.pem"), "hono-internal")
	if l := refused.Next(t, 10*time.Second); !strings.Contains(l, "closed") || !strings.Contains(l, "amqp:resource-limit-exceeded") {
		t.Errorf("Proton sender with device-registry's certificate: %s, want closed with amqp:resource-limit-exceeded", l)
	}
}

// TestPlainListener: the optional plain listener (5672 when the stack has
// plaintext ports) takes PLAIN through the Auth Server too.
func TestPlainListener(t *testing.T) {
	st := simtest.NewStack(t)
	alog := simtest.NewLogger(t)
	as, err := auth.New(st.Config(t, topology.RoleAuth, "hono-service-auth"), health.NewStatus(), alog.Logger)
	if err != nil {
		t.Fatal(err)
	}
	aln := simtest.Listen(t)
	simtest.Run(t, func(ctx context.Context) error { return as.Serve(ctx, auth.Ports{Secure: aln}) })

	cfg := st.Router(t)
	pointPlugin(t, cfg, aln.Addr().String())
	cfg.Listeners = []config.Listener{{Host: "127.0.0.1", Port: 5672, AuthenticatePeer: true,
		SASLMechanisms: "PLAIN", SASLPlugin: "Hono Auth"}}
	r, err := New(cfg, health.NewStatus(), simtest.NewLogger(t).Logger)
	if err != nil {
		t.Fatal(err)
	}
	ln := simtest.Listen(t)
	simtest.Run(t, func(ctx context.Context) error { return r.Serve(ctx, []net.Listener{ln}) })

	conn, err := goamqp.Dial(ctxT(t), "amqp://"+ln.Addr().String(), &goamqp.ConnOptions{
		SASLType: goamqp.SASLTypePlain("consumer@HONO", "verysecret")})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	sess, err := conn.NewSession(ctxT(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sess.NewReceiver(ctxT(t), "event/DEFAULT_TENANT", nil); err != nil {
		t.Errorf("consumer on the plain listener: %v", err)
	}
	_, err = goamqp.Dial(ctxT(t), "amqp://"+ln.Addr().String(), &goamqp.ConnOptions{
		SASLType: goamqp.SASLTypePlain("consumer@HONO", "bad")})
	if err == nil || !strings.Contains(err.Error(), "code 0x1") {
		t.Errorf("wrong password on the plain listener: err = %v, want SASL outcome auth", err)
	}
}
