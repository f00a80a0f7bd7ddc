package render

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestOptionsSaveLoadRoundTrip(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "my-stack")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	o := Options{Target: TargetSwarm, Extensions: ExtensionsVolume, ExtensionsDir: "../ext",
		User: "1000:1000", SharedSecret: strings.Repeat("s", 32)}
	if err := o.Save(dir); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(dir, OptionsFile))
	if err != nil || strings.Contains(string(data), o.SharedSecret) {
		t.Fatalf("%s: %v\n%s", OptionsFile, err, data)
	}
	got, err := LoadOptions(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := o
	want.SharedSecret, want.ProjectName = "", "my-stack"
	if got != want {
		t.Errorf("LoadOptions = %+v, want %+v", got, want)
	}
}

// TestOptionsRecordAChosenStackName: a name other than the folder's, as
// Render chooses for a long swarm stack, is recorded and read back; the
// folder's own is not written down, so a renamed folder follows its name.
func TestOptionsRecordAChosenStackName(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "my-stack")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{DefaultProjectName, "my-stack"} {
		if err := (Options{Target: TargetSwarm, ProjectName: name}).Save(dir); err != nil {
			t.Fatal(err)
		}
		data, _ := os.ReadFile(filepath.Join(dir, OptionsFile))
		if recorded := strings.Contains(string(data), `"project"`); recorded != (name != "my-stack") {
			t.Errorf("%s: project recorded %v:\n%s", name, recorded, data)
		}
		if got, err := LoadOptions(dir); err != nil || got.ProjectName != name {
			t.Errorf("%s: LoadOptions = %+v, %v", name, got, err)
		}
	}
}

func TestLoadOptionsOfOlderFolderIsDefault(t *testing.T) {
	dir := t.TempDir()
	got, err := LoadOptions(dir)
	if err != nil || got != (Options{ProjectName: ProjectName(dir)}) {
		t.Errorf("LoadOptions of a folder without %s = %+v, %v", OptionsFile, got, err)
	}
}

func TestLoadOptionsRejectsBadTarget(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, OptionsFile), []byte(`{"target": "k8s"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := LoadOptions(dir)
	if err == nil || !strings.Contains(err.Error(), OptionsFile) || !strings.Contains(err.Error(), `target "k8s"`) {
		t.Errorf("LoadOptions with target k8s: %v", err)
	}
}
