package check

import (
	"context"
	"crypto/ecdsa"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/honoctl/honoctl/orchestrator/topology"
)

func writePEM(t *testing.T, path, typ string, ders ...[]byte) {
	t.Helper()
	var out []byte
	for _, d := range ders {
		out = append(out, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: d})...)
	}
	if err := os.WriteFile(path, out, 0o600); err != nil {
		t.Fatal(err)
	}
}

// mustPKIDir writes a stack's certs/ folder: the trust anchors and the key
// pairs of the services that present client certificates.
func mustPKIDir(t *testing.T, top *topology.Topology) (string, *testPKI) {
	t.Helper()
	dir := t.TempDir()
	pki := mustPKI(t)
	writePEM(t, filepath.Join(dir, "trusted-certs.pem"), "CERTIFICATE", pki.inter.cert.Raw, pki.root.cert.Raw)
	for _, s := range top.Services {
		c := pki.leaf(t, s.CertName, leafOpts{dns: s.DNSNames()})
		writePEM(t, filepath.Join(dir, s.CertFile()), "CERTIFICATE", c.Certificate...)
		der, err := x509.MarshalPKCS8PrivateKey(c.PrivateKey.(*ecdsa.PrivateKey))
		if err != nil {
			t.Fatal(err)
		}
		writePEM(t, filepath.Join(dir, s.KeyFile()), "PRIVATE KEY", der)
	}
	return dir, pki
}

func TestTargets(t *testing.T) {
	top := topology.Default()
	dir, _ := mustPKIDir(t, top)
	pki, err := LoadPKI(dir)
	if err != nil {
		t.Fatal(err)
	}
	inside, err := Targets(top, pki, InNetwork)
	if err != nil {
		t.Fatal(err)
	}
	host, err := Targets(top, pki, Host)
	if err != nil {
		t.Fatal(err)
	}
	if len(inside)+len(host) != len(top.Links) {
		t.Errorf("%d + %d targets for %d links", len(inside), len(host), len(top.Links))
	}
	for _, tg := range host {
		if !strings.HasPrefix(tg.Addr, "127.0.0.1:") {
			t.Errorf("host target %s dials %s", tg.Link, tg.Addr)
		}
	}
	var mutual Target
	for _, tg := range inside {
		if tg.Link.Channel == topology.ChannelMessagingRouter {
			mutual = tg
		}
	}
	if mutual.Addr != "hono-dispatch-router.hono:5673" || mutual.Peer.Cert == nil ||
		mutual.Fix.ClientPrefix != "hono.downstream" || mutual.Fix.ServerConfig != "config/qdrouterd.json" ||
		mutual.PlainAddr != "" {
		t.Errorf("messaging -> router target = %+v", mutual)
	}
}

func TestTargetsNameAMissingKey(t *testing.T) {
	top := topology.Default()
	dir, _ := mustPKIDir(t, top)
	if err := os.Remove(filepath.Join(dir, "hono-messaging-key.pem")); err != nil {
		t.Fatal(err)
	}
	pki, err := LoadPKI(dir)
	if err != nil {
		t.Fatal(err)
	}
	_, err = Targets(top, pki, InNetwork)
	if err == nil || !strings.Contains(err.Error(), "hono-service-messaging's key pair") {
		t.Errorf("err = %v", err)
	}
}

func TestLoadPKIWithoutTrust(t *testing.T) {
	_, err := LoadPKI(t.TempDir())
	if err == nil || !strings.Contains(err.Error(), "trusted-certs.pem") || !strings.Contains(err.Error(), "honoctl certs") {
		t.Errorf("err = %v", err)
	}
}

// TestRunAgainstLoopback probes a stand-in for the HTTP adapter from the
// host, with the trust anchors and names a real stack folder has.
func TestRunAgainstLoopback(t *testing.T) {
	top := topology.Default()
	dir, pki := mustPKIDir(t, top)
	loaded, err := LoadPKI(dir)
	if err != nil {
		t.Fatal(err)
	}
	srv := top.MustService("hono-adapter-http-vertx")
	addr := mustServe(t, serverConfig(pki.leaf(t, srv.CertName, leafOpts{dns: srv.DNSNames()})))
	targets, err := Targets(top, loaded, Host)
	if err != nil {
		t.Fatal(err)
	}
	var http []Target
	for _, tg := range targets {
		if tg.Link.Server == srv.Name {
			tg.Addr, tg.PlainAddr = addr, closedAddr(t)
			http = append(http, tg)
		}
	}
	fs := Run(context.Background(), &TLSProber{}, http)
	if len(fs) == 0 || Worst(fs) != Pass {
		t.Errorf("findings: %+v", fs)
	}
}
