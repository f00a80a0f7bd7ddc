package check

import (
	"errors"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/honoctl/honoctl/internal/sim/health"
	"github.com/honoctl/honoctl/orchestrator/topology"
)

// TestReadinessMapsLinksToChannels serves hono-sim's own readiness (package
// health) of Hono Messaging with its Auth Server link failed and its
// router link up: channel 3 fails with the service's error text, channel 2
// passes.
func TestReadinessMapsLinksToChannels(t *testing.T) {
	top := topology.Default()
	st := health.NewStatus()
	st.Listener("hono.messaging", "[::]:5671").Up("[::]:5671")
	st.Link("hono.auth", "hono-service-auth.hono:5671", false).
		Failed(errors.New("x509: certificate signed by unknown authority"))
	st.Link("hono.downstream", "hono-dispatch-router.hono:5673", true).Connected(nil)
	srv := httptest.NewServer(st.Handler())
	t.Cleanup(srv.Close)

	p := &ReadinessProber{URL: func(topology.Service) string { return srv.URL + "/readiness" }}
	fs := p.Probe(probeCtx(t), top, top.MustService("hono-service-messaging"))
	got := map[topology.Channel]Finding{}
	for _, f := range fs {
		got[f.Channel] = f
	}
	if len(fs) != 2 {
		t.Fatalf("findings %+v, want one per link", fs)
	}
	if f := got[topology.ChannelMessagingAuth]; f.Status != Fail || f.Check != IDServiceReady ||
		!strings.Contains(f.Message, "unknown authority") || !strings.Contains(f.Hint, "hono.auth") {
		t.Errorf("channel 3: %+v", f)
	}
	if f := got[topology.ChannelMessagingRouter]; f.Status != Pass {
		t.Errorf("channel 2: %+v", f)
	}
}

// TestReadinessListenerDown: a listener that is down fails every link that
// reaches it, with the server's certificate in the hint.
func TestReadinessListenerDown(t *testing.T) {
	top := topology.Default()
	st := health.NewStatus()
	st.Listener("hono.registry.amqp", "[::]:5671").Down(errors.New("tls: private key does not match public key"))
	srv := httptest.NewServer(st.Handler())
	t.Cleanup(srv.Close)
	p := &ReadinessProber{URL: func(topology.Service) string { return srv.URL + "/readiness" }}
	fs := p.Probe(probeCtx(t), top, top.MustService("hono-service-device-registry"))
	if len(fs) != 3 { // the three adapters' links, channel 5
		t.Fatalf("findings %+v", fs)
	}
	for _, f := range fs {
		if f.Channel != topology.ChannelAdapterRegistry || f.Status != Fail ||
			!strings.Contains(f.Hint, "device-registry-cert.pem") {
			t.Errorf("%+v", f)
		}
	}
}

// TestReadinessUnreachable: a service that does not answer fails its links.
func TestReadinessUnreachable(t *testing.T) {
	top := topology.Default()
	srv := httptest.NewServer(nil)
	url := srv.URL
	srv.Close()
	p := &ReadinessProber{URL: func(topology.Service) string { return url + "/readiness" }}
	fs := p.Probe(probeCtx(t), top, top.MustService("hono-adapter-kura"))
	if len(fs) == 0 {
		t.Fatal("no findings")
	}
	for _, f := range fs {
		if f.Status != Fail || !strings.Contains(f.Hint, "honoctl logs hono-adapter-kura") {
			t.Errorf("%+v", f)
		}
	}
}
