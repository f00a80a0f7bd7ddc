package render

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/honoctl/honoctl/orchestrator/topology"
)

// mustRender renders the default topology changed by edit, with o.
func mustRender(t *testing.T, edit func(*topology.Options), o Options) *Stack {
	t.Helper()
	opts := topology.DefaultOptions()
	if edit != nil {
		edit(&opts)
	}
	top, err := topology.New(opts)
	if err != nil {
		t.Fatalf("topology: %v", err)
	}
	st, err := Render(top, o)
	if err != nil {
		t.Fatalf("render: %v", err)
	}
	return st
}

// filesOf maps each rendered file's path to its content.
func filesOf(st *Stack) map[string]string {
	m := map[string]string{}
	for _, f := range st.Files {
		m[f.Path] = string(f.Data)
	}
	return m
}

// changed lists the paths whose content differs between a and b, with
// "+" for added and "-" for removed files.
func changed(a, b map[string]string) []string {
	var out []string
	for p, x := range a {
		y, ok := b[p]
		switch {
		case !ok:
			out = append(out, "-"+p)
		case x != y:
			out = append(out, p)
		}
	}
	for p := range b {
		if _, ok := a[p]; !ok {
			out = append(out, "+"+p)
		}
	}
	sort.Strings(out)
	return out
}

// mustService is the named service of a rendered project.
func mustService(t *testing.T, st *Stack, name string) types.ServiceConfig {
	t.Helper()
	s, ok := st.Project.Services[name]
	if !ok {
		t.Fatalf("no service %s in the project", name)
	}
	return s
}

// dockerCompose is Debian's docker-compose 1.29, a peer that checks the
// rendered file against its own schema (it needs no daemon for "config").
const dockerCompose = "/usr/bin/docker-compose"

// mustComposeConfig writes st into a fresh folder and has docker-compose
// 1.29 read it; it returns docker-compose's view of the file.
func mustComposeConfig(t *testing.T, st *Stack) string {
	t.Helper()
	if _, err := os.Stat(dockerCompose); err != nil {
		t.Fatalf("%s is the peer of this test and is missing: install the Debian package "+
			"docker-compose (scripts/install-deps.sh does): %v", dockerCompose, err)
	}
	dir := t.TempDir()
	if err := st.Write(dir); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(dockerCompose, "-f", filepath.Join(dir, ComposeFile), "-p", "honoctltest", "config")
	cmd.Dir = dir
	// docker-compose reads no daemon for "config"; keep it away from a
	// DOCKER_HOST or .env that could change what it checks.
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("docker-compose config rejects the rendered file: %v\n%s", err,
			strings.TrimSpace(stderr.String()))
	}
	return stdout.String()
}
