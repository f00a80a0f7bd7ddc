package check

import (
	"strings"
	"testing"

	"github.com/honoctl/honoctl/orchestrator/topology"
)

func upstream(t *testing.T, engines map[string]topology.Engine) *topology.Topology {
	t.Helper()
	o := topology.DefaultOptions()
	o.Flavor, o.Engines = topology.FlavorUpstream, engines
	top, err := topology.New(o)
	if err != nil {
		t.Fatal(err)
	}
	return top
}

// Lines as Hono 0.7 logs them (facts sheet section 6).
const (
	jdkLog     = "10:01:02.003 [vert.x-eventloop-thread-0] INFO  o.e.h.s.h.VertxBasedHttpProtocolAdapter - using JDK's default SSL engine\n"
	openSSLLog = "10:01:02.003 [vert.x-eventloop-thread-0] INFO  o.e.h.s.h.VertxBasedHttpProtocolAdapter - using OpenSSL [version: BoringSSL] instead of JDK's default SSL engine\n"
	nullLog    = "10:01:02.003 [main] INFO  o.e.h.s.h.VertxBasedHttpProtocolAdapter - using OpenSSL [version: null] instead of JDK's default SSL engine\n"
	simLog     = `time=2026-12-04T03:26:44.674Z level=INFO msg="hono-sim: a stand-in, not Eclipse Hono" role=http-adapter tls_engine="Go crypto/tls (hono-sim stand-in)"` + "\n"
)

func engineOf(t *testing.T, fs []Finding, service string) Finding {
	t.Helper()
	for _, f := range fs {
		if f.Check == IDTLSEngine && len(f.Evidence) > 0 && f.Evidence[0].Value == service {
			return f
		}
	}
	t.Fatalf("no tls.engine finding of %s in %+v", service, fs)
	return Finding{}
}

func TestTLSEngineAgainstRender(t *testing.T) {
	const http = "hono-adapter-http-vertx"
	openssl := map[string]topology.Engine{http: topology.EngineOpenSSL}
	sim := topology.Default()
	simOpenSSL, err := topology.New(func() topology.Options {
		o := topology.DefaultOptions()
		o.Engines = openssl
		return o
	}())
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		top  *topology.Topology
		log  string
		want Status
		hint string
	}{
		{"upstream JDK as asked", upstream(t, nil), jdkLog, Pass, ""},
		{"upstream OpenSSL as asked", upstream(t, openssl), openSSLLog, Pass, ""},
		{"upstream asked OpenSSL, got JDK", upstream(t, openssl), jdkLog, Fail, "netty-tcnative"},
		{"upstream asked JDK, got OpenSSL", upstream(t, nil), openSSLLog, Fail, "extensions/"},
		{"upstream OpenSSL required, no tcnative", upstream(t, openssl), nullLog, Fail, "netty-tcnative"},
		{"upstream log without engine line", upstream(t, nil), "started\n", Warn, "honoctl logs"},
		{"sim", sim, simLog, Pass, ""},
		{"sim asked for OpenSSL", simOpenSSL, simLog, Skip, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := engineOf(t, LogFindings(tt.top, map[string]string{http: tt.log}, nil), http)
			if f.Status != tt.want || !strings.Contains(f.Hint, tt.hint) {
				t.Errorf("%s %q hint %q; want %s with %q", f.Status, f.Message, f.Hint, tt.want, tt.hint)
			}
			if f.Status == Skip && f.Message != "hono-sim always uses Go's crypto/tls" {
				t.Errorf("skip reason %q", f.Message)
			}
		})
	}
}

// TestTLSErrorLines: a JDK TLS error naming the Auth Server fails the
// messaging -> auth link; one that names no peer only warns.
func TestTLSErrorLines(t *testing.T) {
	top := upstream(t, nil)
	log := jdkLog +
		"10:01:05.000 [vert.x-eventloop-thread-1] DEBUG o.e.h.c.i.ConnectionFactoryImpl - failed to connect to hono-service-auth.hono:5671: javax.net.ssl.SSLHandshakeException: sun.security.validator.ValidatorException: PKIX path building failed\n" +
		"10:01:06.000 [vert.x-eventloop-thread-1] DEBUG o.e.h.c.i.ConnectionFactoryImpl - failed to connect to hono-service-auth.hono:5671: javax.net.ssl.SSLHandshakeException: sun.security.validator.ValidatorException: PKIX path building failed\n" +
		"10:01:07.000 [vert.x-eventloop-thread-2] WARN  i.n.h.s.SslHandler - javax.net.ssl.SSLHandshakeException: Received fatal alert: bad_certificate\n"
	var errs []Finding
	for _, f := range LogFindings(top, map[string]string{"hono-service-messaging": log}, nil) {
		if f.Check == IDServiceLog {
			errs = append(errs, f)
		}
	}
	if len(errs) != 2 {
		t.Fatalf("service.log findings %+v, want 2", errs)
	}
	if f := errs[0]; f.Status != Fail || f.Channel != topology.ChannelMessagingAuth ||
		f.Evidence[1].Value != "2" || !strings.Contains(f.Hint, "hono.auth") {
		t.Errorf("PKIX line: %+v", f)
	}
	if f := errs[1]; f.Status != Warn {
		t.Errorf("untied line: %+v", f)
	}

	// hono-sim's logs hold the probes' own handshakes; they are not read.
	for _, f := range LogFindings(topology.Default(), map[string]string{"hono-service-messaging": simLog + log}, nil) {
		if f.Check == IDServiceLog {
			t.Errorf("sim log read for TLS errors: %+v", f)
		}
	}
}
