package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/honoctl/honoctl/orchestrator/check"
	"github.com/honoctl/honoctl/orchestrator/scenario"
	"github.com/honoctl/honoctl/orchestrator/topology"
)

// breakCase is one breakage of the catalogue applied to the sim stack:
// the finding that must pinpoint it.
type breakCase struct {
	spec    string           // the --break argument
	channel topology.Channel // the channel that shows it
	link    string           // part of the finding's link
	check   string           // the check id
	status  check.Status     // fail, or warn
	message string           // part of the finding's message
}

// Breakages of certs/, then of config/: the two run on stacks of their own,
// side by side, each breakage applied with up --break and restored with a
// plain up.
var (
	certBreaks = []breakCase{
		{"expired-cert", 7, "hono-adapter-http-vertx", check.IDValidity, check.Fail, "expired on"},
		{"not-yet-valid", 7, "hono-adapter-http-vertx", check.IDValidity, check.Fail, "not valid before"},
		{"expiring-soon", 7, "hono-adapter-http-vertx", check.IDValidity, check.Warn, "expires in"},
		{"san-missing-host", 5, "hono-service-device-registry.hono", check.IDHostname, check.Fail,
			"not hono-service-device-registry.hono"},
		{"san-missing-ip", 7, "hono-adapter-http-vertx", check.IDHostname, check.Fail, "not the address 127.0.0.1"},
		{"untrusted-ca", 7, "hono-adapter-mqtt-vertx", check.IDChain, check.Fail, "another CA"},
		{"missing-intermediate", 7, "hono-adapter-http-vertx", check.IDChain, check.Fail,
			"sends only its own certificate"},
		{"client-cert-foreign", 2, "hono-service-messaging -> hono-dispatch-router", check.IDHandshake, check.Fail, ""},
		{"weak-key", 7, "hono-adapter-http-vertx", check.IDKey, check.Fail, "RSA 1024"},
		{"key-mismatch", 7, "hono-adapter-http-vertx", check.IDHandshake, check.Fail, ""},
		// Every Hono server with a trust store stops (the JDK: "the
		// trustAnchors parameter must be non-empty"), so nothing answers.
		{"trust-store-empty", 4, "hono-service-device-registry -> hono-service-auth", check.IDHandshake, check.Fail,
			"nothing answers"},
	}
	configBreaks = []breakCase{
		{"client-cert-missing", 2, "hono-service-messaging -> hono-dispatch-router", check.IDServiceReady, check.Fail, ""},
		{"trust-store-missing", 7, "hono-adapter-mqtt-vertx", check.IDServiceReady, check.Fail, ""},
		{"tls-off-one-side", 5, "hono-service-device-registry.hono", check.IDHandshake, check.Fail, "answers without TLS"},
		{"tls-versions", 5, "hono-service-device-registry.hono", check.IDVersions, check.Fail, "accepts TLS 1.3;"},
		{"wrong-sasl-password", 5, "hono-adapter-http-vertx -> hono-service-device-registry", check.IDServiceReady,
			check.Fail, ""},
		{"token-cert-wrong", 6, "-> hono-service-messaging", check.IDServiceReady, check.Fail, ""},
	}
)

func TestScenariosOfCerts(t *testing.T) {
	t.Parallel()
	runBreaks(t, certBreaks)
}

func TestScenariosOfConfig(t *testing.T) {
	t.Parallel()
	runBreaks(t, configBreaks)
}

// runBreaks brings the sim stack up once, then for each case: up --break,
// check, the finding and its hint, nothing red that the breakage does not
// explain; then a plain up and check all green again.
func runBreaks(t *testing.T, cases []breakCase) {
	e := needDocker(t)
	s := newStack(t, e)
	binary(t, "hono-sim")
	// The two tests run side by side: the second looks for its ports
	// 97 above the first's.
	shift := 0
	if cases[0].spec != certBreaks[0].spec {
		shift = 97
	}
	var ports []int
	for _, p := range simPorts() {
		ports = append(ports, p+shift)
	}
	offset := strconv.Itoa(freeOffset(t, ports) + shift)
	s.mustHonoctl("certs")
	s.mustHonoctl("up", "--port-offset", offset)
	s.mustGreen("the healthy stack")

	// NOTE: the stack's helpers report to the running subtest, and to t
	// again for the clean-up.
	defer func() { s.t = t }()
	for _, tc := range cases {
		t.Run(tc.spec, func(t *testing.T) {
			s.t = t
			s.mustHonoctl("up", "--break", tc.spec, "--timeout", "10s")
			code := 1
			if tc.status == check.Warn {
				code = 0
			}
			fs := s.findings(code)
			mustPinpoint(t, fs, tc)
			if _, stderr := s.mustHonoctl("status"); !strings.Contains(stderr, "the stack runs with --break "+tc.spec) {
				t.Errorf("status of the broken stack does not say so:\n%s", stderr)
			}

			_, stderr := s.mustHonoctl("up")
			if !strings.Contains(stderr, "restored the healthy stack") {
				t.Errorf("plain up did not say it restored:\n%s", stderr)
			}
			if _, err := os.Stat(filepath.Join(s.dir, scenario.FileName)); err == nil {
				t.Errorf("%s is still there after the restore", scenario.FileName)
			}
			s.mustGreen("after the restore")
			if _, stderr := s.mustHonoctl("status"); strings.Contains(stderr, "runs with") {
				t.Errorf("status of the restored stack:\n%s", stderr)
			}
		})
	}
}

// findings runs check --format json, wants exit code want, and returns
// the findings.
func (s *stack) findings(want int) []check.Finding {
	s.t.Helper()
	code, stdout, stderr := s.honoctl("check", "--format", "json")
	var rep struct {
		Findings []check.Finding `json:"findings"`
	}
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		s.t.Fatalf("check --format json: exit %d: %v\n%s\n%s", code, err, stderr, stdout)
	}
	if code != want {
		s.t.Errorf("check: exit %d, want %d; red findings:\n  %s", code, want, strings.Join(redFindings(rep.Findings), "\n  "))
	}
	return rep.Findings
}

func (s *stack) mustGreen(when string) {
	s.t.Helper()
	if r := redFindings(s.findings(0)); len(r) > 0 {
		s.t.Errorf("%s:\n  %s", when, strings.Join(r, "\n  "))
	}
}

// redFindings lists the failing and warning findings with their messages.
func redFindings(fs []check.Finding) []string {
	var out []string
	for _, f := range fs {
		if f.Status == check.Fail || f.Status == check.Warn {
			out = append(out, strconv.Itoa(int(f.Channel))+" "+f.Link+" "+f.Check+" "+string(f.Status)+": "+f.Message)
		}
	}
	return out
}

// mustPinpoint wants the case's finding, with the breakage named in its
// hint, and every other red finding explained by the breakage too.
func mustPinpoint(t *testing.T, fs []check.Finding, tc breakCase) {
	t.Helper()
	named := "--break " + tc.spec + ":"
	found := false
	for _, f := range fs {
		if f.Status != check.Fail && f.Status != check.Warn {
			continue
		}
		if !strings.Contains(f.Hint, named) {
			t.Errorf("unrelated red finding: ch %d %s %s %s: %s (hint: %s)", f.Channel, f.Link, f.Check,
				f.Status, f.Message, f.Hint)
			continue
		}
		if f.Channel == tc.channel && strings.Contains(f.Link, tc.link) && f.Check == tc.check &&
			f.Status == tc.status && strings.Contains(f.Message, tc.message) {
			found = true
		}
	}
	if !found {
		t.Errorf("no %s %s on channel %d, link %q, message %q; the red findings:\n  %s", tc.check, tc.status,
			tc.channel, tc.link, tc.message, strings.Join(redFindings(fs), "\n  "))
	}
}
