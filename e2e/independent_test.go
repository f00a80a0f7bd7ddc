package e2e

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/honoctl/honoctl/orchestrator/check"
	"github.com/honoctl/honoctl/orchestrator/render"
)

// TestFindingsAgreeWithIndependentTools runs tools we did not write against
// the HTTP adapter and the router's external listener of a running stack
// and compares what they see with honoctl check's findings on the same
// links: openssl s_client for the chain, the host name and expiry,
// testssl.sh for the protocol versions and weak cipher suites. Healthy
// first; then with the HTTP adapter's certificate expired, where s_client
// must fail where check does.
func TestFindingsAgreeWithIndependentTools(t *testing.T) {
	e := needDocker(t)
	s := newStack(t, e)
	needSim(t)
	offset := freeOffset(t, simPorts())
	s.mustHonoctl("certs")
	s.mustHonoctl("up", "--port-offset", strconv.Itoa(offset))
	trust := filepath.Join(s.dir, render.CertsDir, render.TrustedCerts)
	endpoints := []struct {
		link string
		port int
	}{
		{"device -> localhost:" + strconv.Itoa(8443+offset), 8443 + offset},
		{"application -> localhost:" + strconv.Itoa(15671+offset), 15671 + offset},
	}

	_, r := s.check()
	for _, ep := range endpoints {
		t.Run(ep.link, func(t *testing.T) {
			ours := verdicts(t, r, ep.link)
			if ok, out := sClient(t, ep.port, trust); ok != ours.verifies() {
				t.Errorf("openssl s_client verifies: %v; check's chain, hostname and validity: %v\n%s", ok, ours, out)
			}
			offered := testssl(t, ep.port)
			if !offered["TLS1_2"] {
				t.Fatalf("testssl reports no TLS 1.2 on port %d: its findings were not read", ep.port)
			}
			for _, id := range []string{"SSLv2", "SSLv3", "TLS1", "TLS1_1", "TLS1_2", "TLS1_3"} {
				name := map[string]string{"SSLv2": "SSLv2", "SSLv3": "SSLv3", "TLS1": "TLS 1.0",
					"TLS1_1": "TLS 1.1", "TLS1_2": "TLS 1.2", "TLS1_3": "TLS 1.3"}[id]
				if got, want := strings.Contains(ours.accepted, name), offered[id]; got != want {
					t.Errorf("%s: testssl says offered %v, check's tls.versions accepts %q", id, want, ours.accepted)
				}
			}
			// testssl 3.0 (Debian 12) files the CBC suites check warns about
			// under AVERAGE, later versions under OBSOLETED.
			weak := false
			for _, id := range []string{"cipherlist_NULL", "cipherlist_aNULL", "cipherlist_EXPORT",
				"cipherlist_LOW", "cipherlist_3DES_IDEA", "cipherlist_AVERAGE", "cipherlist_OBSOLETED"} {
				weak = weak || offered[id]
			}
			if weak != (ours.status[check.IDCiphers] != check.Pass) {
				t.Errorf("testssl finds weak suites: %v; check's tls.ciphers: %s", weak, ours.status[check.IDCiphers])
			}
		})
	}

	// Broken: an expired certificate on the HTTP adapter.
	s.mustHonoctl("up", "--break", "expired-cert:hono-adapter-http-vertx")
	_, r = s.check()
	ep := endpoints[0]
	ours := verdicts(t, r, ep.link)
	ok, out := sClient(t, ep.port, trust)
	if ok || ours.verifies() || !strings.Contains(out, "certificate has expired") ||
		ours.status[check.IDValidity] != check.Fail {
		t.Errorf("expired certificate: s_client verifies %v (%s); check: %v", ok, out, ours)
	}
}

// linkVerdicts are check's statuses of one link, by check id.
type linkVerdicts struct {
	status   map[string]check.Status
	accepted string // tls.versions' evidence
}

func (v linkVerdicts) verifies() bool {
	return v.status[check.IDChain] == check.Pass && v.status[check.IDHostname] == check.Pass &&
		v.status[check.IDValidity] == check.Pass
}

func verdicts(t *testing.T, r checkReport, link string) linkVerdicts {
	t.Helper()
	v := linkVerdicts{status: map[string]check.Status{}}
	for _, f := range r.Findings {
		if !strings.HasPrefix(f.Link, link) {
			continue
		}
		v.status[f.Check] = f.Status
		for _, ev := range f.Evidence {
			if f.Check == check.IDVersions && ev.Key == "accepted" {
				v.accepted = ev.Value
			}
		}
	}
	if len(v.status) == 0 {
		t.Fatalf("check has no finding on %s", link)
	}
	return v
}

// sClient connects as a device does, verifying the chain against the
// stack's trust, the host name localhost and the dates.
func sClient(t *testing.T, port int, trust string) (bool, string) {
	t.Helper()
	if _, err := exec.LookPath("openssl"); err != nil {
		t.Fatal("openssl not found: install Debian package openssl")
	}
	cmd := exec.Command("openssl", "s_client", "-connect", "127.0.0.1:"+strconv.Itoa(port),
		"-servername", "localhost", "-verify_hostname", "localhost", "-CAfile", trust,
		"-verify_return_error", "-brief")
	cmd.Stdin = strings.NewReader("")
	out, err := cmd.CombinedOutput()
	return err == nil, string(out)
}

// testssl runs testssl.sh's protocol and standard cipher tests and returns
// which of its findings say "offered".
func testssl(t *testing.T, port int) map[string]bool {
	t.Helper()
	if _, err := exec.LookPath("testssl"); err != nil {
		t.Fatal("testssl not found: install Debian package testssl.sh")
	}
	file := filepath.Join(t.TempDir(), "testssl.json")
	// NOTE: --nodns none: testssl would otherwise ask DNS servers, which
	// this machine may not reach.
	cmd := exec.Command("testssl", "--nodns", "none", "--quiet", "--color", "0", "--warnings", "off",
		"-p", "-s", "--jsonfile", file, "127.0.0.1:"+strconv.Itoa(port))
	if out, err := cmd.CombinedOutput(); err != nil {
		if _, statErr := os.Stat(file); statErr != nil {
			t.Fatalf("testssl: %v\n%s", err, out)
		}
	}
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var results []struct {
		ID      string `json:"id"`
		Finding string `json:"finding"`
	}
	if err := json.Unmarshal(data, &results); err != nil {
		t.Fatalf("testssl's JSON: %v", err)
	}
	offered := map[string]bool{}
	for _, res := range results {
		f := strings.ToLower(res.Finding)
		offered[res.ID] = strings.Contains(f, "offered") && !strings.Contains(f, "not offered")
	}
	return offered
}
