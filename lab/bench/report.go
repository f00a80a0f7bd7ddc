package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"
	"time"
)

// Target is one endpoint to measure.
type Target struct {
	Name string `json:"name"`
	Addr string `json:"addr"`
}

// Result is what one target measured.
type Result struct {
	Target
	Handshakes *Handshakes `json:"handshakes,omitempty"`
	Throughput *Throughput `json:"throughput,omitempty"`
	// Ratios are against the first target of the run: 1.6 is 60 % more
	// handshakes per second (or MB/s) than the reference.
	HandshakeRatio  float64 `json:"handshake_ratio,omitempty"`
	ThroughputRatio float64 `json:"throughput_ratio,omitempty"`
}

// Report is a run over several targets.
type Report struct {
	Clients  int           `json:"clients"`
	Duration time.Duration `json:"duration_ns"`
	Warmup   time.Duration `json:"warmup_ns"`
	Verified bool          `json:"verified"`
	Results  []Result      `json:"results"`
}

// Run measures every target, one after the other so they do not compete
// for the machine: handshakes, then throughput unless bulk is false.
func Run(ctx context.Context, targets []Target, o Options, bulk bool) (*Report, error) {
	o = o.withDefaults()
	rep := &Report{Clients: o.Clients, Duration: o.Duration, Warmup: o.Warmup, Verified: o.Roots != nil}
	for _, t := range targets {
		r := Result{Target: t}
		var err error
		if r.Handshakes, err = RunHandshakes(ctx, t.Addr, o); err != nil {
			return nil, fmt.Errorf("%s: %w", t.Name, err)
		}
		if bulk {
			if r.Throughput, err = RunThroughput(ctx, t.Addr, o); err != nil {
				return nil, fmt.Errorf("%s: %w", t.Name, err)
			}
		}
		rep.Results = append(rep.Results, r)
	}
	ref := rep.Results[0]
	for i := range rep.Results {
		r := &rep.Results[i]
		if ref.Handshakes.PerSec > 0 {
			r.HandshakeRatio = r.Handshakes.PerSec / ref.Handshakes.PerSec
		}
		if r.Throughput != nil && ref.Throughput != nil && ref.Throughput.MBps > 0 {
			r.ThroughputRatio = r.Throughput.MBps / ref.Throughput.MBps
		}
	}
	return rep, nil
}

// WriteTable prints the report as a table, ratios against the first row.
func (r *Report) WriteTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ENDPOINT\tADDRESS\tTLS\tHANDSHAKES/S\tRATIO\tERRORS\tMB/S\tRATIO")
	for _, res := range r.Results {
		h := res.Handshakes
		mb, mbRatio := "-", "-"
		if res.Throughput != nil {
			mb = fmt.Sprintf("%.1f", res.Throughput.MBps)
			mbRatio = fmt.Sprintf("%.2fx", res.ThroughputRatio)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s %s\t%.0f\t%.2fx\t%d\t%s\t%s\n", res.Name, res.Addr, h.Version, h.Cipher,
			h.PerSec, res.HandshakeRatio, h.Errors, mb, mbRatio)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	verified := "server chains not verified (as openssl s_time)"
	if r.Verified {
		verified = "server chains verified"
	}
	_, err := fmt.Fprintf(w, "%d client(s), %s per measurement after %s of warm-up, full handshakes "+
		"(no resumption), %s; ratios against %s\n", r.Clients, r.Duration, r.Warmup, verified, r.Results[0].Name)
	return err
}

// WriteJSON prints the report as indented JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}
