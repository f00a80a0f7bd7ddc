package report

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/honoctl/honoctl/orchestrator/check"
)

const (
	ansiReset  = "\x1b[0m"
	ansiRed    = "\x1b[31m"
	ansiYellow = "\x1b[33m"
	ansiGreen  = "\x1b[32m"
	ansiDim    = "\x1b[2m"
)

// WriteTable writes the findings as a terminal table: every failure, warning
// and skip with its hint, passing checks as a count per link unless Verbose.
func WriteTable(w io.Writer, r *Report, o Options) error {
	paint := func(s check.Status, text string) string {
		if !o.Color {
			return text
		}
		switch s {
		case check.Fail:
			return ansiRed + text + ansiReset
		case check.Warn:
			return ansiYellow + text + ansiReset
		case check.Pass:
			return ansiGreen + text + ansiReset
		}
		return ansiDim + text + ansiReset
	}

	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "CH\tLINK\tCHECK\tSTATUS\tDETAIL")
	fs := r.sorted()
	for i := 0; i < len(fs); {
		// One link's findings at a time, so passes fold into one row.
		j := i
		for j < len(fs) && fs[j].Link == fs[i].Link && fs[j].Channel == fs[i].Channel {
			j++
		}
		passed := 0
		for _, f := range fs[i:j] {
			if f.Status == check.Pass && !o.Verbose {
				passed++
				continue
			}
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\n", f.Channel, f.Link, f.Check,
				paint(f.Status, strings.ToUpper(string(f.Status))), f.Message)
			if f.Hint != "" && f.Status != check.Pass {
				fmt.Fprintf(tw, "\t\t\t\t%s\n", paint(check.Skip, "fix: "+f.Hint))
			}
		}
		if passed > 0 {
			fmt.Fprintf(tw, "%d\t%s\t%d checks\t%s\t\n", fs[i].Channel, fs[i].Link, passed,
				paint(check.Pass, "PASS"))
		}
		i = j
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintln(w, "\n"+paint(check.Worst(r.Findings), r.Verdict()))
	return err
}
