package certs

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/honoctl/honoctl/orchestrator/topology"
)

// script is the reference: the same PKI made with the openssl and keytool
// command-line tools, the way Hono's create_certs.sh made it.
var script = filepath.Join("..", "scripts", "bench-pki.sh")

func runScript(t testing.TB, dir string, kt KeyType) {
	t.Helper()
	abs, err := filepath.Abs(script)
	if err != nil {
		t.Fatal(err)
	}
	mustRun(t, ".", "openssl", "version") // fails naming the package when missing
	mustRun(t, ".", "keytool", "-help")
	// Nine RSA 4096 keys one after the other take minutes on a busy
	// machine.
	if out, err := runPeerFor(t, 10*time.Minute, ".", "bash", abs, dir, string(kt)); err != nil {
		t.Fatalf("%s: %v\n%s", script, err, out)
	}
}

// TestBenchScriptMakesWhatLintAccepts keeps the benchmark's reference
// honest: the script must make the same PKI, which the lint then passes.
func TestBenchScriptMakesWhatLintAccepts(t *testing.T) {
	t.Parallel() // peers and key generation; independent folders
	dir := t.TempDir()
	runScript(t, dir, ECDSAP256)
	if bad := notPassing(Lint(dir, topology.Default(), time.Now())); len(bad) > 0 {
		t.Errorf("lint of the script's PKI:\n%s", dump(bad))
	}
}

// BenchmarkGenerate times the whole PKI of the default topology, from an
// empty folder, against the script doing the same work in the same run.
// ns/op is Generate alone; script-s/op is the script; speedup is their
// ratio. The CPU times (this process, and the script's processes) tell
// the code from a busy machine. RSA 4096 key generation takes a random
// time: run with -benchtime=5x or more for a steady figure.
func BenchmarkGenerate(b *testing.B) {
	top := topology.Default()
	for _, kt := range []KeyType{ECDSAP256, RSA4096} {
		b.Run(string(kt), func(b *testing.B) {
			var gen, ref, genCPU, refCPU time.Duration
			for b.Loop() {
				dir := b.TempDir()
				start := time.Now()
				cpu0, _ := cpuTimes()
				if _, err := Generate(dir, top, Options{KeyType: kt}); err != nil {
					b.Fatal(err)
				}
				cpu1, child0 := cpuTimes()
				gen += time.Since(start)
				genCPU += cpu1 - cpu0

				b.StopTimer()
				start = time.Now()
				runScript(b, b.TempDir(), kt)
				ref += time.Since(start)
				_, child1 := cpuTimes()
				refCPU += child1 - child0
				b.StartTimer()
			}
			n := float64(b.N)
			b.ReportMetric(gen.Seconds()/n, "go-s/op")
			b.ReportMetric(ref.Seconds()/n, "script-s/op")
			b.ReportMetric(ref.Seconds()/gen.Seconds(), "speedup")
			b.ReportMetric(genCPU.Seconds()/n, "go-cpu-s/op")
			b.ReportMetric(refCPU.Seconds()/n, "script-cpu-s/op")
		})
	}
}

// BenchmarkLint times a lint of a whole default PKI.
func BenchmarkLint(b *testing.B) {
	dir, _ := mustGenerate(b, Options{})
	top := topology.Default()
	for b.Loop() {
		if fs := Lint(dir, top, testNow); Worst(fs) != Pass {
			b.Fatal(dump(notPassing(fs)))
		}
	}
}
