package e2e

import (
	"testing"
	"time"
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
		s.mustHonoctl("check")
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
