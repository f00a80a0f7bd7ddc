package tlsconf

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"

	"github.com/honoctl/honoctl/internal/sim/config"
	"github.com/honoctl/honoctl/internal/sim/tlsconf/testpki"
)

func TestServiceServer(t *testing.T) {
	pki := testpki.New(t)
	good := pki.Leaf(t, "auth-server", []string{"localhost"})
	other := pki.Leaf(t, "other", []string{"localhost"})
	tests := []struct {
		name             string
		key, cert        string
		insecure         bool
		wantTLS          bool
		wantErr, wantLog string
	}{
		{"key material", good.KeyPath, good.CertPath, false, true, "", `msg="TLS server" name=hono.auth.amqp`},
		{"key material and plain port", good.KeyPath, good.CertPath, true, true, "", `msg="TLS server"`},
		{"plain port only", "", "", true, false, "", ""},
		{"nothing", "", "", false, false, "no ports configured", ""},
		// Hono opens only the insecure port when its key does not load.
		{"mismatched key, plain port", other.KeyPath, good.CertPath, true, false, "", "secure port not opened"},
		{"mismatched key alone", other.KeyPath, good.CertPath, false, false, "private key does not match", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logs bytes.Buffer
			srv := &config.ServerConfig{InsecurePortEnabled: tt.insecure,
				TLS: config.TLS{KeyPath: tt.key, CertPath: tt.cert, SecureProtocols: []string{"TLSv1.2"}}}
			conf, err := ServiceServer("hono.auth.amqp", srv, slog.New(slog.NewTextHandler(&logs, nil)))
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("err = %v", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("err = %v, want one saying %q", err, tt.wantErr)
			}
			if (conf != nil) != tt.wantTLS {
				t.Errorf("TLS configuration %v, want one: %v", conf != nil, tt.wantTLS)
			}
			if tt.wantLog != "" && !strings.Contains(logs.String(), tt.wantLog) {
				t.Errorf("log %q lacks %q", logs.String(), tt.wantLog)
			}
			if !tt.wantTLS && strings.Contains(logs.String(), `msg="TLS server"`) {
				t.Errorf("no secure port, yet the log has a TLS server line: %q", logs.String())
			}
		})
	}
}
