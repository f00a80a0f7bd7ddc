package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"

	"github.com/honoctl/honoctl/orchestrator/check"
	"github.com/honoctl/honoctl/orchestrator/render"
	"github.com/honoctl/honoctl/orchestrator/topology"
)

var simBin struct {
	once sync.Once
	err  error
}

// needSim builds the real hono-sim next to the suite's honoctl, where
// honoctl up looks for it (the sim image).
func needSim(t testing.TB) {
	t.Helper()
	dir := filepath.Dir(binary(t, "honoctl"))
	simBin.once.Do(func() {
		cmd := exec.Command("go", "build", "-o", filepath.Join(dir, "hono-sim"), "../cmd/hono-sim")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			simBin.err = &buildError{pkg: "../cmd/hono-sim", out: string(out), err: err}
		}
	})
	if simBin.err != nil {
		t.Fatalf("build hono-sim: %v", simBin.err)
	}
}

type checkReport struct {
	Verdict  string          `json:"verdict"`
	Seconds  float64         `json:"seconds"`
	Findings []check.Finding `json:"findings"`
}

// check runs honoctl check --format json and returns its exit code and
// report.
func (s *stack) check() (int, checkReport) {
	s.t.Helper()
	code, stdout, stderr := s.honoctl("check", "--format", "json")
	var r checkReport
	if err := json.Unmarshal([]byte(stdout), &r); err != nil {
		s.t.Fatalf("check: exit %d, no JSON report (%v)\n%s", code, err, stderr)
	}
	return code, r
}

// red lists the failing and warning findings as "channel link check".
func red(r checkReport) []string {
	var out []string
	for _, f := range r.Findings {
		if f.Status == check.Fail || f.Status == check.Warn {
			out = append(out, fmt.Sprintf("%d %s %s", f.Channel, f.Link, f.Check))
		}
	}
	sort.Strings(out)
	return out
}

func find(r checkReport, channel topology.Channel, linkPrefix, id string) (check.Finding, bool) {
	for _, f := range r.Findings {
		if f.Channel == channel && strings.HasPrefix(f.Link, linkPrefix) && f.Check == id {
			return f, true
		}
	}
	return check.Finding{}, false
}

// TestCheckSimStack brings up the real sim stack: every check passes and
// every kind of check is there; a device with a wrong password fails the
// data path at its first hop; then the application's user gets another
// password in config/permissions.json, and exactly the application's
// logins and the data path fail, with hints naming the file.
func TestCheckSimStack(t *testing.T) {
	e := needDocker(t)
	needSim(t)
	s := newStack(t, e)
	s.renderSim(freeOffset(t, simPorts()))
	s.mustHonoctl("up")

	// Green, with every kind of check.
	code, r := s.check()
	if code != 0 || len(red(r)) > 0 {
		t.Fatalf("check of the default stack: exit %d:%s", code, failures(r))
	}
	t.Logf("check of the default stack: %d findings in %.2fs", len(r.Findings), r.Seconds)
	// The run is recorded, so that the next one knows which log lines its
	// probes caused.
	runs, err := check.LoadProbeRuns(filepath.Join(s.dir, "reports"))
	if err != nil || len(runs) != 1 || runs[0].End.Sub(runs[0].Start) <= 0 ||
		runs[0].End.Sub(runs[0].Start) > time.Duration(r.Seconds*float64(time.Second))+time.Second {
		t.Errorf("probe runs after one check: %+v, %v (the check took %.2fs)", runs, err, r.Seconds)
	}
	for _, id := range []string{check.IDAMQPSASL, check.IDAMQPOpen, check.IDAMQPAttach, check.IDAuthToken,
		check.IDDataHTTP, check.IDDataMQTT, check.IDDataKura, check.IDServiceReady, check.IDTLSEngine, check.IDHandshake} {
		if !slices.ContainsFunc(r.Findings, func(f check.Finding) bool { return f.Check == id && f.Status == check.Pass }) {
			t.Errorf("no passing %s finding", id)
		}
	}

	mustConsume(t, s)

	// A device with the wrong password: the adapters refuse it.
	top, err := topology.Load(s.dir)
	if err != nil {
		t.Fatal(err)
	}
	pki, err := check.LoadPKI(filepath.Join(s.dir, render.CertsDir))
	if err != nil {
		t.Fatal(err)
	}
	d := check.DataTargets(&check.Stack{Dir: s.dir, Top: top, PKI: pki})
	d.Password = "not-hono-secret"
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for _, f := range (&check.DataProber{}).Probe(ctx, d) {
		if f.Status != check.Fail || !strings.Contains(f.Hint, "device login") ||
			!strings.Contains(f.Hint, "credentials.json") || strings.Contains(f.Message+f.Hint, "not-hono-secret") {
			t.Errorf("wrong device password: %s %s %q hint %q", f.Check, f.Status, f.Message, f.Hint)
		}
	}

	// The application's user gets another password.
	perms := filepath.Join(s.dir, render.ConfigDir, render.PermissionsFile)
	b, err := os.ReadFile(perms)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(perms, []byte(strings.Replace(string(b), `"verysecret"`, `"changed-secret"`, 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	s.mustHonoctl("up")
	code, r = s.check()
	if code != 1 {
		t.Errorf("check after the break: exit %d, want 1", code)
	}
	app := topology.ClientApplication + " -> "
	want := []string{
		"1 " + top.LinksOf(topology.ChannelAppRouter)[0].String() + " " + check.IDAMQPSASL,
		"1 " + top.LinksOf(topology.ChannelAppRouter)[1].String() + " " + check.IDAMQPSASL,
	}
	for _, l := range top.LinksOf(topology.ChannelDeviceAdapter) {
		switch top.MustService(l.Server).Role {
		case topology.RoleHTTPAdapter:
			want = append(want, "7 "+l.String()+" "+check.IDDataHTTP)
		case topology.RoleMQTTAdapter:
			want = append(want, "7 "+l.String()+" "+check.IDDataMQTT)
		case topology.RoleKuraAdapter:
			want = append(want, "7 "+l.String()+" "+check.IDDataKura)
		}
	}
	sort.Strings(want)
	if got := red(r); !slices.Equal(got, want) {
		t.Errorf("red after the break:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
	if f, ok := find(r, topology.ChannelAppRouter, app, check.IDAMQPSASL); !ok ||
		!strings.Contains(f.Hint, filepath.Join("config", "permissions.json")) || strings.Contains(f.Hint, "verysecret") {
		t.Errorf("application login: %+v", f)
	}
	if f, ok := find(r, topology.ChannelDeviceAdapter, "device", check.IDDataHTTP); !ok ||
		!strings.Contains(f.Hint, "application -> router") {
		t.Errorf("data path: %+v", f)
	}
	raw, _ := json.Marshal(r)
	if strings.Contains(string(raw), "verysecret") || strings.Contains(string(raw), "changed-secret") {
		t.Error("a password is in the report")
	}

	// Hono Messaging stops: an application with the new password gets in,
	// but the adapters have nowhere to send; the hint names that hop.
	stopCtx, stopCancel := context.WithTimeout(context.Background(), time.Minute)
	defer stopCancel()
	if err := e.Client().ContainerStop(stopCtx, s.containerIDs()["hono-service-messaging"], container.StopOptions{}); err != nil {
		t.Fatal(err)
	}
	d.Password, d.AppPassword = render.DemoPassword, "changed-secret"
	// NOTE: the adapters learn that Hono Messaging is gone when its
	// connection ends, which can take a moment after the stop; until then
	// a device's request waits on the old link. The probe runs again, for
	// at most 20 s, until the adapters answer; the assertion is on the
	// last run.
	var fs []check.Finding
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(time.Second) {
		fs = (&check.DataProber{}).Probe(stopCtx, d)
		if allDownstream(fs) || time.Now().After(deadline) {
			break
		}
	}
	for _, f := range fs {
		if f.Status != check.Fail || !strings.Contains(f.Hint, "downstream") || !strings.Contains(f.Hint, "channel 6") {
			t.Errorf("messaging stopped: %s %s %q hint %q", f.Check, f.Status, f.Message, f.Hint)
		}
	}
}

// allDownstream tells whether every finding blames the downstream hop.
func allDownstream(fs []check.Finding) bool {
	for _, f := range fs {
		if !strings.Contains(f.Hint, "downstream") {
			return false
		}
	}
	return len(fs) > 0
}

// TestCheckStackNotUp: check on a rendered stack that does not run is
// exit 2 and names honoctl up.
func TestCheckStackNotUp(t *testing.T) {
	e := needDocker(t)
	s := newStack(t, e)
	s.renderSim(freeOffset(t, simPorts()))
	code, _, stderr := s.honoctl("check")
	if code != 2 || !strings.Contains(stderr, "is not up") || !strings.Contains(stderr, "honoctl up --dir "+s.dir) {
		t.Errorf("check of a stack that is not up: exit %d\n%s", code, stderr)
	}
}

// mustConsume runs honoctl consume --count 1 while curl posts telemetry
// as Hono's getting started does, and wants the message as its line.
func mustConsume(t *testing.T, s *stack) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary(t, "honoctl"), "consume", "--dir", s.dir, "--count", "1")
	var out bytes.Buffer
	cmd.Stdout = &out
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	first, _ := bufio.NewReader(stderr).ReadString('\n')
	if !strings.HasPrefix(first, "receiving telemetry/DEFAULT_TENANT as consumer@HONO") {
		t.Fatalf("honoctl consume: %q", first)
	}
	top, err := topology.Load(s.dir)
	if err != nil {
		t.Fatal(err)
	}
	ca := filepath.Join(s.dir, render.CertsDir, render.TrustedCerts)
	resp := postTelemetry(t, ca, 8443+top.Options.PortOffset, "sensor1@DEFAULT_TENANT:hono-secret", `{"temp": 5}`)
	if !strings.HasPrefix(resp, "HTTP/1.1 202") {
		t.Fatalf("telemetry to the HTTP adapter: want 202, got\n%s", resp)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("honoctl consume --count 1: %v", err)
	}
	want := `device_id=4711 orig_adapter=hono-http importance=high orig_address=/telemetry content-type=application/json {"temp": 5}`
	if got := strings.TrimSpace(out.String()); got != want {
		t.Errorf("honoctl consume printed %q, want %q", got, want)
	}
}
