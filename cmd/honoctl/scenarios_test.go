package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/honoctl/honoctl/orchestrator/scenario"
)

func TestScenariosListsTheCatalogue(t *testing.T) {
	code, stdout, _ := runRenderCLI(t, "scenarios", "--format", "json")
	var list []scenario.Scenario
	if code != exitOK || json.Unmarshal([]byte(stdout), &list) != nil || len(list) != len(scenario.Catalogue()) {
		t.Fatalf("scenarios --format json: exit %d, %d entries:\n%s", code, len(list), stdout)
	}
	code, stdout, _ = runRenderCLI(t, "scenarios")
	for _, s := range list {
		if s.Breaks == "" || s.Sees == "" || s.Fix == "" || s.Cause == "" {
			t.Errorf("%s lacks a text: %+v", s.Name, s)
		}
		if code != exitOK || !strings.Contains(stdout, s.Name+"  (") {
			t.Errorf("the table lacks %s", s.Name)
		}
	}
}

// Breakages that cannot be applied say why, with exit code 2, and leave
// no breaks.json behind.
func TestBreakRefusals(t *testing.T) {
	dir := t.TempDir()
	mustFakeCerts(t, dir)
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"render", "--break", "native-tls-required"}, "does not apply to the sim flavor"},
		{[]string{"render", "--break", "expired-cert"}, "use honoctl certs --break expired-cert"},
		{[]string{"render", "--break", "no-such-break"}, "not in the catalogue"},
		{[]string{"scenarios", "--format", "xml"}, "want table or json"},
	}
	for _, tt := range tests {
		code, _, stderr := runRenderCLI(t, append(tt.args, "--dir", dir)...)
		if tt.args[0] == "scenarios" {
			code, _, stderr = runRenderCLI(t, tt.args...)
		}
		if code != exitCannot || !strings.Contains(stderr, tt.want) {
			t.Errorf("honoctl %v: exit %d, stderr %q; want 2 and %q", tt.args, code, stderr, tt.want)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, scenario.FileName)); err == nil {
		t.Errorf("a refused breakage left %s", scenario.FileName)
	}
}
