package simtest

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Python is Debian's interpreter, the one python3-qpid-proton installs
// into (not the python3 first on PATH).
const Python = "/usr/bin/python3"

// ProtonPeer is a running proton_peer.py.
type ProtonPeer struct {
	lines chan string
	cmd   *exec.Cmd
}

// StartProton runs proton_peer.py with args (see the script). It fails the
// test, naming the Debian package, when Qpid Proton is missing.
func StartProton(t testing.TB, args ...string) *ProtonPeer {
	t.Helper()
	if out, err := exec.Command(Python, "-c", "import proton").CombinedOutput(); err != nil {
		t.Fatalf("Qpid Proton for %s is missing (apt-get install python3-qpid-proton): %v: %s", Python, err, out)
	}
	script := filepath.Join(repoRoot(), "internal", "sim", "hono", "simtest", "proton_peer.py")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	cmd := exec.CommandContext(ctx, Python, append([]string{script}, args...)...)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatal(err)
	}
	p := &ProtonPeer{lines: make(chan string, 100), cmd: cmd}
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			p.lines <- sc.Text()
		}
		close(p.lines)
	}()
	t.Cleanup(func() {
		cancel()
		_ = cmd.Wait()
	})
	return p
}

// Next returns the peer's next output line, or fails the test after d.
func (p *ProtonPeer) Next(t testing.TB, d time.Duration) string {
	t.Helper()
	select {
	case l, ok := <-p.lines:
		if !ok {
			t.Fatal("the Proton peer ended without the expected output")
		}
		if strings.HasPrefix(l, "error ") {
			t.Fatalf("Proton peer: %s", l)
		}
		return l
	case <-time.After(d):
		t.Fatalf("no output from the Proton peer within %v", d)
	}
	return ""
}
