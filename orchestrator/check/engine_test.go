package check

import (
	"testing"

	"github.com/honoctl/honoctl/orchestrator/topology"
)

// TestReadEngine on the lines of a JVM that was told to use OpenSSL
// (nativeTlsRequired) without tcnative, as the TLS engine lab's endpoint
// logs them.
func TestReadEngine(t *testing.T) {
	const required = "03:41:08.222 [main] DEBUG org.honoctl.lab.TlsEndpoint - OpenSSL [available: false, supports KeyManagerFactory: false]\n" +
		"03:41:08.224 [main] INFO  org.honoctl.lab.TlsEndpoint - using OpenSSL [version: null] instead of JDK's default SSL engine\n" +
		"03:41:08.586 [main] ERROR org.honoctl.lab.TlsEndpoint - OpenSSL unavailable: java.lang.ClassNotFoundException: io.netty.internal.tcnative.SSL\n"
	tests := []struct {
		name    string
		log     string
		want    TLSEngine
		missing bool
	}{
		{"OpenSSL required without tcnative", required, TLSEngine{Engine: topology.EngineOpenSSL, Version: "null",
			Available: "false", Cause: "java.lang.ClassNotFoundException: io.netty.internal.tcnative.SSL"}, true},
		{"OpenSSL", openSSLLog, TLSEngine{Engine: topology.EngineOpenSSL, Version: "BoringSSL"}, false},
		{"JDK", jdkLog, TLSEngine{Engine: topology.EngineJDK}, false},
		{"none", "started\n", TLSEngine{}, false},
	}
	for _, tt := range tests {
		got := ReadEngine(tt.log)
		if got != tt.want || got.Missing() != tt.missing {
			t.Errorf("%s: ReadEngine = %+v (missing %v), want %+v (missing %v)", tt.name, got, got.Missing(), tt.want, tt.missing)
		}
	}
}
