package e2e

import (
	"strings"
	"testing"

	"github.com/honoctl/honoctl/lab"
	"github.com/honoctl/honoctl/orchestrator/check"
	"github.com/honoctl/honoctl/orchestrator/topology"
)

// testCheckReadsLabLogs gives honoctl check's TLS engine finding the lab
// endpoints' real logs as those of an upstream stack's Java services, each
// rendered with the engine in the name, and wants each judged right: the
// lab's JVMs earned the lines the check reads in Hono's.
func testCheckReadsLabLogs(t *testing.T, eps map[string]*lab.Endpoint) {
	const (
		http     = "hono-adapter-http-vertx"
		mqtt     = "hono-adapter-mqtt-vertx"
		kura     = "hono-adapter-kura"
		registry = "hono-service-device-registry"
	)
	o := topology.DefaultOptions()
	o.Flavor = topology.FlavorUpstream
	o.Engines = map[string]topology.Engine{http: topology.EngineOpenSSL, mqtt: topology.EngineJDK,
		kura: topology.EngineOpenSSL, registry: topology.EngineOpenSSL}
	top, err := topology.New(o)
	if err != nil {
		t.Fatal(err)
	}
	logs := map[string]string{}
	for svc, ep := range map[string]string{http: lab.OpenSSL.Name, mqtt: lab.JDK.Name,
		kura: lab.Required.Name, registry: lab.JDK.Name} {
		if eps[ep] == nil {
			t.Fatalf("no endpoint %s", ep)
		}
		logs[svc] = eps[ep].Log
	}

	want := map[string]struct {
		status  check.Status
		message string
	}{
		http:     {check.Pass, "uses the openssl engine, as asked"},
		mqtt:     {check.Pass, "uses the jdk engine, as asked"},
		kura:     {check.Fail, "no tcnative library loaded"},
		registry: {check.Fail, "uses the jdk engine, the render asked for openssl"},
	}
	seen := 0
	for _, f := range check.LogFindings(top, logs, nil) {
		if f.Check != check.IDTLSEngine {
			continue
		}
		svc := ""
		for _, e := range f.Evidence {
			if e.Key == "service" {
				svc = e.Value
			}
		}
		w, ok := want[svc]
		if !ok {
			continue
		}
		seen++
		if f.Status != w.status || !strings.Contains(f.Message, w.message) {
			t.Errorf("%s: %s %q, want %s %q", svc, f.Status, f.Message, w.status, w.message)
		}
	}
	if seen != len(want) {
		t.Errorf("check judged %d of the %d services given a lab log", seen, len(want))
	}
}
