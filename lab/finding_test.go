package lab

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/honoctl/honoctl/orchestrator/check"
)

// The fixtures are the real logs of the three lab endpoints (honoctl lab
// tls-engine, Debian bookworm: Java 17, Netty 4.1.48, tcnative 2.0.28).
func mustLog(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestEngineFinding(t *testing.T) {
	tests := []struct {
		name, log, want string
		status          check.Status
		message, hint   string
	}{
		{"JDK engine as wanted", "lab-jdk.log", EngineJDK, check.Pass, "uses the JDK's default engine", ""},
		{"OpenSSL engine as wanted", "lab-openssl.log", EngineOpenSSL, check.Pass,
			"uses the OpenSSL engine (OpenSSL 3.0", ""},
		{"either engine", "lab-openssl.log", "", check.Pass, "OpenSSL engine", ""},
		{"JDK engine where OpenSSL is wanted", "lab-jdk.log", EngineOpenSSL, check.Fail,
			"uses the JDK's default engine, not the OpenSSL engine", "fetch-tcnative.sh debian"},
		{"OpenSSL engine where JDK is wanted", "lab-openssl.log", EngineJDK, check.Fail,
			"not the JDK's default engine", "fetch-tcnative.sh none"},
		{"nativeTlsRequired without tcnative", "lab-required.log", EngineOpenSSL, check.Fail,
			"Netty's tcnative is missing from /opt/hono/extensions, so its TLS server cannot start: " +
				"java.lang.ClassNotFoundException: io.netty.internal.tcnative.SSL", "drop nativeTlsRequired"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := EngineFinding("svc", mustLog(t, tt.log), tt.want)
			if f.Status != tt.status || !strings.Contains(f.Message, tt.message) ||
				!strings.Contains(f.Hint, tt.hint) || f.Check != IDEngine {
				t.Errorf("finding = %s %q (hint %q), want %s %q (hint %q)", f.Status, f.Message, f.Hint,
					tt.status, tt.message, tt.hint)
			}
		})
	}
}

func TestEngineFindingNoLine(t *testing.T) {
	f := EngineFinding("svc", "12:00:00.000 [main] INFO  x - started\n", EngineJDK)
	if f.Status != check.Warn || !strings.Contains(f.Message, "names no TLS engine") {
		t.Errorf("finding = %s %q, want a warning that the log names no engine", f.Status, f.Message)
	}
}
