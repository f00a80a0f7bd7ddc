package certs

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/honoctl/honoctl/orchestrator/topology"
)

func writtenFiles(s *Summary) []string {
	var out []string
	for _, w := range s.Written {
		out = append(out, w.File)
	}
	return out
}

func reasonOf(s *Summary, file string) string {
	for _, w := range s.Written {
		if w.File == file {
			return w.Reason
		}
	}
	return ""
}

func TestGenerateKeepsAValidPKI(t *testing.T) {
	dir, first := mustGenerate(t, Options{})
	before := mustRead(t, filepath.Join(dir, "qdrouter-cert.pem"))
	sum, err := Generate(dir, topology.Default(), Options{Now: testNow.Add(24 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.Written) != 0 || len(sum.Kept) != len(first.Written) {
		t.Errorf("re-run wrote %v, kept %d of %d", writtenFiles(sum), len(sum.Kept), len(first.Written))
	}
	if !bytes.Equal(before, mustRead(t, filepath.Join(dir, "qdrouter-cert.pem"))) {
		t.Error("qdrouter-cert.pem changed")
	}
	if !sum.Expires.Equal(first.Expires) {
		t.Errorf("expiry moved from %v to %v", first.Expires, sum.Expires)
	}
}

func TestGenerateForceRenewsEverything(t *testing.T) {
	dir, first := mustGenerate(t, Options{})
	root := mustRead(t, filepath.Join(dir, RootCert))
	sum, err := Generate(dir, topology.Default(), Options{Now: testNow, Force: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.Written) != len(first.Written) || reasonOf(sum, RootCert) != reasonForce {
		t.Errorf("forced re-run wrote %v", sum.Written)
	}
	if bytes.Equal(root, mustRead(t, filepath.Join(dir, RootCert))) {
		t.Error("root-cert.pem was kept with --force")
	}
}

// TestGenerateAddsAServiceFromTheSameCA starts with a stack without
// adapters, then adds the HTTP adapter: it gets a certificate from the CA
// that is already there, and nothing else changes.
func TestGenerateAddsAServiceFromTheSameCA(t *testing.T) {
	dir := t.TempDir()
	o := topology.DefaultOptions()
	o.Adapters = nil
	small, err := topology.New(o)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Generate(dir, small, Options{Now: testNow}); err != nil {
		t.Fatal(err)
	}
	ca := mustRead(t, filepath.Join(dir, CACert))

	o.Adapters = []topology.Role{topology.RoleHTTPAdapter}
	bigger, _ := topology.New(o)
	sum, err := Generate(dir, bigger, Options{Now: testNow})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"http-adapter-key.pem", "http-adapter-cert.pem", "httpKeyStore.p12"}
	if got := writtenFiles(sum); !slices.Equal(got, want) {
		t.Errorf("wrote %v, want %v", got, want)
	}
	if !bytes.Equal(ca, mustRead(t, filepath.Join(dir, CACert))) {
		t.Error("the CA changed")
	}
	out := mustRun(t, dir, "openssl", "verify", "-CAfile", TrustedCerts, "http-adapter-cert.pem")
	if !strings.Contains(out, "OK") {
		t.Error(out)
	}
}

func TestGenerateReissues(t *testing.T) {
	t.Parallel() // peers and key generation; independent folders
	for _, tt := range []struct {
		name   string
		breakF func(t *testing.T, dir string)
		o      Options
		file   string
		reason string
	}{
		{"expiring soon", nil, Options{Now: testNow.Add((DefaultDays - 10) * 24 * time.Hour)},
			"mqtt-adapter-cert.pem", "expires "},
		{"key type changed", nil, Options{Now: testNow, KeyType: RSA2048},
			"mqtt-adapter-cert.pem", "new CA"},
		{"key lost", func(t *testing.T, dir string) {
			os.Remove(filepath.Join(dir, "mqtt-adapter-key.pem"))
		}, Options{Now: testNow}, "mqtt-adapter-cert.pem", "mqtt-adapter-key.pem missing"},
		{"key of another service", func(t *testing.T, dir string) {
			mustWrite(t, filepath.Join(dir, "mqtt-adapter-key.pem"),
				mustRead(t, filepath.Join(dir, "kura-adapter-key.pem")))
		}, Options{Now: testNow}, "mqtt-adapter-key.pem", "does not match"},
		{"intermediate missing from the file", func(t *testing.T, dir string) {
			chain, _ := ParseCerts(mustRead(t, filepath.Join(dir, "mqtt-adapter-cert.pem")))
			mustWrite(t, filepath.Join(dir, "mqtt-adapter-cert.pem"), encodeCerts(chain[0]))
		}, Options{Now: testNow}, "mqtt-adapter-cert.pem", "chain is not the leaf and ca-cert.pem"},
		{"key store lost", func(t *testing.T, dir string) {
			os.Remove(filepath.Join(dir, "mqttKeyStore.p12"))
		}, Options{Now: testNow}, "mqttKeyStore.p12", "new"},
		{"trust store lost", func(t *testing.T, dir string) {
			os.Remove(filepath.Join(dir, TrustStore))
		}, Options{Now: testNow}, TrustStore, "new"},
		{"CA key lost", func(t *testing.T, dir string) {
			os.Remove(filepath.Join(dir, CAKey))
		}, Options{Now: testNow}, "mqtt-adapter-cert.pem", "new CA"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir, _ := mustGenerate(t, Options{})
			if tt.breakF != nil {
				tt.breakF(t, dir)
			}
			sum, err := Generate(dir, topology.Default(), tt.o)
			if err != nil {
				t.Fatal(err)
			}
			if r := reasonOf(sum, tt.file); !strings.Contains(r, tt.reason) {
				t.Errorf("%s written for %q, want %q; all: %v", tt.file, r, tt.reason, sum.Written)
			}
			// Whatever was broken, the result verifies again.
			at := strconv.FormatInt(tt.o.Now.Unix(), 10)
			out := mustRun(t, dir, "openssl", "verify", "-attime", at, "-CAfile", TrustedCerts,
				"mqtt-adapter-cert.pem", "auth-server-cert.pem")
			if strings.Count(out, ": OK") != 2 {
				t.Error(out)
			}
		})
	}
}

func TestGenerateRejectsBadOptions(t *testing.T) {
	for _, tt := range []struct {
		o    Options
		want string
	}{
		{Options{KeyType: "dsa1024"}, `key type "dsa1024": want one of ecdsa-p256, rsa2048, rsa3072, rsa4096`},
		{Options{Days: -1}, "validity of -1 days: want 1 to 3650"},
	} {
		dir := t.TempDir()
		_, err := Generate(dir, topology.Default(), tt.o)
		if err == nil || err.Error() != tt.want {
			t.Errorf("%+v: error %v, want %q", tt.o, err, tt.want)
		}
		if entries, _ := os.ReadDir(dir); len(entries) != 0 {
			t.Errorf("%+v: files written: %v", tt.o, entries)
		}
	}
}

func TestGenerateLeavesNothingHalfWritten(t *testing.T) {
	dir, _ := mustGenerate(t, Options{})
	before := mustRead(t, filepath.Join(dir, TrustedCerts))
	// A folder where a key should go makes the write fail half way.
	os.Remove(filepath.Join(dir, "kura-adapter-key.pem"))
	os.Mkdir(filepath.Join(dir, "kura-adapter-key.pem"), 0o755)
	_, err := Generate(dir, topology.Default(), Options{Now: testNow, Force: true})
	if err == nil {
		t.Fatal("no error with a folder in the way of a key")
	}
	if !bytes.Equal(before, mustRead(t, filepath.Join(dir, TrustedCerts))) {
		t.Error("trusted-certs.pem changed although the run failed")
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".*")); len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

// TestGenerateKeepsTheCAsKeyType: without a key type, a re-run keeps an RSA
// PKI RSA instead of switching back to the default.
func TestGenerateKeepsTheCAsKeyType(t *testing.T) {
	dir, first := mustGenerate(t, Options{KeyType: RSA2048})
	sum, err := Generate(dir, topology.Default(), Options{Now: testNow})
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.Written) != 0 || len(sum.Kept) != len(first.Written) {
		t.Errorf("re-run without a key type wrote %v", sum.Written)
	}
}

// TestGenerateStopsWhenCancelled: a cancelled run writes nothing.
func TestGenerateStopsWhenCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	dir := t.TempDir()
	_, err := Generate(dir, topology.Default(), Options{KeyType: RSA4096, Context: ctx})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("error %v, want context.Canceled", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("files written: %v", entries)
	}
}
