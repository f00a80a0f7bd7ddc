package messaging

import (
	"context"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	goamqp "github.com/Azure/go-amqp"

	"github.com/honoctl/honoctl/internal/sim/adapter"
	"github.com/honoctl/honoctl/internal/sim/auth"
	"github.com/honoctl/honoctl/internal/sim/health"
	"github.com/honoctl/honoctl/internal/sim/hono/simtest"
	"github.com/honoctl/honoctl/internal/sim/registry"
	"github.com/honoctl/honoctl/orchestrator/topology"
)

// TestDeviceToApplication runs the default stack's data path with every
// stand-in in-process, each from its rendered configuration and all links
// over TLS: a device POSTs telemetry to the HTTP adapter, which asks the
// Device Registry (credentials, tenant, assertion) and sends through Hono
// Messaging and the router to an application.
func TestDeviceToApplication(t *testing.T) {
	st := simtest.NewStack(t)
	authAddr := startAuth(t, st)
	_, authPort, _ := net.SplitHostPort(authAddr)

	rlog := simtest.NewLogger(t)
	reg, err := registry.New(st.Config(t, topology.RoleRegistry, "hono-service-device-registry",
		"HONO_AUTH_HOST=localhost", "HONO_AUTH_PORT="+authPort), health.NewStatus(), rlog.Logger)
	if err != nil {
		t.Fatal(err)
	}
	regLn := simtest.Listen(t)
	simtest.Run(t, func(ctx context.Context) error { return reg.Serve(ctx, auth.Ports{Secure: regLn}) })

	internal := simtest.Listen(t)
	external := startRouter(t, st, authAddr, internal)
	msrv, maddr, _ := startMessaging(t, st, authAddr, internal.Addr().String())
	waitDownstream(t, msrv)

	// The application.
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
	app, err := sess.NewReceiver(ctxT(t), "telemetry/DEFAULT_TENANT", &goamqp.ReceiverOptions{Credit: 10})
	if err != nil {
		t.Fatal(err)
	}

	// The HTTP adapter, on a port reserved for it.
	reserved := simtest.Listen(t)
	httpPort := simtest.Port(reserved)
	reserved.Close()
	_, regPort, _ := net.SplitHostPort(regLn.Addr().String())
	_, msgPort, _ := net.SplitHostPort(maddr)
	_, cmdPort, _ := net.SplitHostPort(internal.Addr().String())
	env := []string{"HONO_HTTP_BIND_ADDRESS=127.0.0.1", "HONO_HTTP_PORT=" + httpPort,
		"HONO_MESSAGING_HOST=localhost", "HONO_MESSAGING_PORT=" + msgPort,
		"HONO_COMMAND_HOST=localhost", "HONO_COMMAND_PORT=" + cmdPort}
	for _, api := range []string{"REGISTRATION", "CREDENTIALS", "TENANT"} {
		env = append(env, "HONO_"+api+"_HOST=localhost", "HONO_"+api+"_PORT="+regPort,
			// Hono's 200 ms default is short for a loaded CI machine
			// running everything with -race.
			"HONO_"+api+"_REQUEST_TIMEOUT=5000")
	}
	acfg := st.Config(t, topology.RoleHTTPAdapter, "hono-adapter-http-vertx", env...)
	astatus := health.NewStatus()
	alog := simtest.NewLogger(t)
	simtest.Run(t, func(ctx context.Context) error { return adapter.RunHTTP(ctx, acfg, astatus, alog.Logger) })
	waitReady(t, astatus)

	// The device, as in Hono's getting started: curl -u sensor1@DEFAULT_TENANT:hono-secret.
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: st.ClientTLS(t, "localhost", "")}}
	post := func() int {
		req, _ := http.NewRequest(http.MethodPost, "https://localhost:"+httpPort+"/telemetry", strings.NewReader(`{"temp": 5}`))
		req.SetBasicAuth("sensor1@DEFAULT_TENANT", "hono-secret")
		req.Header.Set("Content-Type", "application/json")
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	// Hono answers 503 until the adapter's sender has credit, which comes
	// from the application's receiver through messaging and the router.
	code := post()
	for end := time.Now().Add(3 * time.Second); code == http.StatusServiceUnavailable && time.Now().Before(end); code = post() {
		time.Sleep(50 * time.Millisecond)
	}
	if code != http.StatusAccepted {
		t.Fatalf("POST /telemetry: %d, want 202", code)
	}
	msg, err := app.Receive(ctxT(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	_ = app.AcceptMessage(ctxT(t), msg)
	if string(msg.GetData()) != `{"temp": 5}` || msg.ApplicationProperties["device_id"] != "4711" ||
		msg.ApplicationProperties["orig_adapter"] != "hono-http" || msg.Annotations["resource"] != "telemetry/DEFAULT_TENANT/4711" {
		t.Errorf("application received %q %v %v", msg.GetData(), msg.ApplicationProperties, msg.Annotations)
	}

	// A wrong device password never gets that far.
	req, _ := http.NewRequest(http.MethodPost, "https://localhost:"+httpPort+"/telemetry", strings.NewReader(`{}`))
	req.SetBasicAuth("sensor1@DEFAULT_TENANT", "wrong")
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("wrong device password: %d, want 401", resp.StatusCode)
	}
}

// waitReady waits until the adapter's HTTPS listener is registered and
// every required link is up. (An empty status reads as ready, so the
// listener must be there first.)
func waitReady(t *testing.T, s *health.Status) {
	t.Helper()
	end := time.Now().Add(10 * time.Second)
	for time.Now().Before(end) {
		r := s.Report()
		listening := false
		for _, c := range r.Checks {
			if c.Data.Kind == "listener" && c.Status == "UP" {
				listening = true
			}
		}
		if listening && r.Outcome == "UP" {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("adapter not ready: %+v", s.Report())
}
