package e2e

import (
	"strings"
	"testing"
	"time"
)

// The benchmarks time honoctl up and docker-compose up -d of the same
// rendered sim stack (on hono-sim), from nothing running to every service
// healthy, on a warm Docker (images built before the timer starts). Run
// them in one go:
//
//	go test ./e2e/ -run '^$' -bench . -benchtime 3x

func BenchmarkUpSimStack(b *testing.B) {
	s := benchStack(b)
	s.mustHonoctl("up") // warm: the images are built
	for b.Loop() {
		b.StopTimer()
		s.down()
		b.StartTimer()
		s.mustHonoctl("up")
	}
}

func BenchmarkDockerComposeSimStack(b *testing.B) {
	s := benchStack(b)
	services := len(strings.Fields(s.dockerCompose("config", "--services")))
	for b.Loop() {
		b.StopTimer()
		s.down()
		b.StartTimer()
		s.dockerCompose("up", "-d")
		s.waitReady(services, 2*time.Minute)
	}
}

// benchStack renders the sim stack on the real hono-sim.
func benchStack(b *testing.B) *stack { return benchStackOn(b, imageHonoSim) }

func benchStackOn(b *testing.B, kind string) *stack {
	e := needDocker(b)
	s := newStack(b, e)
	s.renderSim(freeOffset(b, simPorts()))
	s.useImage(kind)
	return s
}

// BenchmarkUpAgainstDockerCompose alternates the two on one stack, so that
// a machine shared with other work loads both alike, and reports each's
// seconds to healthy and their ratio (honoctl / docker-compose; below 1 is
// faster).
func BenchmarkUpAgainstDockerCompose(b *testing.B) {
	for _, kind := range []string{imageHonoSim} {
		b.Run(kind, func(b *testing.B) { upAgainstDockerCompose(b, kind) })
	}
}

func upAgainstDockerCompose(b *testing.B, kind string) {
	s := benchStackOn(b, kind)
	services := len(strings.Fields(s.dockerCompose("config", "--services")))
	s.mustHonoctl("up")
	var ours, theirs time.Duration
	n := 0
	for b.Loop() {
		runs := []func(){
			func() { s.mustHonoctl("up") },
			func() { s.dockerCompose("up", "-d"); s.waitReady(services, 2*time.Minute) },
		}
		if n%2 == 1 {
			runs[0], runs[1] = runs[1], runs[0]
		}
		for i, run := range runs {
			s.down()
			start := time.Now()
			run()
			if (i == 0) == (n%2 == 0) {
				ours += time.Since(start)
			} else {
				theirs += time.Since(start)
			}
		}
		n++
	}
	b.ReportMetric(ours.Seconds()/float64(n), "honoctl-s/op")
	b.ReportMetric(theirs.Seconds()/float64(n), "compose-s/op")
	b.ReportMetric(ours.Seconds()/theirs.Seconds(), "ratio")
}
