package e2e

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/honoctl/honoctl/lab"
	"github.com/honoctl/honoctl/lab/bench"
	"github.com/honoctl/honoctl/orchestrator/check"
)

// labCert is the key pair the lab's endpoints serve in the tests: RSA 4096,
// so that the server's signature dominates a handshake's cost and two
// clients of different weight (openssl s_time, the bench) see the same
// server; with a cheaper key OpenSSL's client, which costs more per
// handshake than Go's, measures itself as much as the server.
const labCert = "lab-rsa4096"

// mustRSA4096Pair writes certs/<name>-key.pem and -cert.pem into the stack
// folder dir: an RSA 4096 key and a self-signed certificate for it (the
// bench does not verify chains).
func mustRSA4096Pair(t *testing.T, dir, name string) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 4096)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1),
		Subject:   pkix.Name{Organization: []string{"Eclipse IoT"}, OrganizationalUnit: []string{"Hono"}, CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		DNSNames: []string{"localhost"}, IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	pkcs8, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certs := filepath.Join(dir, "certs")
	for file, block := range map[string]*pem.Block{
		name + "-key.pem":  {Type: "PRIVATE KEY", Bytes: pkcs8},
		name + "-cert.pem": {Type: "CERTIFICATE", Bytes: der},
	} {
		if err := os.WriteFile(filepath.Join(certs, file), pem.EncodeToMemory(block), 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

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
	mustRSA4096Pair(t, s.dir, labCert)
	// stack.honoctl puts --dir after the verb; lab's comes after its subcommand.
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, binary(t, "honoctl"), "lab", "tls-engine", "--dir", s.dir,
		"--project", s.project, "--cert", labCert, "--duration", "1s", "--warmup", "1s")
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("honoctl lab tls-engine: %v\n%s\n%s", err, stdout.String(), stderr.String())
	}
	out := stdout.String()
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

// TestLabTLSEngine brings the lab up once and tests what it shows: the
// engines, the forced OpenSSL that fails, and the bench against s_time.
func TestLabTLSEngine(t *testing.T) {
	e := needDocker(t)
	s := newStack(t, e)
	out, eps := labUp(t, s)
	t.Run("engines", func(t *testing.T) { testEngines(t, out, eps) })
	t.Run("check reads the lab's logs", func(t *testing.T) { testCheckReadsLabLogs(t, eps) })
	t.Run("bench agrees with s_time", func(t *testing.T) { testBenchAgreesWithSTime(t, eps) })
}

func testEngines(t *testing.T, out string, eps map[string]*lab.Endpoint) {

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

// sTime runs openssl s_time -new against addr for about seconds and
// returns how many connections it made between its first and its last,
// and the time between them. s_time writes a "*" as each connection ends;
// timing those leaves out its start (loading its configuration) and its
// whole-second clock.
func sTime(t *testing.T, addr string, seconds int) (int, time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Duration(seconds+20)*time.Second)
	defer cancel()
	// No trust store, as the bench does not verify either: with the
	// default one s_time searches /etc/ssl/certs on every connection, and
	// measures that more than the server.
	cmd := exec.CommandContext(ctx, "openssl", "s_time", "-connect", addr, "-new", "-time", strconv.Itoa(seconds),
		"-no-CAfile", "-no-CApath", "-no-CAstore")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("openssl s_time: %v", err)
	}
	var n int
	var first, last time.Time
	var tail bytes.Buffer
	buf := make([]byte, 4096)
	for {
		k, err := stdout.Read(buf)
		now := time.Now()
		for _, b := range buf[:k] {
			if b == '*' {
				if n == 0 {
					first = now
				}
				n, last = n+1, now
			}
		}
		if tail.Len() < 1<<16 {
			tail.Write(buf[:k])
		}
		if err != nil {
			break
		}
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("openssl s_time: %v\n%s%s", err, tail.String(), stderr.String())
	}
	if n < 2 {
		t.Fatalf("openssl s_time made %d connections:\n%s%s", n, tail.String(), stderr.String())
	}
	return n - 1, last.Sub(first)
}

// warmUntilSteady loads addr with handshakes until two seconds in a row
// agree within 10 %, for at most 30 s: the JDK engine speeds up as the
// JIT compiles it, and on a busy machine that takes many seconds.
func warmUntilSteady(t *testing.T, addr string) {
	t.Helper()
	prev := 0.0
	for i := range 30 {
		h, err := bench.RunHandshakes(context.Background(), addr, bench.Options{Duration: time.Second})
		if err != nil {
			t.Fatal(err)
		}
		if prev > 0 && math.Abs(h.PerSec-prev)/prev < 0.10 {
			t.Logf("%s steady at %.0f handshakes/s after %d s", addr, h.PerSec, i+1)
			return
		}
		prev = h.PerSec
	}
	t.Logf("%s not steady after 30 s of handshakes; measuring anyway", addr)
}

// testBenchAgreesWithSTime measures each running lab endpoint with openssl
// s_time -new and with honoctl's bench (one client, as s_time) and wants
// them within 15 %. The two take turns in short rounds, so that the load
// of a shared machine falls on both alike.
func testBenchAgreesWithSTime(t *testing.T, eps map[string]*lab.Endpoint) {
	if _, err := exec.LookPath("openssl"); err != nil {
		t.Fatal("openssl is not installed: apt-get install -y openssl")
	}
	for _, name := range []string{lab.JDK.Name, lab.OpenSSL.Name} {
		t.Run(name, func(t *testing.T) {
			ep := eps[name]
			if ep == nil || ep.Addr == "" {
				t.Fatalf("endpoint %s is not listening", name)
			}
			const rounds, seconds = 6, 2
			warmUntilSteady(t, ep.Addr)
			// Each round measures both, one after the other; its ratio
			// compares them under the same load. The median of the
			// rounds' ratios leaves out a round in which the machine's
			// load changed between the two.
			var ratios []float64
			for i := range rounds {
				var sRate, bRate float64
				// Who goes first alternates, so a trend (the JIT, the
				// machine's load) does not favour one side.
				for j := range 2 {
					if (i+j)%2 == 0 {
						n, el := sTime(t, ep.Addr, seconds)
						sRate = float64(n) / el.Seconds()
						continue
					}
					h, err := bench.RunHandshakes(context.Background(), ep.Addr,
						bench.Options{Clients: 1, Duration: seconds * time.Second})
					if err != nil {
						t.Fatal(err)
					}
					bRate = h.PerSec
				}
				t.Logf("round %d: openssl s_time -new %.1f/s, bench %.1f/s", i, sRate, bRate)
				ratios = append(ratios, bRate/sRate)
			}
			slices.Sort(ratios)
			median := (ratios[rounds/2-1] + ratios[rounds/2]) / 2
			t.Logf("%s: bench/s_time median %.2f over %d rounds", name, median, rounds)
			if math.Abs(median-1) > 0.15 {
				t.Errorf("bench and openssl s_time -new: median ratio %.2f over %d rounds, want within 15 %%",
					median, rounds)
			}
		})
	}
}
