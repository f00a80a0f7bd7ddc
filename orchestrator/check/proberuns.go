package check

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/honoctl/honoctl/internal/atomicfile"
)

// ProbeRun is a span of time in which honoctl's own probes talked to a
// stack. Some of them fail handshakes on purpose (old protocol versions,
// weak ciphers, a stranger's certificate), and a Java service logs each;
// those lines are honoctl's doing, not the stack's trouble.
type ProbeRun struct {
	Start time.Time `json:"start"`
	// End is zero while the run goes on.
	End time.Time `json:"end"`
}

// ProbeRuns are the runs of check on one stack, oldest first.
type ProbeRuns []ProbeRun

// Margins around a run: a server may log a handshake a moment after the
// probe gave up on it, and the two clocks are the same machine's.
const (
	probeLead  = time.Second
	probeTrail = 5 * time.Second
)

// Covers tells whether a log line written at t falls in one of the runs.
func (r ProbeRuns) Covers(t time.Time) bool {
	for _, run := range r {
		if !t.Before(run.Start.Add(-probeLead)) && (run.End.IsZero() || !t.After(run.End.Add(probeTrail))) {
			return true
		}
	}
	return false
}

// ProbeRunsFile keeps the runs in a stack folder's reports/.
const ProbeRunsFile = "probe-runs.json"

// maxProbeRuns bounds the file: a service whose log is older than the
// last hundred runs has been restarted since, or is rarely checked.
const maxProbeRuns = 100

// LoadProbeRuns reads the runs recorded in the reports folder dir; none
// when there is no file yet.
func LoadProbeRuns(dir string) (ProbeRuns, error) {
	var r ProbeRuns
	if _, err := atomicfile.ReadJSON(filepath.Join(dir, ProbeRunsFile), &r); err != nil {
		return nil, fmt.Errorf("probe runs: %w (remove it; the next check starts it anew)", err)
	}
	return r, nil
}

// Save writes the last runs to the reports folder dir, atomically.
func (r ProbeRuns) Save(dir string) error {
	if len(r) > maxProbeRuns {
		r = r[len(r)-maxProbeRuns:]
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("probe runs: %w", err)
	}
	if err := atomicfile.WriteJSON(filepath.Join(dir, ProbeRunsFile), r, 0o644); err != nil {
		return fmt.Errorf("probe runs: %w", err)
	}
	return nil
}

// stamped splits a log line read with Docker's timestamps
// ("2026-12-04T06:11:15.123456789Z text") into its time and text; a line
// without one has the zero time.
func stamped(line string) (time.Time, string) {
	head, rest, ok := strings.Cut(line, " ")
	if !ok {
		return time.Time{}, line
	}
	t, err := time.Parse(time.RFC3339Nano, head)
	if err != nil {
		return time.Time{}, line
	}
	return t, rest
}
