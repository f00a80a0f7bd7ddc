package auth

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	goamqp "github.com/Azure/go-amqp"

	"github.com/honoctl/honoctl/internal/amqp"
	"github.com/honoctl/honoctl/internal/sim/health"
	"github.com/honoctl/honoctl/internal/sim/hono"
	"github.com/honoctl/honoctl/internal/sim/hono/simtest"
	"github.com/honoctl/honoctl/orchestrator/topology"
)

// authServer runs an Auth Server from the rendered configuration on a
// loopback port and returns its address and log.
func authServer(t *testing.T, st *simtest.Stack, env ...string) (*Server, string, *simtest.Logger) {
	t.Helper()
	log := simtest.NewLogger(t)
	s, err := New(st.Config(t, topology.RoleAuth, "hono-service-auth", env...), health.NewStatus(), log.Logger)
	if err != nil {
		t.Fatal(err)
	}
	ln := simtest.Listen(t)
	simtest.Run(t, func(ctx context.Context) error { return s.Serve(ctx, Ports{Secure: ln}) })
	return s, ln.Addr().String(), log
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// fetchToken logs in with go-amqp and reads the token from cbs.
func fetchToken(t *testing.T, addr string, conf *tls.Config, sasl goamqp.SASLType) (*goamqp.Message, error) {
	t.Helper()
	ctx := ctxT(t)
	conn, err := goamqp.Dial(ctx, "amqps://"+addr, &goamqp.ConnOptions{TLSConfig: conf, SASLType: sasl})
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	sess, err := conn.NewSession(ctx, nil)
	if err != nil {
		return nil, err
	}
	rcv, err := sess.NewReceiver(ctx, TokenSource, nil)
	if err != nil {
		return nil, err
	}
	msg, err := rcv.Receive(ctx, nil)
	if err != nil {
		return nil, err
	}
	// The server closes the link once it has the disposition, so the
	// accept may race with the detach; the token has arrived either way.
	_ = rcv.AcceptMessage(ctx, msg)
	return msg, nil
}

// TestTokenFetchedAndVerified is the Auth Server's main job: a PLAIN
// client gets a JWT on cbs, RS256-signed with the TLS key, that verifies
// with the first certificate of auth-server-cert.pem.
func TestTokenFetchedAndVerified(t *testing.T) {
	st := simtest.NewStack(t)
	_, addr, _ := authServer(t, st)

	msg, err := fetchToken(t, addr, st.ClientTLS(t, "localhost", ""), goamqp.SASLTypePlain("consumer@HONO", "verysecret"))
	if err != nil {
		t.Fatal(err)
	}
	if got := msg.ApplicationProperties["type"]; got != TokenType {
		t.Errorf("type = %v, want %s", got, TokenType)
	}
	jwt, ok := msg.Value.(string)
	if !ok {
		t.Fatalf("body %T, want an amqp-value string", msg.Value)
	}
	key, err := hono.LoadCertKey(st.File("auth-server-cert.pem"))
	if err != nil {
		t.Fatal(err)
	}
	tok, err := key.ValidateToken(jwt, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if tok.Name != "consumer@HONO" || !tok.Authorities.Allowed(hono.ParseResource("telemetry/DEFAULT_TENANT"), hono.Read) {
		t.Errorf("token = %+v", tok)
	}
	if d := time.Until(tok.Expires); d < 590*time.Second || d > 600*time.Second {
		t.Errorf("token expires in %v, want Hono's 600 s", d)
	}
}

func TestWrongPasswordRefused(t *testing.T) {
	st := simtest.NewStack(t)
	log := simtest.NewLogger(t)
	s, err := New(st.Config(t, topology.RoleAuth, "hono-service-auth", "HONO_AUTH_AMQP_INSECURE_PORT_ENABLED=true"), health.NewStatus(), log.Logger)
	if err != nil {
		t.Fatal(err)
	}
	secure, plain := simtest.Listen(t), simtest.Listen(t)
	simtest.Run(t, func(ctx context.Context) error { return s.Serve(ctx, Ports{Secure: secure, Plain: plain}) })

	// Our client over TLS reads the outcome code.
	c := NewClient(ClientOptions{Addr: secure.Addr().String(), TLS: st.ClientTLS(t, "localhost", "")})
	_, err = c.Login(ctxT(t), "", "consumer@HONO", "wrong")
	var ce *amqp.ConnError
	if !Refused(err) || !errors.As(err, &ce) || ce.SASLCode != amqp.SASLAuth {
		t.Errorf("Login: err = %v, want a ConnError with SASL outcome auth", err)
	}
	if !log.WaitFor("authentication failed", 5*time.Second) || log.Contains("wrong") {
		t.Error("the refusal is not logged, or the password is")
	}

	// go-amqp reads it on the plain port.
	conn, err := goamqp.Dial(ctxT(t), "amqp://"+plain.Addr().String(), &goamqp.ConnOptions{
		SASLType: goamqp.SASLTypePlain("consumer@HONO", "wrong")})
	if err == nil {
		conn.Close()
	}
	if err == nil || !strings.Contains(err.Error(), "code 0x1") {
		t.Errorf("go-amqp on the plain port: err = %v, want SASL outcome auth (code 0x1)", err)
	}

	// And over TLS, where the outcome and the close arrive together
	// unless the server lingers for the peer's close.
	_, err = fetchToken(t, secure.Addr().String(), st.ClientTLS(t, "localhost", ""), goamqp.SASLTypePlain("consumer@HONO", "wrong"))
	if err == nil || !strings.Contains(err.Error(), "code 0x1") {
		t.Errorf("go-amqp over TLS: err = %v, want SASL outcome auth (code 0x1)", err)
	}
}

func TestExternal(t *testing.T) {
	st := simtest.NewStack(t)
	_, addr, _ := authServer(t, st)

	msg, err := fetchToken(t, addr, st.ClientTLS(t, "localhost", "hono-messaging"), goamqp.SASLTypeExternal(""))
	if err != nil {
		t.Fatal(err)
	}
	key, _ := hono.LoadCertKey(st.File("auth-server-cert.pem"))
	tok, err := key.ValidateToken(msg.Value.(string), time.Now())
	if err != nil || tok.Name != "hono-messaging" {
		t.Errorf("EXTERNAL token = %+v, %v; want hono-messaging", tok, err)
	}

	// A certificate whose CN is a PLAIN user is no EXTERNAL user; none
	// at all neither.
	// (go-amqp over TLS cannot read the outcome code; see
	// TestWrongPasswordRefused.)
	_, err = fetchToken(t, addr, st.ClientTLS(t, "localhost", "http-adapter"), goamqp.SASLTypeExternal(""))
	if err == nil {
		t.Error("http-adapter's certificate was accepted over EXTERNAL")
	}
	_, err = fetchToken(t, addr, st.ClientTLS(t, "localhost", ""), goamqp.SASLTypeExternal(""))
	if err == nil {
		t.Error("EXTERNAL without a certificate was accepted")
	}
}

func TestClientCertFromAnotherCARefused(t *testing.T) {
	st := simtest.NewStack(t)
	other := simtest.NewForeignStack(t) // another CA
	_, addr, log := authServer(t, st)

	conf := st.ClientTLS(t, "localhost", "")
	conf.Certificates = other.ClientTLS(t, "localhost", "hono-messaging").Certificates
	_, err := fetchToken(t, addr, conf, goamqp.SASLTypeExternal(""))
	if err == nil {
		t.Fatal("a client certificate from another CA was accepted")
	}
	if !log.WaitFor("TLS handshake failed", 5*time.Second) || !log.Contains("unknown authority") {
		t.Error("the Auth Server did not log the refused certificate with its cause")
	}
}

func TestImpersonationAndAddressAuthz(t *testing.T) {
	st := simtest.NewStack(t)
	_, addr, _ := authServer(t, st)
	key, _ := hono.LoadCertKey(st.File("auth-server-cert.pem"))
	c := NewClient(ClientOptions{Addr: addr, TLS: st.ClientTLS(t, "localhost", ""), Key: key, Name: "test"})

	tok, err := c.Login(ctxT(t), "consumer@HONO", "http-adapter@HONO", "http-secret")
	if err != nil {
		t.Fatal(err)
	}
	if tok.Name != "consumer@HONO" {
		t.Errorf("hono-component acting for consumer@HONO got a token for %s", tok.Name)
	}

	a, err := c.Authorize(ctxT(t), "", "consumer@HONO", "verysecret")
	if err != nil {
		t.Fatal(err)
	}
	if a.Identity != "consumer@HONO" || !a.Allows("telemetry/DEFAULT_TENANT", "recv") ||
		a.Allows("telemetry/DEFAULT_TENANT", "send") || !a.Allows("control/T/4711", "send") {
		t.Errorf("ADDRESS-AUTHZ answer = %+v", a)
	}
	if _, err := c.Authorize(ctxT(t), "", "consumer@HONO", "nope"); !Refused(err) {
		t.Errorf("Authorize with a wrong password: err = %v, want Refused", err)
	}
}

func TestTokenLinkRules(t *testing.T) {
	st := simtest.NewStack(t)
	_, addr, _ := authServer(t, st)
	ctx := ctxT(t)
	dial := func() *goamqp.Session {
		conn, err := goamqp.Dial(ctx, "amqps://"+addr, &goamqp.ConnOptions{
			TLSConfig: st.ClientTLS(t, "localhost", ""), SASLType: goamqp.SASLTypePlain("consumer@HONO", "verysecret")})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { conn.Close() })
		sess, err := conn.NewSession(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		return sess
	}
	wantCond := func(what string, err error, cond goamqp.ErrCond) {
		t.Helper()
		var le *goamqp.LinkError
		var ce *goamqp.ConnError
		var e *goamqp.Error
		switch {
		case errors.As(err, &e) && e.Condition == cond:
		case errors.As(err, &le) && le.RemoteErr != nil && le.RemoteErr.Condition == cond:
		case errors.As(err, &ce) && ce.RemoteErr != nil && ce.RemoteErr.Condition == cond:
		default:
			t.Errorf("%s: err = %v, want condition %s", what, err, cond)
		}
	}

	_, err := dial().NewSender(ctx, TokenSource, nil)
	wantCond("sender to cbs", err, goamqp.ErrCondNotAllowed)

	settled := goamqp.SenderSettleModeSettled
	_, err = dial().NewReceiver(ctx, TokenSource, &goamqp.ReceiverOptions{RequestedSenderSettleMode: &settled})
	wantCond("pre-settled token link", err, goamqp.ErrCondInvalidField)

	_, err = dial().NewReceiver(ctx, "telemetry/DEFAULT_TENANT", nil)
	if err == nil {
		t.Error("a receiver from telemetry was attached at the Auth Server")
	}
}

func TestInactivityClose(t *testing.T) {
	st := simtest.NewStack(t)
	s, addr, _ := authServer(t, st)
	s.tokenTimeout = 200 * time.Millisecond

	ctx := ctxT(t)
	conn, err := goamqp.Dial(ctx, "amqps://"+addr, &goamqp.ConnOptions{
		TLSConfig: st.ClientTLS(t, "localhost", ""), SASLType: goamqp.SASLTypePlain("consumer@HONO", "verysecret")})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	select {
	case <-conn.Done():
	case <-time.After(3 * time.Second):
		t.Fatal("connection still open after the token timeout")
	}
	var ce *goamqp.ConnError
	if !errors.As(conn.Err(), &ce) || ce.RemoteErr == nil || string(ce.RemoteErr.Condition) != "hono:inactivity" {
		t.Errorf("closed with %v, want hono:inactivity", conn.Err())
	}
}

func TestPlainPort(t *testing.T) {
	st := simtest.NewStack(t)
	log := simtest.NewLogger(t)
	s, err := New(st.Config(t, topology.RoleAuth, "hono-service-auth", "HONO_AUTH_AMQP_INSECURE_PORT_ENABLED=true"), health.NewStatus(), log.Logger)
	if err != nil {
		t.Fatal(err)
	}
	plain := simtest.Listen(t)
	simtest.Run(t, func(ctx context.Context) error { return s.Serve(ctx, Ports{Plain: plain}) })
	key, _ := hono.LoadCertKey(st.File("auth-server-cert.pem"))
	c := NewClient(ClientOptions{Addr: plain.Addr().String(), Key: key})
	tok, err := c.Login(ctxT(t), "", "hono-client@HONO", "secret")
	if err != nil || tok.Name != "hono-client@HONO" {
		t.Errorf("plain login: %+v, %v", tok, err)
	}
}

// TestExpiredServerCertificate: a client that verifies the Auth Server
// sees an expired certificate, and says so.
func TestExpiredServerCertificate(t *testing.T) {
	st := simtest.NewStack(t)
	st.ReissueLeaf(t, "auth-server", []string{"localhost"}, time.Now().Add(-48*time.Hour), time.Now().Add(-24*time.Hour))
	_, addr, _ := authServer(t, st)
	c := NewClient(ClientOptions{Addr: addr, TLS: st.ClientTLS(t, "localhost", "")})
	_, err := c.Login(ctxT(t), "", "consumer@HONO", "verysecret")
	if !errors.Is(err, ErrUnavailable) || Refused(err) || !strings.Contains(err.Error(), "expired") {
		t.Errorf("err = %v, want ErrUnavailable naming the expired certificate", err)
	}
}

func TestHostnameVerified(t *testing.T) {
	st := simtest.NewStack(t)
	log := simtest.NewLogger(t)
	s, err := New(st.Config(t, topology.RoleAuth, "hono-service-auth"), health.NewStatus(), log.Logger)
	if err != nil {
		t.Fatal(err)
	}
	// 127.0.0.2 is loopback too, but not in the certificate.
	ln, err := net.Listen("tcp", "127.0.0.2:0")
	if err != nil {
		t.Skipf("no 127.0.0.2 on this host: %v", err)
	}
	simtest.Run(t, func(ctx context.Context) error { return s.Serve(ctx, Ports{Secure: ln}) })
	c := NewClient(ClientOptions{Addr: ln.Addr().String(), TLS: st.ClientTLS(t, "127.0.0.2", "")})
	_, err = c.Login(ctxT(t), "", "consumer@HONO", "verysecret")
	if err == nil || !strings.Contains(err.Error(), "127.0.0.2") {
		t.Errorf("err = %v, want a host name mismatch for 127.0.0.2", err)
	}
}
