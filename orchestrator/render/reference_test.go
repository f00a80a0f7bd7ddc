package render

import (
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/honoctl/honoctl/orchestrator/topology"
)

var update = flag.Bool("update", false, "rewrite the reference files in compose/ from the renderer")

// referenceDir is the repository's compose/ folder.
const referenceDir = "../../compose"

// TestReferenceFiles keeps compose/sim and compose/upstream equal to what
// render produces for the default topology. Refresh them with
// "go test ./orchestrator/render -run TestReferenceFiles -update".
func TestReferenceFiles(t *testing.T) {
	for _, flavor := range []topology.Flavor{topology.FlavorSim, topology.FlavorUpstream} {
		t.Run(string(flavor), func(t *testing.T) {
			// The upstream reference binds the repository's extensions/,
			// where scripts/fetch-tcnative.sh puts the jar.
			st := mustRender(t, func(o *topology.Options) { o.Flavor = flavor },
				Options{ExtensionsDir: "../../extensions"})
			dir := filepath.Join(referenceDir, string(flavor))
			if *update {
				if err := os.RemoveAll(dir); err != nil {
					t.Fatal(err)
				}
				if err := st.Write(dir); err != nil {
					t.Fatal(err)
				}
			}
			onDisk := mustReadTree(t, dir)
			if diff := changed(onDisk, filesOf(st)); len(diff) > 0 {
				t.Errorf("%s differs from what render produces now in %v; "+
					"refresh with: make render (or go test ./orchestrator/render -run TestReferenceFiles -update)",
					dir, diff)
			}
		})
	}
}

// mustReadTree reads every file under dir, keyed by its slash path.
func mustReadTree(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		out[filepath.ToSlash(rel)] = string(b)
		return nil
	})
	if err != nil {
		t.Fatalf("read reference %s: %v", dir, err)
	}
	return out
}

// TestComposeFileIsPortable: the compose file names no absolute host path,
// so the reference works from any checkout.
func TestComposeFileIsPortable(t *testing.T) {
	for _, flavor := range []topology.Flavor{topology.FlavorSim, topology.FlavorUpstream} {
		for _, target := range []Target{TargetCompose, TargetSwarm} {
			st := mustRender(t, func(o *topology.Options) { o.Flavor = flavor }, Options{Target: target})
			for _, s := range st.Project.Services {
				for _, v := range s.Volumes {
					if v.Type == "bind" && !strings.HasPrefix(v.Source, ".") {
						t.Errorf("%s/%s %s: bind source %q is not relative to the compose file",
							flavor, target, s.Name, v.Source)
					}
				}
			}
			for name, sec := range st.Project.Secrets {
				if !strings.HasPrefix(sec.File, "./") {
					t.Errorf("%s/%s secret %s: file %q is not relative", flavor, target, name, sec.File)
				}
			}
		}
	}
}
