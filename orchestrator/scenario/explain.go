package scenario

import (
	"fmt"
	"slices"
	"strings"

	"github.com/honoctl/honoctl/orchestrator/check"
)

// Explain is the likely cause of finding f when the stack runs with the
// breakages applied, or "" when none of them touches its link: a failing
// or warning finding on a channel a breakage changed, on a link to or
// from one of the services it changed.
func Explain(applied []Applied, f check.Finding) string {
	if f.Status != check.Fail && f.Status != check.Warn {
		return ""
	}
	var out []string
	for _, a := range applied {
		if !a.explains(f) {
			continue
		}
		s, ok := Lookup(a.Scenario)
		if !ok {
			continue
		}
		msg := fmt.Sprintf("Likely cause: the stack runs with --break %s: %s", a.Spec(), s.Cause)
		if a.Detail != "" {
			msg += " (" + a.Detail + ")"
		}
		out = append(out, msg+". A plain honoctl up restores the healthy files.")
	}
	return strings.Join(out, " ")
}

func (a Applied) explains(f check.Finding) bool {
	if f.Channel != 0 && !slices.Contains(a.Channels, f.Channel) {
		return false
	}
	for _, s := range a.Services {
		if strings.Contains(f.Link, s) {
			return true
		}
	}
	return false
}

// Annotate appends to the hint of every finding a recorded breakage
// explains that explanation; check calls it before it reports.
func Annotate(dir string, fs []check.Finding) error {
	applied, err := Load(dir)
	if err != nil || len(applied) == 0 {
		return err
	}
	for i := range fs {
		if x := Explain(applied, fs[i]); x != "" {
			fs[i].Hint = strings.TrimSpace(fs[i].Hint + " " + x)
		}
	}
	return nil
}
