package adapter

import (
	"context"
	"log/slog"
	"net"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	goamqp "github.com/Azure/go-amqp"

	"github.com/honoctl/honoctl/internal/sim/auth"
	"github.com/honoctl/honoctl/internal/sim/config"
	"github.com/honoctl/honoctl/internal/sim/health"
	"github.com/honoctl/honoctl/internal/sim/hono/simtest"
	"github.com/honoctl/honoctl/internal/sim/messaging"
	"github.com/honoctl/honoctl/internal/sim/registry"
	"github.com/honoctl/honoctl/internal/sim/router"
	"github.com/honoctl/honoctl/orchestrator/topology"
)

// stack is the whole sim stack in process, from the rendered reference
// configuration and a demo PKI from certs.Generate: Auth Server, router,
// Hono Messaging and Device Registry, with the adapters' clients pointed at
// them by environment variables, as a container's would be.
type stack struct {
	st       *simtest.Stack
	external string   // the router's application listener
	env      []string // adapter client blocks -> loopback
}

func hostPort(addr string) (string, string) {
	_, p, _ := net.SplitHostPort(addr)
	return "localhost", p
}

func startStack(t testing.TB) *stack {
	t.Helper()
	s := &stack{st: simtest.NewStack(t)}

	// Auth Server.
	authSrv, err := auth.New(s.st.Config(t, topology.RoleAuth, "hono-service-auth"), health.NewStatus(), simtest.NewLogger(t).Logger)
	if err != nil {
		t.Fatal(err)
	}
	authLn := simtest.Listen(t)
	simtest.Run(t, func(ctx context.Context) error { return authSrv.Serve(ctx, auth.Ports{Secure: authLn}) })
	ah, ap := hostPort(authLn.Addr().String())

	// Router: its auth plugin at our Auth Server, listeners on loopback.
	rcfg := s.st.Router(t)
	n, _ := strconv.Atoi(ap)
	for name, p := range rcfg.AuthServicePlugins {
		p.Host, p.Port = ah, config.Port(n)
		rcfg.AuthServicePlugins[name] = p
	}
	r, err := router.New(rcfg, health.NewStatus(), simtest.NewLogger(t).Logger)
	if err != nil {
		t.Fatal(err)
	}
	internal, external := simtest.Listen(t), simtest.Listen(t)
	var lns []net.Listener
	for _, l := range rcfg.Listeners {
		if l.Port == 5673 {
			lns = append(lns, internal)
		} else {
			lns = append(lns, external)
		}
	}
	simtest.Run(t, func(ctx context.Context) error { return r.Serve(ctx, lns) })
	s.external = external.Addr().String()
	_, ip := hostPort(internal.Addr().String())

	// Hono Messaging and the Device Registry, both validating with Auth.
	authEnv := []string{"HONO_AUTH_HOST=" + ah, "HONO_AUTH_PORT=" + ap}
	msg, err := messaging.New(s.st.Config(t, topology.RoleMessaging, "hono-service-messaging",
		append(authEnv, "HONO_DOWNSTREAM_HOST=localhost", "HONO_DOWNSTREAM_PORT="+ip)...), health.NewStatus(), simtest.NewLogger(t).Logger)
	if err != nil {
		t.Fatal(err)
	}
	msgLn := simtest.Listen(t)
	simtest.Run(t, func(ctx context.Context) error { return msg.Serve(ctx, auth.Ports{Secure: msgLn}) })
	reg, err := registry.New(s.st.Config(t, topology.RoleRegistry, "hono-service-device-registry", authEnv...),
		health.NewStatus(), simtest.NewLogger(t).Logger)
	if err != nil {
		t.Fatal(err)
	}
	regLn := simtest.Listen(t)
	simtest.Run(t, func(ctx context.Context) error { return reg.Serve(ctx, auth.Ports{Secure: regLn}) })

	_, mp := hostPort(msgLn.Addr().String())
	_, rp := hostPort(regLn.Addr().String())
	s.env = []string{"HONO_MESSAGING_HOST=localhost", "HONO_MESSAGING_PORT=" + mp}
	for _, api := range []string{"REGISTRATION", "CREDENTIALS", "TENANT"} {
		s.env = append(s.env, "HONO_"+api+"_HOST=localhost", "HONO_"+api+"_PORT="+rp)
	}
	return s
}

// adapter runs an adapter role from its rendered configuration.
func (s *stack) adapter(t testing.TB, role topology.Role, service string) *running {
	t.Helper()
	cfg := s.st.Config(t, role, service, s.env...)
	run := start(t, func(ctx context.Context, st *health.Status, log *slog.Logger) error {
		o := runOptions{anyPort: true}
		switch role {
		case topology.RoleHTTPAdapter:
			return runHTTP(ctx, cfg, st, log, o)
		case topology.RoleKuraAdapter:
			return runMQTT(ctx, "hono.kura", DefaultKura(), cfg, st, log, o)
		}
		return runMQTT(ctx, "hono.mqtt", nil, cfg, st, log, o)
	})
	deadline := time.Now().Add(10 * time.Second)
	for run.status.Report().Outcome != "UP" {
		if time.Now().After(deadline) {
			t.Fatalf("%s never ready: %+v\n%s", role, run.status.Report(), run.log.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	return run
}

// consumer attaches an application to the router with consumer@HONO.
func (s *stack) consumer(t testing.TB, address string) *goamqp.Receiver {
	return s.consumerWithCredit(t, address, 20)
}

// consumerWithCredit is consumer with credit as the application gives it.
func (s *stack) consumerWithCredit(t testing.TB, address string, credit int32) *goamqp.Receiver {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := goamqp.Dial(ctx, "amqps://"+s.external, &goamqp.ConnOptions{
		TLSConfig: s.st.ClientTLS(t, "localhost", ""),
		SASLType:  goamqp.SASLTypePlain("consumer@HONO", "verysecret")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	sess, err := conn.NewSession(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	rcv, err := sess.NewReceiver(ctx, address, &goamqp.ReceiverOptions{Credit: credit})
	if err != nil {
		t.Fatal(err)
	}
	return rcv
}

func receive(t *testing.T, rcv *goamqp.Receiver) *goamqp.Message {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	m, err := rcv.Receive(ctx, nil)
	if err != nil {
		t.Fatalf("application received nothing: %v", err)
	}
	rcv.AcceptMessage(ctx, m)
	return m
}

// TestStackHTTPToApplication: curl -> HTTP adapter -> Hono Messaging ->
// router -> application, every hop over TLS, as in Hono's getting started.
func TestStackHTTPToApplication(t *testing.T) {
	s := startStack(t)
	run := s.adapter(t, topology.RoleHTTPAdapter, "hono-adapter-http-vertx")
	url := "https://localhost:" + run.port(t, "hono.http (TLS)")
	post := func(path string) string {
		out, err := peerTool(t, "curl", "curl", "-sS", "-i", "--cacert", s.st.File("trusted-certs.pem"),
			"-u", "sensor1@DEFAULT_TENANT:hono-secret", "-H", "Content-Type: application/json",
			"--data-binary", `{"temp": 5}`, "-X", method(path), url+path)
		if err != nil {
			t.Fatalf("curl: %v\n%s", err, out)
		}
		return out
	}

	// No application yet: nobody gives credit, Hono answers 503.
	if out := post("/telemetry"); statusLine(out) != "HTTP/1.1 503 Service Unavailable" ||
		!strings.Contains(out, "Retry-After: 2") {
		t.Errorf("without a consumer: %s", out)
	}

	rcv := s.consumer(t, "telemetry/DEFAULT_TENANT")
	var out string
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if out = post("/telemetry"); statusLine(out) == "HTTP/1.1 202 Accepted" {
			break
		}
	}
	if statusLine(out) != "HTTP/1.1 202 Accepted" {
		t.Fatalf("with a consumer: %s\nadapter log:\n%s", out, run.log.String())
	}
	m := receive(t, rcv)
	if string(m.GetData()) != `{"temp": 5}` || m.ApplicationProperties["device_id"] != "4711" ||
		m.ApplicationProperties["orig_adapter"] != "hono-http" || m.Annotations["resource"] != "telemetry/DEFAULT_TENANT/4711" {
		t.Errorf("application got data %q, properties %v, annotations %v", m.GetData(), m.ApplicationProperties, m.Annotations)
	}
	if _, ok := m.ApplicationProperties["reg_assertion"]; ok {
		t.Error("Hono Messaging should have removed reg_assertion")
	}

	if out := post("/telemetry/HTTP_TENANT/4711"); statusLine(out) != "HTTP/1.1 403 Forbidden" {
		t.Errorf("other tenant: %s", out)
	}
}

// TestStackMQTTToApplication: mosquitto_pub -> MQTT adapter -> ... ->
// application, and a Kura gateway through the Kura adapter.
func TestStackMQTTToApplication(t *testing.T) {
	s := startStack(t)
	rcv := s.consumer(t, "event/DEFAULT_TENANT")
	for _, tt := range []struct {
		role            topology.Role
		service, prefix string
		user, topic     string
		device, adapter string
	}{
		{topology.RoleMQTTAdapter, "hono-adapter-mqtt-vertx", "hono.mqtt", "sensor1@DEFAULT_TENANT:hono-secret",
			"event", "4711", "hono-mqtt"},
		{topology.RoleKuraAdapter, "hono-adapter-kura", "hono.kura", "gw@DEFAULT_TENANT:gw-secret",
			"$EDC/DEFAULT_TENANT/gw-1/MQTT/BIRTH", "gw-1", "hono-kura-mqtt"},
	} {
		t.Run(string(tt.role), func(t *testing.T) {
			run := s.adapter(t, tt.role, tt.service)
			user, pass, _ := strings.Cut(tt.user, ":")
			// An event's PUBACK waits for the application's disposition,
			// so the application receives while mosquitto_pub waits.
			type result struct {
				out string
				err error
			}
			if _, err := exec.LookPath("mosquitto_pub"); err != nil {
				t.Fatal("mosquitto_pub not found: install Debian package mosquitto-clients")
			}
			pub := make(chan result, 1)
			port := run.port(t, tt.prefix+" (TLS)")
			go func() {
				out, err := peerTool(t, "mosquitto-clients", "mosquitto_pub", "-h", "localhost",
					"-p", port, "--cafile", s.st.File("trusted-certs.pem"),
					"-u", user, "-P", pass, "-t", tt.topic, "-q", "1", "-m", "hello")
				pub <- result{out, err}
			}()
			m := receive(t, rcv)
			if string(m.GetData()) != "hello" || m.ApplicationProperties["device_id"] != tt.device ||
				m.ApplicationProperties["orig_adapter"] != tt.adapter {
				t.Errorf("application got %q, %v", m.GetData(), m.ApplicationProperties)
			}
			if r := <-pub; r.err != nil {
				t.Errorf("mosquitto_pub: %v\n%s", r.err, r.out)
			}
		})
	}
}
