package adapter

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/honoctl/honoctl/internal/amqp"
	"github.com/honoctl/honoctl/internal/sim/health"
	"github.com/honoctl/honoctl/internal/sim/tlsconf/testpki"
	"github.com/honoctl/honoctl/orchestrator/topology"
)

// amqpPeer is a scripted AMQP 1.0 server over TLS with SASL PLAIN that
// plays the Device Registry's three APIs and Hono Messaging's (or the
// router's) telemetry and event endpoints, using internal/amqp's server.
type amqpPeer struct {
	addr string
	reg  *fakeRegistry
	// offerAssertion makes telemetry/event links offer hono-reg-assertion,
	// as Hono Messaging does; the router does not.
	offerAssertion bool
	// noCredit attaches telemetry/event links without giving credit, as
	// the router does when no application consumes.
	noCredit bool

	received chan *amqp.Message
	cancel   context.CancelFunc
	done     chan struct{}

	mu       sync.Mutex
	replies  map[string]*amqp.Sender // reply-to address -> link
	requests map[string]int          // by endpoint
}

func (p *amqpPeer) requestCount(endpoint string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.requests[endpoint]
}

func startAMQPPeer(t *testing.T, leaf testpki.Leaf, addr string, configure func(*amqpPeer)) *amqpPeer {
	t.Helper()
	pair, err := tls.LoadX509KeyPair(leaf.CertPath, leaf.KeyPath)
	if err != nil {
		t.Fatal(err)
	}
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	var ln net.Listener
	for i := 0; i < 50; i++ { // a restarted peer waits for its old port
		if ln, err = tls.Listen("tcp", addr, &tls.Config{Certificates: []tls.Certificate{pair}}); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		t.Fatal(err)
	}
	p := &amqpPeer{addr: ln.Addr().String(), reg: newFakeRegistry(t), received: make(chan *amqp.Message, 16),
		replies: map[string]*amqp.Sender{}, requests: map[string]int{}, done: make(chan struct{})}
	if configure != nil {
		configure(p)
	}
	srv := &amqp.Server{
		ContainerID: "fake-peer",
		Mechanisms:  []string{amqp.MechPlain},
		Authenticate: func(_ context.Context, r *amqp.SASLRequest) (any, error) {
			if r.AuthcID != "http-adapter@HONO" || r.Password != "http-secret" {
				return nil, errors.New("bad credentials")
			}
			return r.AuthcID, nil
		},
		Link: p.link,
	}
	ctx, cancel := context.WithCancel(context.Background())
	p.cancel = cancel
	go func() {
		defer close(p.done)
		srv.Serve(ctx, ln)
	}()
	t.Cleanup(p.stop)
	return p
}

func (p *amqpPeer) stop() {
	p.cancel()
	<-p.done
}

func (p *amqpPeer) link(ctx context.Context, req *amqp.LinkRequest) error {
	if req.Attach.Role == amqp.RoleReceiver { // the peer receives: a reply link
		snd, err := req.AcceptSender(nil)
		if err != nil {
			return err
		}
		p.mu.Lock()
		p.replies[req.Attach.Source.Address] = snd
		p.mu.Unlock()
		<-ctx.Done()
		return nil
	}
	target := req.Attach.Target.Address
	endpoint, _, _ := strings.Cut(target, "/")
	switch endpoint {
	case "telemetry", "event":
		opts := &amqp.ReceiverOptions{ManualCredit: p.noCredit}
		if p.offerAssertion {
			opts.OfferedCapabilities = []string{capRegAssertion}
		}
		rcv, err := req.AcceptReceiver(opts)
		if err != nil {
			return err
		}
		for {
			d, err := rcv.Receive(ctx)
			if err != nil {
				return nil
			}
			d.Accept()
			p.received <- d.Message
		}
	case "registration", "credentials", "tenant":
		rcv, err := req.AcceptReceiver(nil)
		if err != nil {
			return err
		}
		for {
			d, err := rcv.Receive(ctx)
			if err != nil {
				return nil
			}
			d.Accept()
			p.answer(ctx, endpoint, target, d.Message)
		}
	}
	return &amqp.Error{Condition: amqp.ErrNotFound, Description: "no such node " + target}
}

// answer sends the registry's response to a request.
func (p *amqpPeer) answer(ctx context.Context, endpoint, target string, m *amqp.Message) {
	tenant := strings.TrimPrefix(target, endpoint+"/")
	var body map[string]any
	if b, ok := m.Value.([]byte); ok {
		json.Unmarshal(b, &body)
	}
	p.mu.Lock()
	p.requests[endpoint]++
	p.mu.Unlock()
	// The cache directives of Hono's registry: assertions for their
	// lifetime, tenants for a minute, credentials never.
	status, payload := 404, any(nil)
	cache := map[string]string{"registration": "max-age = 600", "tenant": "max-age = 60", "credentials": "no-cache"}
	switch endpoint {
	case "registration":
		device, _ := m.ApplicationProperties["device_id"].(string)
		gateway, _ := m.ApplicationProperties["gateway_id"].(string)
		if a, err := p.reg.Assert(ctx, tenant, device, gateway); err == nil {
			status, payload = 200, a
		} else if se := (*StatusError)(nil); errors.As(err, &se) {
			status = se.Status
		}
	case "credentials":
		authID, _ := body["auth-id"].(string)
		if c, err := p.reg.Credentials(ctx, tenant, authID); err == nil {
			status, payload = 200, c.Raw
		}
	case "tenant":
		id, _ := body["tenant-id"].(string)
		if t, err := p.reg.Tenant(ctx, id); err == nil {
			status, payload = 200, t.Raw
		}
	}
	resp := &amqp.Message{
		Properties:            &amqp.Properties{CorrelationID: m.Properties.MessageID, ContentType: "application/json"},
		ApplicationProperties: map[string]any{"status": int32(status), "cache_control": cache[endpoint]},
	}
	if payload != nil {
		b, _ := json.Marshal(payload)
		resp.Value, resp.HasValue = string(b), true
	}
	p.mu.Lock()
	snd := p.replies[m.Properties.ReplyTo]
	p.mu.Unlock()
	if snd != nil {
		snd.Send(ctx, resp)
	}
}

func (p *amqpPeer) next(t *testing.T) *amqp.Message {
	t.Helper()
	select {
	case m := <-p.received:
		return m
	case <-time.After(5 * time.Second):
		t.Fatal("the AMQP peer received nothing")
		return nil
	}
}

type chain struct {
	pki       *testpki.PKI
	registry  *amqpPeer
	messaging *amqpPeer
	run       *running
	url       string
}

// startChain runs the HTTP adapter with its real AMQP clients against a
// registry and a messaging peer.
func startChain(t *testing.T, messaging func(*amqpPeer), clientExtra string) *chain {
	t.Helper()
	c := &chain{pki: testpki.New(t)}
	regLeaf := c.pki.Leaf(t, "device-registry", []string{"localhost"})
	msgLeaf := c.pki.Leaf(t, "hono-messaging", []string{"localhost"})
	c.registry = startAMQPPeer(t, regLeaf, "", nil)
	c.messaging = startAMQPPeer(t, msgLeaf, "", messaging)

	client := func(name, addr string) string {
		host, port, _ := net.SplitHostPort(addr)
		if host == "127.0.0.1" {
			host = "localhost"
		}
		return fmt.Sprintf("  %s:\n    host: %s\n    port: %s\n    credentialsPath: ../../../compose/sim/config/http-adapter.credentials\n"+
			"    trustStorePath: %s\n%s", name, host, port, c.pki.TrustedCerts, clientExtra)
	}
	leaf := c.pki.Leaf(t, "http-adapter", []string{"localhost"})
	yaml := serverYAML("http", leaf, "") + client("messaging", c.messaging.addr) +
		client("registration", c.registry.addr) + client("credentials", c.registry.addr) +
		client("tenant", c.registry.addr)
	cfg := adapterConfig(t, topology.RoleHTTPAdapter, yaml)
	c.run = start(t, func(ctx context.Context, st *health.Status, log *slog.Logger) error {
		return runHTTP(ctx, cfg, st, log, runOptions{anyPort: true})
	})
	c.url = "https://localhost:" + c.run.port(t, "hono.http (TLS)")
	return c
}

// waitReady waits until readiness is UP and returns the report.
func (c *chain) waitReady(t *testing.T, want string) health.Report {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	var r health.Report
	for time.Now().Before(deadline) {
		if r = c.run.status.Report(); r.Outcome == want {
			return r
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("readiness never became %s: %+v\nlog:\n%s", want, r, c.run.log.String())
	return r
}

func (c *chain) post(t *testing.T, path string) string {
	t.Helper()
	out, err := peerTool(t, "curl", "curl", "-sS", "-i", "--cacert", c.pki.TrustedCerts,
		"-u", "sensor1@DEFAULT_TENANT:hono-secret", "-H", "Content-Type: application/json",
		"--data-binary", `{"temp": 5}`, "-X", method(path), c.url+path)
	if err != nil {
		t.Fatalf("curl: %v\n%s", err, out)
	}
	return out
}

func TestChainToMessaging(t *testing.T) {
	c := startChain(t, func(p *amqpPeer) { p.offerAssertion = true }, "")
	r := c.waitReady(t, "UP")
	for _, chk := range r.Checks[1:] {
		if chk.Data.TLS == nil || chk.Data.TLS.Version != "TLSv1.2" || !strings.Contains(chk.Data.TLS.Peer, "O=Eclipse IoT") {
			t.Errorf("link %s: TLS %+v, want TLSv1.2 and the peer's subject", chk.ID, chk.Data.TLS)
		}
	}

	for _, path := range []string{"/telemetry", "/event"} {
		if out := c.post(t, path); statusLine(out) != "HTTP/1.1 202 Accepted" {
			t.Fatalf("POST %s through AMQP: %s", path, out)
		}
		m := c.messaging.next(t)
		endpoint := strings.TrimPrefix(path, "/")
		if m.Properties.To != endpoint+"/DEFAULT_TENANT" || m.Properties.ContentType != "application/json" ||
			string(m.Data[0]) != `{"temp": 5}` {
			t.Errorf("%s: properties %+v, data %q", path, m.Properties, m.Data)
		}
		ap := m.ApplicationProperties
		if ap["device_id"] != "4711" || ap["orig_adapter"] != "hono-http" || ap["orig_address"] != path ||
			ap["importance"] != "high" {
			t.Errorf("%s: application properties %v", path, ap)
		}
		tok, _ := ap["reg_assertion"].(string)
		if err := c.registry.reg.key.CheckAssertion(tok, "DEFAULT_TENANT", "4711", time.Now()); err != nil {
			t.Errorf("%s: reg_assertion does not verify: %v", path, err)
		}
		if len(m.Annotations) != 0 {
			t.Errorf("%s: Hono Messaging adds the annotations itself, got %v", path, m.Annotations)
		}
	}
	if out := c.post(t, "/telemetry/HTTP_TENANT/4711"); statusLine(out) != "HTTP/1.1 403 Forbidden" {
		t.Errorf("other tenant: %s", out)
	}

	// Two messages, one assertion and one tenant lookup: the responses'
	// cache_control allows it; credentials are no-cache.
	reg := c.registry
	if got := [3]int{reg.requestCount("registration"), reg.requestCount("tenant"), reg.requestCount("credentials")}; got != [3]int{1, 1, 3} {
		t.Errorf("registry requests (assert, tenant, credentials) = %v, want [1 1 3]", got)
	}
}

func TestChainToRouterAndNoCredit(t *testing.T) {
	c := startChain(t, nil, "")
	c.waitReady(t, "UP")
	c.post(t, "/telemetry")
	m := c.messaging.next(t)
	if m.Annotations["resource"] != "telemetry/DEFAULT_TENANT/4711" || m.Annotations["tenant_id"] != "DEFAULT_TENANT" {
		t.Errorf("to the router the adapter adds the annotations: %v", m.Annotations)
	}
	if _, ok := m.ApplicationProperties["reg_assertion"]; ok {
		t.Error("reg_assertion sent to a peer that does not offer hono-reg-assertion")
	}

	c2 := startChain(t, func(p *amqpPeer) { p.noCredit = true }, "")
	c2.waitReady(t, "UP")
	out := c2.post(t, "/telemetry")
	if statusLine(out) != "HTTP/1.1 503 Service Unavailable" || !strings.Contains(out, "Retry-After: 2") {
		t.Errorf("no consumer: want 503 with Retry-After, got %s", out)
	}
}

func TestChainReconnects(t *testing.T) {
	c := startChain(t, func(p *amqpPeer) { p.offerAssertion = true }, "")
	c.waitReady(t, "UP")
	addr := c.messaging.addr
	c.messaging.stop()
	r := c.waitReady(t, "DOWN")
	if out := c.post(t, "/telemetry"); statusLine(out) != "HTTP/1.1 503 Service Unavailable" {
		t.Errorf("messaging down: %s", out)
	}
	for _, chk := range r.Checks {
		if chk.ID == "hono.messaging" && chk.Data.State == health.Connected {
			t.Errorf("messaging link still connected after the peer stopped: %+v", chk)
		}
	}

	msgLeaf := testpki.Leaf{KeyPath: c.pki.Dir + "/hono-messaging-key.pem", CertPath: c.pki.Dir + "/hono-messaging-cert.pem"}
	c.messaging = startAMQPPeer(t, msgLeaf, addr, func(p *amqpPeer) { p.offerAssertion = true })
	c.waitReady(t, "UP")
	if out := c.post(t, "/telemetry"); statusLine(out) != "HTTP/1.1 202 Accepted" {
		t.Errorf("after reconnect: %s", out)
	}
	c.messaging.next(t)
}

func TestChainHostnameVerification(t *testing.T) {
	pki := testpki.New(t)
	// A messaging certificate without "localhost": the name does not match.
	wrong := pki.Leaf(t, "hono-messaging", []string{"hono-service-messaging.hono"})
	for _, tt := range []struct {
		name   string
		verify string
		want   string // the link's state
	}{
		{"verified", "true", string(health.Failed)},
		{"not verified", "false", string(health.Connected)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			peer := startAMQPPeer(t, wrong, "", nil)
			_, port, _ := net.SplitHostPort(peer.addr)
			leaf := pki.Leaf(t, "http-adapter", []string{"localhost"})
			yaml := serverYAML("http", leaf, "") + fmt.Sprintf("  messaging:\n    host: localhost\n    port: %s\n"+
				"    username: http-adapter@HONO\n    password: http-secret\n    trustStorePath: %s\n"+
				"    hostnameVerificationRequired: %s\n", port, pki.TrustedCerts, tt.verify)
			cfg := adapterConfig(t, topology.RoleHTTPAdapter, yaml)
			run := start(t, func(ctx context.Context, st *health.Status, log *slog.Logger) error {
				return runHTTP(ctx, cfg, st, log, runOptions{anyPort: true})
			})
			deadline := time.Now().Add(5 * time.Second)
			var link health.Check
			for time.Now().Before(deadline) {
				for _, chk := range run.status.Report().Checks {
					if chk.ID == "hono.messaging" {
						link = chk
					}
				}
				if string(link.Data.State) == tt.want {
					break
				}
				time.Sleep(20 * time.Millisecond)
			}
			if string(link.Data.State) != tt.want {
				t.Fatalf("messaging link %+v, want %s", link.Data, tt.want)
			}
			if tt.want == string(health.Failed) && !strings.HasPrefix(link.Data.Error, "host name mismatch: ") {
				t.Errorf("error %q should start with the cause", link.Data.Error)
			}
			if tt.want == string(health.Failed) && !strings.Contains(run.log.String(), `cause="host name mismatch"`) {
				t.Errorf("log should give the cause:\n%s", run.log.String())
			}
		})
	}
}
