package report

import (
	"encoding/json"
	"io"
	"time"

	"github.com/honoctl/honoctl/orchestrator/check"
)

// jsonReport is the stable JSON shape: scripts read it.
type jsonReport struct {
	Stack    string          `json:"stack"`
	Verdict  check.Status    `json:"verdict"`
	Counts   Counts          `json:"counts"`
	Started  time.Time       `json:"started"`
	Seconds  float64         `json:"seconds"`
	Findings []check.Finding `json:"findings"`
}

// WriteJSON writes the report as one indented JSON document.
func WriteJSON(w io.Writer, r *Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	fs := r.sorted()
	if fs == nil {
		fs = []check.Finding{}
	}
	return enc.Encode(jsonReport{
		Stack: r.Stack, Verdict: check.Worst(r.Findings), Counts: Count(r.Findings),
		Started: r.Started.UTC(), Seconds: r.Duration.Seconds(), Findings: fs,
	})
}
