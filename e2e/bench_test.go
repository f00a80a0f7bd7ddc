package e2e

import (
	"strings"
	"testing"
	"time"
)

// The benchmarks time honoctl up and docker-compose up -d of the same
// rendered sim stack, from nothing running to every service healthy, on a
// warm Docker (images built before the timer starts). Run both in one go:
//
//	go test ./e2e/ -run '^$' -bench 'SimStack' -benchtime 3x

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

func benchStack(b *testing.B) *stack {
	e := needDocker(b)
	s := newStack(b, e)
	s.renderSim(freeOffset(b, simPorts()))
	s.useStandin()
	return s
}
