package check

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestTLSErrorLinesOfProbeRunsAreLeftOut: a handshake failure logged while
// honoctl probed is its own doing; the same line at another time is the
// service's trouble.
func TestTLSErrorLinesOfProbeRunsAreLeftOut(t *testing.T) {
	top := upstream(t, nil)
	at := func(s string) string {
		return time.Date(2026, 12, 4, 6, 0, 0, 0, time.UTC).Add(mustDuration(t, s)).Format(time.RFC3339Nano) + " "
	}
	stranger := "[vert.x-eventloop-thread-2] WARN  i.n.h.s.SslHandler - javax.net.ssl.SSLHandshakeException: Received fatal alert: bad_certificate\n"
	runs := ProbeRuns{{Start: time.Date(2026, 12, 4, 6, 1, 0, 0, time.UTC), End: time.Date(2026, 12, 4, 6, 1, 2, 0, time.UTC)}}
	serviceLog := func(log string) []Finding {
		var out []Finding
		for _, f := range LogFindings(top, map[string]string{"hono-service-messaging": at("0s") + jdkLog + log}, runs) {
			if f.Check == IDServiceLog {
				out = append(out, f)
			}
		}
		return out
	}

	// In the run, and in its margins: 1 s before, 5 s after.
	if fs := serviceLog(at("1m1s") + stranger + at("59s") + stranger + at("1m7s") + stranger); len(fs) != 0 {
		t.Errorf("lines of a probe run give findings: %+v", fs)
	}
	fs := serviceLog(at("1m1s") + stranger + at("2m") + stranger)
	if len(fs) != 1 || fs[0].Status != Warn || fs[0].Evidence[1].Value != "1" ||
		strings.HasPrefix(fs[0].Evidence[0].Value, "2026-") {
		t.Errorf("one line outside the run: %+v, want one warning of count 1 without the timestamp", fs)
	}
	// The run going on has no end yet: everything since its start is its.
	open := ProbeRuns{{Start: runs[0].Start}}
	var seen []Finding
	for _, f := range LogFindings(top, map[string]string{"hono-service-messaging": at("0s") + jdkLog +
		at("1h") + stranger + at("30s") + stranger}, open) {
		if f.Check == IDServiceLog {
			seen = append(seen, f)
		}
	}
	if len(seen) != 1 || seen[0].Evidence[1].Value != "1" {
		t.Errorf("an open run: %+v, want one finding for the line before its start", seen)
	}
	if !open.Covers(runs[0].Start.Add(time.Hour)) || open.Covers(runs[0].Start.Add(-time.Minute)) {
		t.Error("an open run covers from its start on, nothing before")
	}

	// A log without timestamps is the service's own.
	if fs := serviceLog(stranger); len(fs) != 1 {
		t.Errorf("a line without a timestamp: %+v", fs)
	}
}

func mustDuration(t *testing.T, s string) time.Duration {
	t.Helper()
	d, err := time.ParseDuration(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestProbeRunsSaveLoad(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "reports")
	if r, err := LoadProbeRuns(dir); err != nil || r != nil {
		t.Fatalf("no file yet: %v, %v", r, err)
	}
	var runs ProbeRuns
	start := time.Date(2026, 12, 4, 6, 0, 0, 0, time.UTC)
	for i := range maxProbeRuns + 5 {
		s := start.Add(time.Duration(i) * time.Minute)
		runs = append(runs, ProbeRun{Start: s, End: s.Add(time.Second)})
	}
	if err := runs.Save(dir); err != nil {
		t.Fatal(err)
	}
	got, err := LoadProbeRuns(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != maxProbeRuns || !got[0].Start.Equal(runs[5].Start) || !got[len(got)-1].End.Equal(runs[len(runs)-1].End) {
		t.Errorf("kept %d runs from %v; want the last %d", len(got), got[0].Start, maxProbeRuns)
	}

	if err := os.WriteFile(filepath.Join(dir, ProbeRunsFile), []byte("{"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadProbeRuns(dir); err == nil || !strings.Contains(err.Error(), ProbeRunsFile) {
		t.Errorf("a broken file: %v", err)
	}
}
