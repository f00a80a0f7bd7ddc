package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/honoctl/honoctl/orchestrator/check"
)

// BenchmarkCheck times honoctl check on the running default sim stack
// (every channel: TLS, AMQP, token, data path, service views), alternating
// with check --from host (the published ports only, no container) as the
// reference measured in the same run, so that a machine shared with other
// work loads both alike:
//
//	go test ./e2e/ -run '^$' -bench Check -benchtime 5x
func BenchmarkCheck(b *testing.B) {
	e := needDocker(b)
	needSim(b)
	s := newStack(b, e)
	s.renderSim(freeOffset(b, simPorts()))
	s.mustHonoctl("up")
	s.mustHonoctl("check") // warm: the probe image is built
	var all, host time.Duration
	n := 0
	for b.Loop() {
		start := time.Now()
		if code, r := s.check(); code != 0 {
			b.Fatalf("check: exit %d: %s", code, failures(r))
		}
		all += time.Since(start)
		start = time.Now()
		s.mustHonoctl("check", "--from", "host")
		host += time.Since(start)
		n++
	}
	b.ReportMetric(all.Seconds()/float64(n), "check-s/op")
	b.ReportMetric(host.Seconds()/float64(n), "host-only-s/op")
	b.ReportMetric(all.Seconds()/host.Seconds(), "ratio")
}

// failures describes the failing findings of a report, for a test's
// message.
func failures(r checkReport) string {
	var b strings.Builder
	for _, f := range r.Findings {
		if f.Status == check.Fail || f.Status == check.Warn {
			fmt.Fprintf(&b, "\n  %d %s %s %s: %s (hint: %s)", f.Channel, f.Link, f.Check, f.Status, f.Message, f.Hint)
		}
	}
	return b.String()
}
