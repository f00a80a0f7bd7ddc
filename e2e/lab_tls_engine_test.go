package e2e

import (
	"bytes"
	"context"
	"math"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/honoctl/honoctl/lab"
	"github.com/honoctl/honoctl/lab/bench"
	"github.com/honoctl/honoctl/orchestrator/check"
)

// labUp makes the stack's PKI, the lab's images (debootstrap on a machine
// that has never built them: minutes, once) and runs honoctl lab
// tls-engine, which must exit 0: each endpoint reported the engine it
// should. It returns honoctl's output and the running endpoints.
func labUp(t *testing.T, s *stack) (string, map[string]*lab.Endpoint) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	start := time.Now()
	base, err := lab.EnsureBase(ctx, s.e, nil)
	if err != nil {
		t.Fatalf("JVM base image: %v", err)
	}
	if base.Built {
		t.Logf("built %s in %s, %d MB", base.Ref, time.Since(start).Round(time.Second), base.Size/1e6)
	}
	t.Cleanup(func() {
		if err := lab.Down(context.Background(), s.e, s.project); err != nil {
			t.Error(err)
		}
	})

	s.mustHonoctl("certs")
	out, _ := s.mustHonoctl("lab", "tls-engine", "--project", s.project, "--duration", "1s")
	eps, err := lab.Running(ctx, s.e, s.project)
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]*lab.Endpoint{}
	for _, ep := range eps {
		byName[ep.Spec.Name] = ep
	}
	return out, byName
}

func TestLabTLSEngine(t *testing.T) {
	e := needDocker(t)
	s := newStack(t, e)
	out, eps := labUp(t, s)

	// honoctl's own verdict, one row per endpoint, and the bench table.
	for _, want := range []string{"JDK's default engine", "OpenSSL engine (OpenSSL 3.", "exited 1",
		"tcnative is missing", "HANDSHAKES/S", "lab-openssl"} {
		if !strings.Contains(out, want) {
			t.Errorf("honoctl lab tls-engine output lacks %q:\n%s", want, out)
		}
	}

	// The check reads each endpoint's real log as it reads a service's.
	tests := []struct {
		name, want string
		status     check.Status
		message    string
	}{
		{lab.JDK.Name, lab.EngineJDK, check.Pass, "uses the JDK's default engine"},
		{lab.OpenSSL.Name, lab.EngineOpenSSL, check.Pass, "uses the OpenSSL engine (OpenSSL 3."},
		{lab.Required.Name, lab.EngineOpenSSL, check.Fail, "Netty's tcnative is missing from /opt/hono/extensions"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ep := eps[tt.name]
			if ep == nil {
				t.Fatalf("no endpoint %s running", tt.name)
			}
			f := lab.EngineFinding(tt.name, ep.Log, tt.want)
			if f.Status != tt.status || !strings.Contains(f.Message, tt.message) {
				t.Errorf("finding = %s %q, want %s %q; log:\n%s", f.Status, f.Message, tt.status, tt.message, ep.Log)
			}
			if ep.Exited != (tt.status == check.Fail) {
				t.Errorf("exited = %t (code %d), want %t", ep.Exited, ep.ExitCode, tt.status == check.Fail)
			}
		})
	}
	// Hono's lines, earned: the forced OpenSSL of nativeTlsRequired and
	// Netty's reason.
	req := eps[lab.Required.Name]
	for _, want := range []string{"using OpenSSL [version: null] instead of JDK's default SSL engine",
		"OpenSSL unavailable: java.lang.ClassNotFoundException: io.netty.internal.tcnative.SSL"} {
		if req != nil && !strings.Contains(req.Log, want) {
			t.Errorf("lab-required's log lacks %q:\n%s", want, req.Log)
		}
	}
}

// sTimeLine is openssl s_time's count of new connections.
var sTimeLine = regexp.MustCompile(`(\d+) connections in [\d.]+s;`)

// TestLabBenchAgreesWithSTime measures each lab endpoint with openssl
// s_time -new and with honoctl's bench (one client, as s_time) and wants
// them within 15 %.
func TestLabBenchAgreesWithSTime(t *testing.T) {
	e := needDocker(t)
	if _, err := exec.LookPath("openssl"); err != nil {
		t.Fatal("openssl is not installed: apt-get install -y openssl")
	}
	s := newStack(t, e)
	_, eps := labUp(t, s)

	for _, name := range []string{lab.JDK.Name, lab.OpenSSL.Name} {
		t.Run(name, func(t *testing.T) {
			ep := eps[name]
			if ep == nil || ep.Addr == "" {
				t.Fatalf("endpoint %s is not listening", name)
			}
			const seconds = 3
			// s_time prints integral real seconds; time the process instead.
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			var outb bytes.Buffer
			cmd := exec.CommandContext(ctx, "openssl", "s_time", "-connect", ep.Addr, "-new",
				"-time", strconv.Itoa(seconds))
			cmd.Stdout, cmd.Stderr = &outb, &outb
			start := time.Now()
			if err := cmd.Run(); err != nil {
				t.Fatalf("openssl s_time: %v\n%s", err, outb.String())
			}
			elapsed := time.Since(start)
			m := sTimeLine.FindStringSubmatch(outb.String())
			if m == nil {
				t.Fatalf("openssl s_time printed no count:\n%s", outb.String())
			}
			n, _ := strconv.Atoi(m[1])
			ref := float64(n) / elapsed.Seconds()

			h, err := bench.RunHandshakes(context.Background(), ep.Addr,
				bench.Options{Clients: 1, Duration: seconds * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			diff := math.Abs(h.PerSec-ref) / ref
			t.Logf("%s: s_time %.0f/s, bench %.0f/s (%s %s), %.1f %% apart", name, ref, h.PerSec,
				h.Version, h.Cipher, 100*diff)
			if diff > 0.15 {
				t.Errorf("bench %.0f handshakes/s, openssl s_time -new %.0f/s: %.0f %% apart, want within 15 %%",
					h.PerSec, ref, 100*diff)
			}
		})
	}
}
