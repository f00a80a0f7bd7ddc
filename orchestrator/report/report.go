// Package report turns check findings into what people and CI read: a
// terminal table, JSON, JUnit XML and a self-contained HTML page.
package report

import (
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/honoctl/honoctl/orchestrator/check"
	"github.com/honoctl/honoctl/orchestrator/topology"
)

// Report is one run of the checks on one stack.
type Report struct {
	// Stack names the stack, usually its Compose project name.
	Stack    string
	Topology *topology.Topology
	Findings []check.Finding
	Started  time.Time
	Duration time.Duration
}

// Formats lists the output formats, for flag help and validation.
var Formats = []string{"table", "json", "junit", "html"}

// Options tune the terminal table.
type Options struct {
	// Color adds ANSI colours; the caller decides (a terminal, NO_COLOR unset).
	Color bool
	// Verbose lists passing checks too; by default the table shows them
	// only as counts per channel.
	Verbose bool
}

// Write renders r in the given format.
func Write(w io.Writer, format string, r *Report, o Options) error {
	switch format {
	case "table":
		return WriteTable(w, r, o)
	case "json":
		return WriteJSON(w, r)
	case "junit":
		return WriteJUnit(w, r)
	case "html":
		return WriteHTML(w, r)
	}
	return fmt.Errorf("format %q: want one of %v", format, Formats)
}

// Counts tallies findings by status.
type Counts struct {
	Pass int `json:"pass"`
	Warn int `json:"warn"`
	Fail int `json:"fail"`
	Skip int `json:"skip"`
}

// Count tallies fs.
func Count(fs []check.Finding) Counts {
	var c Counts
	for _, f := range fs {
		switch f.Status {
		case check.Pass:
			c.Pass++
		case check.Warn:
			c.Warn++
		case check.Fail:
			c.Fail++
		case check.Skip:
			c.Skip++
		}
	}
	return c
}

// Verdict is the closing line of a run: what happened, in one sentence.
func (r *Report) Verdict() string {
	c := Count(r.Findings)
	word := "PASS"
	switch check.Worst(r.Findings) {
	case check.Fail:
		word = "FAIL"
	case check.Warn:
		word = "PASS with warnings"
	}
	return fmt.Sprintf("%s: %d failed, %d warnings, %d passed, %d skipped on %d channels in %s",
		word, c.Fail, c.Warn, c.Pass, c.Skip, len(r.channels()), r.Duration.Round(10*time.Millisecond))
}

// channels lists the channels that have findings, in order.
func (r *Report) channels() []topology.Channel {
	var out []topology.Channel
	for _, f := range r.Findings {
		if !slices.Contains(out, f.Channel) {
			out = append(out, f.Channel)
		}
	}
	slices.Sort(out)
	return out
}

// ChannelStatus is the worst status of each channel's findings.
func (r *Report) ChannelStatus() map[topology.Channel]check.Status {
	by := map[topology.Channel][]check.Finding{}
	for _, f := range r.Findings {
		by[f.Channel] = append(by[f.Channel], f)
	}
	out := map[topology.Channel]check.Status{}
	for c, fs := range by {
		out[c] = check.Worst(fs)
	}
	return out
}

// sorted returns the findings by channel, then link, keeping check order.
func (r *Report) sorted() []check.Finding {
	fs := slices.Clone(r.Findings)
	slices.SortStableFunc(fs, func(a, b check.Finding) int {
		if a.Channel != b.Channel {
			return int(a.Channel) - int(b.Channel)
		}
		switch {
		case a.Link < b.Link:
			return -1
		case a.Link > b.Link:
			return 1
		}
		return 0
	})
	return fs
}
