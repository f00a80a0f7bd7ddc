package e2e

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/honoctl/honoctl/orchestrator/render"
)

// TestUpInterruptedRemovesWhatItMade sends Ctrl-C (SIGINT) to honoctl up
// while the first service waits to be healthy: it ends with 130 and leaves
// nothing of the stack behind.
func TestUpInterruptedRemovesWhatItMade(t *testing.T) {
	e := needDocker(t)
	s := newStack(t, e)
	s.renderSim(freeOffset(t, simPorts()))
	s.useStandin()
	// The stand-in's auth server is never ready: up waits on it.
	file := filepath.Join(s.dir, render.ComposeFile)
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	slow := strings.Replace(string(data), "SPRING_CONFIG_LOCATION: file:///run/secrets/hono-service-auth-config.yml",
		"SPRING_CONFIG_LOCATION: file:///run/secrets/hono-service-auth-config.yml\n      READY_AFTER: 1h", 1)
	if err := os.WriteFile(file, []byte(slow), 0o644); err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary(t, "honoctl"), "up", "--dir", s.dir, "--progress", "plain")
	var stderr syncBuffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	for !strings.Contains(stderr.String(), "hono-service-auth: starting (health: starting)") {
		if ctx.Err() != nil {
			t.Fatalf("up never got to wait for hono-service-auth:\n%s", stderr.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	if code := cmd.ProcessState.ExitCode(); code != 130 || !strings.Contains(stderr.String(), "honoctl: interrupted") {
		t.Errorf("up after Ctrl-C: exit %d; want 130 and \"interrupted\":\n%s", code, stderr.String())
	}
	if c, n, v := s.labeled(); c+n+v != 0 {
		t.Errorf("after an interrupted up: %d containers, %d networks, %d volumes of %s", c, n, v, s.project)
	}
}

// syncBuffer is a bytes.Buffer a process writes while the test reads.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
