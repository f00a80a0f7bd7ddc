package report

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"strings"
	"testing"
	"time"

	"github.com/honoctl/honoctl/orchestrator/check"
	"github.com/honoctl/honoctl/orchestrator/topology"
)

// sample is a report with one failure on channel 5, a warning and passes.
func sample() *Report {
	top := topology.Default()
	reg := top.LinksOf(topology.ChannelAdapterRegistry)[0].String()
	app := top.LinksOf(topology.ChannelAppRouter)[0].String()
	return &Report{
		Stack: "hono-stack", Topology: top, Started: time.Date(2026, 12, 3, 20, 0, 0, 0, time.UTC),
		Duration: 1500 * time.Millisecond,
		Findings: []check.Finding{
			{Channel: 5, Link: reg, Check: check.IDValidity, Status: check.Fail,
				Message: `certificate "device-registry" expired on 2026-12-01`,
				Hint:    "Renew it: honoctl certs", Evidence: []check.Evidence{{Key: "not after", Value: "2026-12-01"}}},
			{Channel: 5, Link: reg, Check: check.IDHandshake, Status: check.Pass, Message: "TLS 1.3"},
			{Channel: 1, Link: app, Check: check.IDPlaintext, Status: check.Warn, Message: "plain port open",
				Hint: "Render without --plaintext"},
			{Channel: 1, Link: app, Check: check.IDCiphers, Status: check.Skip, Message: "no TLS 1.2"},
		},
	}
}

func TestVerdict(t *testing.T) {
	got := sample().Verdict()
	want := "FAIL: 1 failed, 1 warnings, 1 passed, 1 skipped on 2 channels in 1.5s"
	if got != want {
		t.Errorf("verdict = %q, want %q", got, want)
	}
}

func TestTable(t *testing.T) {
	var plain, color bytes.Buffer
	if err := WriteTable(&plain, sample(), Options{}); err != nil {
		t.Fatal(err)
	}
	if err := WriteTable(&color, sample(), Options{Color: true}); err != nil {
		t.Fatal(err)
	}
	out := plain.String()
	for _, want := range []string{"FAIL", `expired on 2026-12-01`, "fix: Renew it: honoctl certs",
		"1 checks", "WARN", "SKIP", "FAIL: 1 failed"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "\x1b[") {
		t.Error("plain table has ANSI escapes")
	}
	if !strings.Contains(color.String(), ansiRed+"FAIL") {
		t.Error("coloured table does not paint the failure red")
	}
	// Channel 1 comes before channel 5 whatever the input order.
	if strings.Index(out, "plain port open") > strings.Index(out, "expired") {
		t.Error("findings are not ordered by channel")
	}
}

func TestJSON(t *testing.T) {
	var b bytes.Buffer
	if err := WriteJSON(&b, sample()); err != nil {
		t.Fatal(err)
	}
	var got jsonReport
	if err := json.Unmarshal(b.Bytes(), &got); err != nil {
		t.Fatalf("%v\n%s", err, b.String())
	}
	if got.Verdict != check.Fail || got.Counts != (Counts{Pass: 1, Warn: 1, Fail: 1, Skip: 1}) ||
		len(got.Findings) != 4 || got.Findings[0].Channel != 1 {
		t.Errorf("decoded = %+v", got)
	}
}

func TestJUnit(t *testing.T) {
	var b bytes.Buffer
	if err := WriteJUnit(&b, sample()); err != nil {
		t.Fatal(err)
	}
	var got junitSuites
	if err := xml.Unmarshal(b.Bytes(), &got); err != nil {
		t.Fatalf("%v\n%s", err, b.String())
	}
	if got.Tests != 4 || got.Failures != 1 || got.Skipped != 1 || len(got.Suites) != 2 {
		t.Fatalf("suites = %+v", got)
	}
	fail := got.Suites[1].Cases[0]
	if fail.Failure == nil || fail.Failure.Type != check.IDValidity || fail.Failure.Text != "Renew it: honoctl certs" {
		t.Errorf("failing case = %+v", fail)
	}
}

func TestHTML(t *testing.T) {
	var b bytes.Buffer
	if err := WriteHTML(&b, sample()); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	// Every link of the default stack is drawn; the failing one in red.
	if n, want := strings.Count(out, "<line "), len(topology.Default().Links); n != want {
		t.Errorf("%d lines drawn, want %d", n, want)
	}
	for _, want := range []string{`class="e-fail"`, `class="e-warn"`, "hono-service-device-registry",
		"<b>Fix:</b> Renew it", "verdict v-fail"} {
		if !strings.Contains(out, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if strings.Contains(out, "<script") || strings.Contains(out, "http://") || strings.Contains(out, "https://") {
		t.Error("page is not self-contained")
	}
}
