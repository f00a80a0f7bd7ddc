package scenario

import (
	"fmt"
	"strings"

	"github.com/honoctl/honoctl/orchestrator/check"
)

// Explain is the likely cause of finding f when the stack runs with the
// breakages applied, or "" when none of them explains it: a failing or
// warning finding on a link to or from a service a breakage changed (what
// breaks a service breaks every link it has), or on the data path, which
// crosses every channel.
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
	if strings.HasPrefix(f.Check, "data.") {
		return true
	}
	for _, s := range a.Services {
		if strings.Contains(f.Link, s) {
			return true
		}
	}
	for _, m := range a.Marks {
		if strings.Contains(f.Message, m) {
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
