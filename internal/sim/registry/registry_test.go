package registry

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	goamqp "github.com/Azure/go-amqp"

	"github.com/honoctl/honoctl/internal/amqp"
	"github.com/honoctl/honoctl/internal/sim/auth"
	"github.com/honoctl/honoctl/internal/sim/health"
	"github.com/honoctl/honoctl/internal/sim/hono"
	"github.com/honoctl/honoctl/internal/sim/hono/simtest"
	"github.com/honoctl/honoctl/orchestrator/topology"
)

const demoSecret = "g#aWO!BUm7aj*#%X*VGXKFhxkhNrMNj0"

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// stack runs an Auth Server and a Device Registry from the rendered
// configuration, the registry delegating logins to the Auth Server over
// TLS as in the deployment. It returns the registry's address and log.
func stack(t *testing.T, st *simtest.Stack) (string, *simtest.Logger) {
	t.Helper()
	r := startRegistryWithAuth(t, st)
	return r.amqp, r.log
}

// startRegistryWithAuth is startRegistry behind its own Auth Server.
func startRegistryWithAuth(t *testing.T, st *simtest.Stack, env ...string) running {
	t.Helper()
	alog := simtest.NewLogger(t)
	as, err := auth.New(st.Config(t, topology.RoleAuth, "hono-service-auth"), health.NewStatus(), alog.Logger)
	if err != nil {
		t.Fatal(err)
	}
	aln := simtest.Listen(t)
	simtest.Run(t, func(ctx context.Context) error { return as.Serve(ctx, auth.Ports{Secure: aln}) })
	return startRegistry(t, st, append([]string{"HONO_AUTH_HOST=localhost", "HONO_AUTH_PORT=" + simtest.Port(aln)}, env...)...)
}

func registry(t *testing.T, st *simtest.Stack, env ...string) (string, *simtest.Logger) {
	addr, log, _ := registryStatus(t, st, env...)
	return addr, log
}

func registryStatus(t *testing.T, st *simtest.Stack, env ...string) (string, *simtest.Logger, *health.Status) {
	t.Helper()
	r := startRegistry(t, st, env...)
	return r.amqp, r.log, r.status
}

// running is a registry started by startRegistry.
type running struct {
	amqp   string // host:port of the AMQP API
	rest   string // https://localhost:port of the REST API
	log    *simtest.Logger
	status *health.Status
}

// startRegistry runs a Device Registry with its AMQP and REST APIs on
// ephemeral ports.
func startRegistry(t *testing.T, st *simtest.Stack, env ...string) running {
	t.Helper()
	r := running{log: simtest.NewLogger(t), status: health.NewStatus()}
	rs, err := New(st.Config(t, topology.RoleRegistry, "hono-service-device-registry", env...), r.status, r.log.Logger)
	if err != nil {
		t.Fatal(err)
	}
	ln, rest := simtest.Listen(t), simtest.Listen(t)
	simtest.Run(t, func(ctx context.Context) error { return rs.Serve(ctx, auth.Ports{Secure: ln}) })
	simtest.Run(t, func(ctx context.Context) error { return rs.ServeREST(ctx, auth.Ports{Secure: rest}) })
	r.amqp, r.rest = ln.Addr().String(), "https://localhost:"+simtest.Port(rest)
	return r
}

// client is a request/response client as Hono's: the reply link first,
// then the request link.
type client struct {
	t       *testing.T
	sess    *goamqp.Session
	replyTo string
	replies *goamqp.Receiver
	req     *goamqp.Sender
}

func dial(t *testing.T, st *simtest.Stack, addr, user, password string) *goamqp.Session {
	t.Helper()
	conn, err := goamqp.Dial(ctxT(t), "amqps://"+addr, &goamqp.ConnOptions{
		TLSConfig: st.ClientTLS(t, "localhost", ""), SASLType: goamqp.SASLTypePlain(user, password)})
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

func newClient(t *testing.T, sess *goamqp.Session, target, replyTo string) *client {
	t.Helper()
	c := &client{t: t, sess: sess, replyTo: replyTo}
	var err error
	if c.replies, err = sess.NewReceiver(ctxT(t), replyTo, &goamqp.ReceiverOptions{Credit: 10}); err != nil {
		t.Fatalf("reply link %s: %v", replyTo, err)
	}
	if c.req, err = sess.NewSender(ctxT(t), target, nil); err != nil {
		t.Fatalf("request link %s: %v", target, err)
	}
	return c
}

// call sends a request and returns the response.
func (c *client) call(subject string, props map[string]any, body any) *goamqp.Message {
	c.t.Helper()
	id := "req-" + subject
	msg := &goamqp.Message{
		Properties:            &goamqp.MessageProperties{MessageID: id, Subject: &subject, ReplyTo: &c.replyTo},
		ApplicationProperties: props,
		Value:                 body,
	}
	if err := c.req.Send(ctxT(c.t), msg, nil); err != nil {
		c.t.Fatalf("send %s: %v", subject, err)
	}
	resp, err := c.replies.Receive(ctxT(c.t), nil)
	if err != nil {
		c.t.Fatalf("response to %s: %v", subject, err)
	}
	_ = c.replies.AcceptMessage(ctxT(c.t), resp)
	if resp.Properties == nil || resp.Properties.CorrelationID != id {
		c.t.Errorf("response correlation-id %v, want %s", resp.Properties, id)
	}
	return resp
}

func status(m *goamqp.Message) any { return m.ApplicationProperties["status"] }

func payload(t *testing.T, m *goamqp.Message) map[string]any {
	t.Helper()
	s, ok := m.Value.(string)
	if !ok {
		t.Fatalf("response body %T, want an amqp-value string", m.Value)
	}
	var p map[string]any
	if err := json.Unmarshal([]byte(s), &p); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestAssert(t *testing.T) {
	st := simtest.NewStack(t)
	addr, _ := stack(t, st)
	c := newClient(t, dial(t, st, addr, "http-adapter@HONO", "http-secret"),
		"registration/DEFAULT_TENANT", "registration/DEFAULT_TENANT/reg-client-1")

	resp := c.call("assert", map[string]any{"device_id": "4711"}, nil)
	if status(resp) != int32(200) || resp.ApplicationProperties["cache_control"] != "max-age = 600" ||
		resp.ApplicationProperties["tenant_id"] != "DEFAULT_TENANT" || resp.ApplicationProperties["device_id"] != "4711" {
		t.Fatalf("assert 4711: %v", resp.ApplicationProperties)
	}
	if to := resp.Properties.To; to == nil || *to != "registration/DEFAULT_TENANT/4711" {
		t.Errorf("to = %v", to)
	}
	p := payload(t, resp)
	key, _ := hono.SecretKey(demoSecret)
	if err := key.CheckAssertion(p["assertion"].(string), "DEFAULT_TENANT", "4711", time.Now()); err != nil {
		t.Errorf("assertion does not validate with the shared secret: %v", err)
	}
	if d, _ := p["defaults"].(map[string]any); d["content-type"] != "application/vnd.bumlux" {
		t.Errorf("defaults = %v", p["defaults"])
	}

	for _, tt := range []struct {
		device, gateway string
		want            int32
	}{
		{"4799", "", 404},
		{"4712", "gw-1", 200},
		{"4711", "gw-1", 403},
	} {
		props := map[string]any{"device_id": tt.device}
		if tt.gateway != "" {
			props["gateway_id"] = tt.gateway
		}
		if got := status(c.call("assert", props, nil)); got != tt.want {
			t.Errorf("assert %s via %q: status %v, want %d", tt.device, tt.gateway, got, tt.want)
		}
	}
}

func TestCredentialsGet(t *testing.T) {
	st := simtest.NewStack(t)
	addr, _ := stack(t, st)
	c := newClient(t, dial(t, st, addr, "mqtt-adapter@HONO", "mqtt-secret"),
		"credentials/DEFAULT_TENANT", "credentials/DEFAULT_TENANT/cred-client-1")

	// The Hono client's form: JSON as binary in an amqp-value.
	resp := c.call("get", nil, []byte(`{"type":"hashed-password","auth-id":"sensor1"}`))
	if status(resp) != int32(200) || resp.ApplicationProperties["cache_control"] != "no-cache" {
		t.Fatalf("get sensor1: %v", resp.ApplicationProperties)
	}
	cred, err := hono.ParseCredential(payload(t, resp))
	if err != nil {
		t.Fatal(err)
	}
	if err := cred.VerifyPassword("hono-secret", time.Now()); err != nil || cred.DeviceID != "4711" {
		t.Errorf("returned credential %+v does not verify hono-secret: %v", cred, err)
	}
	if got := status(c.call("get", nil, `{"type":"hashed-password","auth-id":"nobody"}`)); got != int32(404) {
		t.Errorf("unknown auth-id: status %v, want 404", got)
	}
	if got := status(c.call("get", nil, `{"auth-id":"sensor1"}`)); got != int32(400) {
		t.Errorf("no type: status %v, want 400", got)
	}
}

func TestTenantGet(t *testing.T) {
	st := simtest.NewStack(t)
	addr, _ := stack(t, st)
	c := newClient(t, dial(t, st, addr, "kura-adapter@HONO", "kura-secret"), "tenant", "tenant/tenant-client-1")

	resp := c.call("get", nil, []byte(`{"tenant-id":"HTTP_TENANT"}`))
	if status(resp) != int32(200) || resp.ApplicationProperties["cache_control"] != "max-age = 180" {
		t.Fatalf("get HTTP_TENANT: %v", resp.ApplicationProperties)
	}
	ten, err := hono.ParseTenant(payload(t, resp))
	if err != nil {
		t.Fatal(err)
	}
	if ten.ID != "HTTP_TENANT" || ten.AdapterEnabled(hono.AdapterKura) || !ten.AdapterEnabled(hono.AdapterHTTP) {
		t.Errorf("tenant = %+v", ten)
	}
	if got := status(c.call("get", nil, []byte(`{"tenant-id":"NOPE"}`))); got != int32(404) {
		t.Errorf("unknown tenant: status %v, want 404", got)
	}
}

// wantRejected checks that a request is rejected with cond.
func wantRejected(t *testing.T, err error, cond goamqp.ErrCond) {
	t.Helper()
	var e *goamqp.Error
	if !errors.As(err, &e) || e.Condition != cond {
		t.Errorf("err = %v, want rejected with %s", err, cond)
	}
}

func TestRequestRules(t *testing.T) {
	st := simtest.NewStack(t)
	addr, _ := stack(t, st)
	sess := dial(t, st, addr, "http-adapter@HONO", "http-secret")
	c := newClient(t, sess, "registration/DEFAULT_TENANT", "registration/DEFAULT_TENANT/r1")
	send := func(subject, replyTo string, props map[string]any) error {
		return c.req.Send(ctxT(t), &goamqp.Message{
			Properties:            &goamqp.MessageProperties{MessageID: "m", Subject: &subject, ReplyTo: &replyTo},
			ApplicationProperties: props,
		}, nil)
	}

	wantRejected(t, send("assert", "registration/DEFAULT_TENANT/not-subscribed", map[string]any{"device_id": "4711"}), "amqp:illegal-state")
	wantRejected(t, send("assert", c.replyTo, nil), "amqp:decode-error")
	wantRejected(t, send("register", c.replyTo, map[string]any{"device_id": "4711"}), "amqp:unauthorized-access")

	// A second subscription to the same reply-to is refused.
	if _, err := sess.NewReceiver(ctxT(t), c.replyTo, nil); err == nil {
		t.Error("a reply-to address was subscribed twice")
	}
	// Requests must be AT_LEAST_ONCE.
	settled := goamqp.SenderSettleModeSettled
	_, err := sess.NewSender(ctxT(t), "registration/DEFAULT_TENANT", &goamqp.SenderOptions{SettlementMode: &settled})
	wantRejected(t, err, "amqp:precondition-failed")
	// A reply-to address needs the tenant and an id.
	_, err = sess.NewReceiver(ctxT(t), "registration/DEFAULT_TENANT", nil)
	wantRejected(t, err, "amqp:invalid-field")

	// The consumer may not use the registry at all.
	csess := dial(t, st, addr, "consumer@HONO", "verysecret")
	_, err = csess.NewSender(ctxT(t), "registration/DEFAULT_TENANT", nil)
	wantRejected(t, err, "amqp:unauthorized-access")
}

// TestDelegatedLogin: the registry passes PLAIN on to the Auth Server and
// answers with its verdict; with the Auth Server away, sys-temp.
func TestDelegatedLogin(t *testing.T) {
	st := simtest.NewStack(t)
	addr, log := stack(t, st)
	login := func(addr, password string) error {
		conn, err := amqp.Dial(ctxT(t), addr, &amqp.ConnOptions{
			TLSConfig: st.ClientTLS(t, "localhost", ""), SASL: amqp.SASLPlain("http-adapter@HONO", password)})
		if err == nil {
			conn.Close()
		}
		return err
	}
	var ce *amqp.ConnError
	if err := login(addr, "wrong"); !errors.As(err, &ce) || ce.SASLCode != amqp.SASLAuth {
		t.Errorf("wrong password: err = %v, want SASL outcome auth", err)
	}
	if !log.WaitFor("authentication failed", 5*time.Second) {
		t.Error("the refusal is not in the registry's log")
	}

	dead := simtest.Listen(t)
	dead.Close()
	addr2, log2 := registry(t, st, "HONO_AUTH_HOST=localhost", "HONO_AUTH_PORT="+simtest.Port(dead))
	if err := login(addr2, "http-secret"); !errors.As(err, &ce) || ce.SASLCode != amqp.SASLSysTemp {
		t.Errorf("Auth Server down: err = %v, want SASL outcome sys-temp", err)
	}
	if !log2.WaitFor("auth server unavailable", 5*time.Second) {
		t.Error("the registry does not log that the Auth Server is unavailable")
	}
}

// TestAuthServerCertificateExpired: the registry, as the connecting
// role, reports the Auth Server's expired certificate in its readiness
// and its log.
func TestAuthServerCertificateExpired(t *testing.T) {
	st := simtest.NewStack(t)
	st.ReissueLeaf(t, "auth-server", []string{"hono-service-auth", "localhost"}, time.Now().Add(-48*time.Hour), time.Now().Add(-time.Hour))
	alog := simtest.NewLogger(t)
	as, err := auth.New(st.Config(t, topology.RoleAuth, "hono-service-auth"), health.NewStatus(), alog.Logger)
	if err != nil {
		t.Fatal(err)
	}
	aln := simtest.Listen(t)
	simtest.Run(t, func(ctx context.Context) error { return as.Serve(ctx, auth.Ports{Secure: aln}) })
	addr, log, status := registryStatus(t, st, "HONO_AUTH_HOST=localhost", "HONO_AUTH_PORT="+simtest.Port(aln))

	if !log.WaitFor("expired", 5*time.Second) {
		t.Error("the registry's log does not say the Auth Server's certificate expired")
	}
	var check *health.Check
	for _, c := range status.Report().Checks {
		if c.ID == "hono.auth" {
			check = &c
		}
	}
	if check == nil || check.Status != "DOWN" || !strings.Contains(check.Data.Error, "expired") {
		t.Errorf("readiness check hono.auth = %+v, want DOWN naming the expired certificate", check)
	}

	conn, err := amqp.Dial(ctxT(t), addr, &amqp.ConnOptions{
		TLSConfig: st.ClientTLS(t, "localhost", ""), SASL: amqp.SASLPlain("http-adapter@HONO", "http-secret")})
	if err == nil {
		conn.Close()
		t.Fatal("login succeeded through an Auth Server with an expired certificate")
	}
	if !strings.Contains(err.Error(), "sys-temp") {
		t.Errorf("err = %v, want SASL outcome sys-temp", err)
	}
}

// TestTenantAuthorization follows TenantAmqpEndpoint: with a tenant_id
// the request is checked on tenant/<id>; without, the response is, and a
// tenant the client may not see becomes 403.
func TestTenantAuthorization(t *testing.T) {
	st := simtest.NewStack(t)
	perms := `{"roles":{"tenant-reader":[
		{"resource":"tenant","activities":["READ","WRITE"]},
		{"operation":"tenant/DEFAULT_TENANT:get","activities":["EXECUTE"]}]},
	"users":{"reader@HONO":{"mechanism":"PLAIN","password":"pw","authorities":["tenant-reader"]}}}`
	if err := os.WriteFile(st.File("permissions.json"), []byte(perms), 0o600); err != nil {
		t.Fatal(err)
	}
	addr, _ := stack(t, st)
	sess := dial(t, st, addr, "reader@HONO", "pw")
	c := newClient(t, sess, "tenant", "tenant/reader-1")

	if got := status(c.call("get", nil, []byte(`{"tenant-id":"DEFAULT_TENANT"}`))); got != int32(200) {
		t.Errorf("own tenant: status %v, want 200", got)
	}
	resp := c.call("get", nil, []byte(`{"tenant-id":"HTTP_TENANT"}`))
	if status(resp) != int32(403) || resp.Value != nil {
		t.Errorf("other tenant without tenant_id: status %v body %v, want 403 without a body", status(resp), resp.Value)
	}
	subject, replyTo := "get", c.replyTo
	err := c.req.Send(ctxT(t), &goamqp.Message{
		Properties:            &goamqp.MessageProperties{MessageID: "m", Subject: &subject, ReplyTo: &replyTo},
		ApplicationProperties: map[string]any{"tenant_id": "HTTP_TENANT"},
		Value:                 []byte(`{"tenant-id":"HTTP_TENANT"}`),
	}, nil)
	wantRejected(t, err, "amqp:unauthorized-access")
}

// TestRegistrationChanges: register, update and deregister over AMQP, as
// RegistrationAmqpEndpoint; a protocol adapter may only assert, the
// device manager (hono-client@HONO) may change.
func TestRegistrationChanges(t *testing.T) {
	st := simtest.NewStack(t)
	r := startRegistryWithAuth(t, st)
	c := newClient(t, dial(t, st, r.amqp, "hono-client@HONO", "secret"),
		"registration/DEFAULT_TENANT", "registration/DEFAULT_TENANT/reg-client-changes")
	dev := map[string]any{"device_id": "4740"}

	for _, tt := range []struct {
		subject string
		body    any
		want    int32
	}{
		{"register", []byte(`{"via":"gw-1"}`), 201},
		{"register", nil, 409},
		{"update", `{"enabled":false}`, 204},
		{"deregister", nil, 204},
		{"deregister", nil, 404},
		{"update", nil, 404},
	} {
		resp := c.call(tt.subject, dev, tt.body)
		if got := status(resp); got != tt.want {
			t.Errorf("%s %v: status %v, want %d", tt.subject, tt.body, got, tt.want)
		}
		if tt.subject == "update" && tt.want == 204 {
			got := curl(t, st, "GET", r.rest+"/registration/DEFAULT_TENANT/4740", "-", "").json(t)
			if !jsonEqual(got["data"], map[string]any{"enabled": false}) {
				t.Errorf("after update over AMQP, REST reads %v", got)
			}
		}
	}

	// The protocol adapters' role has registration/*:assert only.
	a := newClient(t, dial(t, st, r.amqp, "http-adapter@HONO", "http-secret"),
		"registration/DEFAULT_TENANT", "registration/DEFAULT_TENANT/reg-client-adapter")
	subject := "register"
	err := a.req.Send(ctxT(t), &goamqp.Message{
		Properties:            &goamqp.MessageProperties{MessageID: "m", Subject: &subject, ReplyTo: &a.replyTo},
		ApplicationProperties: map[string]any{"device_id": "4741"},
	}, nil)
	wantRejected(t, err, "amqp:unauthorized-access")
}
